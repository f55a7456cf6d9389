#!/usr/bin/env python3
"""The character-level transformer of bench/models/char_transformer.py fine-tuned from a
checkpoint, for the real-models benchmark (bench/analyze_real.py; the shared protocol is
bench/models/common.py).

The checkpoint: the transformer (seed 0) trained on the standard library's top-level modules
(char_transformer's training windows) with Adam at LR 1e-3 for PRETRAIN_STEPS steps of batch 8,
trained once and kept in bench/results/cache/real/checkpoints/ (keyed by a hash of this script,
char_transformer.py and the text). The
fine-tune: every run starts from it, on a text it has not seen, the `asyncio` package's sources
(the same windows and split as char_transformer). The seed only fixes the batch order.

    python bench/models/char_finetune.py adam 1e-3     # train at one LR, print each L
    lrfind drive -- python bench/models/char_finetune.py --worker --opt adam  # serve lrfind drive
"""
import functools
import hashlib
import sys
from pathlib import Path

import torch

import char_transformer as base
import common

NAME = "char_finetune"
PRETRAIN_STEPS = 1500
PRETRAIN_LR = 1e-3
CHECKPOINTS = common.oracle.CACHE / "real" / "checkpoints"


def pretrain():
    """The pretrained weights: trained on the first call, then read from the cache."""
    code = b"".join(Path(m.__file__).read_bytes() for m in (base, sys.modules[__name__]))
    key = hashlib.sha256(code + base.data_digest().encode()).hexdigest()[:12]
    path = CHECKPOINTS / f"char_pretrained-{key}.pt"
    if path.exists():
        return torch.load(path)
    model = base.build_model(0)
    train_loader, _ = base.make_loaders(0)
    optimizer = torch.optim.Adam(model.parameters(), lr=PRETRAIN_LR)
    loss_fn = base.loss_fn()

    def batches():
        while True:
            yield from train_loader

    for _, (x, y) in zip(range(PRETRAIN_STEPS), batches()):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(model.state_dict(), tmp)
    tmp.replace(path)
    return model.state_dict()


def build_model(seed):
    """The pretrained transformer (the same weights whatever the seed)."""
    model = base.build_model(seed)
    model.load_state_dict(pretrain())
    return model


@functools.cache
def text():
    return base.stdlib_text("asyncio/*.py")


@functools.cache
def datasets():
    """The fixed split of the asyncio sources."""
    return base.split_text(text())


def make_loaders(seed):
    """The training loader (shuffled from `seed`) and the validation loader."""
    return common.loaders(*datasets(), seed, base.BATCH)


def loss_fn():
    return base.NextCharLoss()


def data_digest():
    """What the cached results of this model depend on besides the code: both texts."""
    return base.digest(base.text() + text())


def train(opt, lr, seed):
    """Fine-tunes at the constant `lr`; each budget's {"best", "initial", "diverged", "steps"}."""
    return common.train_fixed(build_model(seed), *make_loaders(seed), loss_fn(), opt, lr)


def range_test_torch_lr_finder(opt, seed):
    """torch-lr-finder's range test: its saved history and its suggestion."""
    return common.torch_lr_finder_curve(build_model(seed), make_loaders(seed)[0], loss_fn(), opt)


def range_test_fastai(opt, seed):
    """fastai's `lr_find`: its recorded curve and its valley pick."""
    return common.fastai_curve(build_model(seed), *datasets(), loss_fn(), opt, seed, base.BATCH)


if __name__ == "__main__":
    common.main(sys.modules[__name__])
