#!/usr/bin/env python3
"""A small CNN on scikit-learn's digits images (8x8, 10 classes), for the real-models benchmark
(bench/analyze_real.py; the shared protocol is bench/models/common.py).

Model: conv 3x3 (1 to 16 channels) - ReLU - conv 3x3 (16 to 32) - ReLU - max-pool 2 - linear 512
to 32 - ReLU - linear 32 to 10, PyTorch's default init: 21,546 parameters. Data: the 1,797 images
scaled to [0, 1], a stratified 80/20 split with random_state 0 (1,437 training images, 22 batches
of 64 a pass). Loss: cross-entropy.

    python bench/models/digits_cnn.py adam 3e-3     # train at one LR, print each budget's L
    lrfind drive -- python bench/models/digits_cnn.py --worker --opt adam  # serve lrfind drive
"""
import functools
import sys

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

import common

NAME = "digits_cnn"


def build_model(seed):
    """The CNN, initialised from `seed`."""

    def build():
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(32 * 4 * 4, 32), nn.ReLU(),
            nn.Linear(32, 10))

    return common.seeded(build, seed)


@functools.cache
def datasets():
    """The fixed split, as (training, validation) TensorDatasets of (1, 8, 8) images."""
    digits = load_digits()
    x = torch.tensor(digits.images / 16.0, dtype=torch.float32)[:, None]
    y = torch.tensor(digits.target, dtype=torch.long)
    train, val = train_test_split(range(len(y)), test_size=0.2, random_state=0,
                                  stratify=digits.target)
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
