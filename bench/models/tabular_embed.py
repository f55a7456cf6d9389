#!/usr/bin/env python3
"""A tabular net with categorical embeddings on the 1996 American National Election Study
(statsmodels' anes96, as bench/datasets.py writes it to bench/data/anes96.csv): will the
respondent vote for Dole (1) or Clinton (0)? For the real-models benchmark (bench/analyze_real.py;
the shared protocol is bench/models/common.py).

Model: each categorical answer (the party identification PID, the self-placement and the
placements of Clinton and Dole on a 7-point left-right scale, education, income in 24 bands,
days a week of TV news) gets an embedding of min(8, (levels + 1) // 2) dimensions; with the
standardised numeric columns (population of the place, age) they feed a 64-64 ReLU net ending in
2 logits. PyTorch's default init. Data: a stratified 80/20 split with random_state 0 (755
training rows, 11 batches of 64 a pass); the numeric columns standardised on the training rows.
Loss: cross-entropy.

    python bench/models/tabular_embed.py adam 3e-3     # train at one LR, print each budget's L
    lrfind drive -- python bench/models/tabular_embed.py --worker --opt adam  # serve lrfind drive
"""
import functools
import sys

import pandas as pd
import torch
from sklearn.model_selection import train_test_split
from torch import nn

import common

NAME = "tabular_embed"
CATEGORICAL = ("TVnews", "selfLR", "ClinLR", "DoleLR", "PID", "educ", "income")
NUMERIC = ("popul", "age")
LABEL = "vote"


@functools.cache
def table():
    """The cleaned rows: categorical answers as codes 0.., numeric columns as floats."""
    path = common.oracle.ROOT / common.oracle.manifest()["anes96"]["path"]
    return pd.read_csv(path).dropna().reset_index(drop=True)


def levels():
    """How many levels each categorical column has."""
    rows = table()
    return [int(rows[c].nunique()) for c in CATEGORICAL]


class EmbeddingNet(nn.Module):
    """Embeddings of the categorical columns, concatenated with the numeric ones, then an MLP."""

    def __init__(self, levels, numeric, hidden=64, outputs=2):
        super().__init__()
        self.embeddings = nn.ModuleList(nn.Embedding(n, min(8, (n + 1) // 2)) for n in levels)
        width = sum(e.embedding_dim for e in self.embeddings) + numeric
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                                 nn.ReLU(), nn.Linear(hidden, outputs))

    def forward(self, x):
        codes, numeric = x[:, : len(self.embeddings)].long(), x[:, len(self.embeddings):]
        parts = [e(codes[:, i]) for i, e in enumerate(self.embeddings)] + [numeric]
        return self.mlp(torch.cat(parts, dim=1))


def build_model(seed):
    """The net, initialised from `seed`."""
    return common.seeded(lambda: EmbeddingNet(levels(), len(NUMERIC)), seed)


@functools.cache
def datasets():
    """The fixed split as (training, validation) TensorDatasets: each row the categorical codes,
    then the standardised numeric columns (one float tensor, codes cast back in the model)."""
    rows = table()
    codes = torch.tensor(rows[list(CATEGORICAL)].apply(lambda c: pd.Categorical(c).codes)
                         .to_numpy(), dtype=torch.float32)
    numeric = torch.tensor(rows[list(NUMERIC)].to_numpy(), dtype=torch.float32)
    y = torch.tensor(rows[LABEL].to_numpy(), dtype=torch.long)
    train, val = train_test_split(range(len(y)), test_size=0.2, random_state=0,
                                  stratify=rows[LABEL])
    mean, std = numeric[train].mean(0), numeric[train].std(0)
    x = torch.cat([codes, (numeric - mean) / std], dim=1)
    return common.as_datasets(x[train], y[train], x[val], y[val])


def make_loaders(seed):
    """The training loader (shuffled from `seed`) and the validation loader."""
    return common.loaders(*datasets(), seed)


def loss_fn():
    return nn.CrossEntropyLoss()


def train(opt, lr, seed):
    """Trains at the constant `lr`; each budget's {"best", "initial", "diverged", "steps"}."""
    return common.train_fixed(build_model(seed), *make_loaders(seed), loss_fn(), opt, lr)


def range_test_torch_lr_finder(opt, seed):
    """torch-lr-finder's range test: its saved history and its suggestion."""
    return common.torch_lr_finder_curve(build_model(seed), make_loaders(seed)[0], loss_fn(), opt)


def range_test_fastai(opt, seed):
    """fastai's `lr_find`: its recorded curve and its valley pick."""
    return common.fastai_curve(build_model(seed), *datasets(), loss_fn(), opt, seed)


if __name__ == "__main__":
    common.main(sys.modules[__name__])
