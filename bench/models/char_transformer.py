#!/usr/bin/env python3
"""A character-level transformer on the Python standard library's own source files, for the
real-models benchmark (bench/analyze_real.py; the shared protocol is bench/models/common.py).
bench/models/char_finetune.py fine-tunes it from a checkpoint.

Text: the top-level `.py` files of the running Python's standard library (`sysconfig`'s
`stdlib`), sorted by name and concatenated; every character outside printable ASCII and the
newline is one "other" token (97 tokens). The first 384 windows of 64 characters (stride 64)
train, the next 96 validate: text shipped with every Python, no download.

Model: token and position embeddings (d = 64, context 64), 2 pre-norm transformer layers (4
heads, feed-forward 256, no dropout) with a causal mask, a final layer norm and a linear head:
116,705 parameters, PyTorch's default init. Batch 8 (48 batches a pass). Loss: the mean
cross-entropy of every next character (nats per character).

    python bench/models/char_transformer.py adam 1e-3     # train at one LR, print each L
    lrfind drive -- python bench/models/char_transformer.py --worker --opt adam  # serve lrfind drive
"""
import functools
import hashlib
import sys
import sysconfig
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

import common

NAME = "char_transformer"
CONTEXT = 64
D_MODEL = 64
LAYERS = 2
HEADS = 4
BATCH = 8
TRAIN_WINDOWS = 384
VAL_WINDOWS = 96
# Printable ASCII and the newline; everything else is the last token.
ALPHABET = "\n" + "".join(chr(c) for c in range(32, 127))
VOCAB = len(ALPHABET) + 1


def stdlib_text(pattern):
    """The standard library's files matching `pattern` (relative to `stdlib`), sorted by path
    and concatenated."""
    root = Path(sysconfig.get_paths()["stdlib"])
    return "".join(p.read_text(encoding="utf-8", errors="replace")
                   for p in sorted(root.glob(pattern)))


def encode(text):
    """Token ids of `text`."""
    index = {c: i for i, c in enumerate(ALPHABET)}
    return torch.tensor([index.get(c, len(ALPHABET)) for c in text], dtype=torch.long)


def windows(tokens, count, start=0):
    """`count` (input, next-character target) windows of CONTEXT tokens from `start`, stride
    CONTEXT."""
    idx = start + CONTEXT * torch.arange(count)[:, None] + torch.arange(CONTEXT + 1)
    w = tokens[idx]
    return w[:, :-1], w[:, 1:]


def split_text(text):
    """(training, validation) TensorDatasets: the first TRAIN_WINDOWS windows, then VAL_WINDOWS."""
    tokens = encode(text[: CONTEXT * (TRAIN_WINDOWS + VAL_WINDOWS) + 1])
    x_train, y_train = windows(tokens, TRAIN_WINDOWS)
    x_val, y_val = windows(tokens, VAL_WINDOWS, CONTEXT * TRAIN_WINDOWS)
    return common.as_datasets(x_train, y_train, x_val, y_val)


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class CharTransformer(nn.Module):
    """Embeddings, LAYERS causal pre-norm transformer layers, a norm and the head."""

    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(VOCAB, D_MODEL)
        self.positions = nn.Embedding(CONTEXT, D_MODEL)
        layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, 4 * D_MODEL, dropout=0.0,
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, VOCAB)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(CONTEXT),
                             persistent=False)

    def forward(self, x):
        t = x.shape[1]
        h = self.tokens(x) + self.positions(torch.arange(t, device=x.device))
        h = self.blocks(h, mask=self.mask[:t, :t], is_causal=True)
        return self.head(self.norm(h))


class NextCharLoss(nn.Module):
    """Mean cross-entropy of logits (batch, time, vocab) against targets (batch, time)."""

    def forward(self, logits, targets):
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def build_model(seed):
    """The transformer, initialised from `seed`."""
    return common.seeded(CharTransformer, seed)


@functools.cache
def text():
    return stdlib_text("*.py")


@functools.cache
def datasets():
    """The fixed split of the standard library's top-level modules."""
    return split_text(text())


def make_loaders(seed):
    """The training loader (shuffled from `seed`) and the validation loader."""
    return common.loaders(*datasets(), seed, BATCH)


def loss_fn():
    return NextCharLoss()


def data_digest():
    """What the cached results of this model depend on besides the code: the text."""
    return digest(text())


def train(opt, lr, seed):
    """Trains at the constant `lr`; each budget's {"best", "initial", "diverged", "steps"}."""
    return common.train_fixed(build_model(seed), *make_loaders(seed), loss_fn(), opt, lr)


def range_test_torch_lr_finder(opt, seed):
    """torch-lr-finder's range test: its saved history and its suggestion."""
    return common.torch_lr_finder_curve(build_model(seed), make_loaders(seed)[0], loss_fn(), opt)


def range_test_fastai(opt, seed):
    """fastai's `lr_find`: its recorded curve and its valley pick."""
    return common.fastai_curve(build_model(seed), *datasets(), loss_fn(), opt, seed, BATCH)


if __name__ == "__main__":
    common.main(sys.modules[__name__])
