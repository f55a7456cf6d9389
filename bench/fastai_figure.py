"""fastai's lr_find picture of a table, for docs/figure.md to set beside lrfind's.

    bench/.venv/bin/python bench/fastai_figure.py data/digits.csv docs/figure-digits-fastai.png

The same model as lrfind's default (an MLP 64-64, ReLU, PyTorch's init), optimizer (Adam),
batch (64), LR range (1e-6 to 10 in 100 steps) and standardised features; the label is the last
column. fastai draws the loss smoothed by its exponential moving average (beta 0.98) and marks
its three suggestions (valley, steep, minimum) on it; the picture is saved at lrfind's size
(1200 x 800) and its suggestions printed. Versions: bench/requirements.txt (fastai 2.8.12,
torch 2.9.1, matplotlib 3.11.2).
"""

import random
import sys
from functools import partial

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from fastai.callback.schedule import minimum, steep, valley  # noqa: E402
from fastai.data.core import DataLoaders  # noqa: E402
from fastai.data.load import DataLoader  # noqa: E402
from fastai.learner import Learner  # noqa: E402
from fastai.optimizer import OptimWrapper  # noqa: E402
from torch.utils.data import TensorDataset  # noqa: E402


def main(data: str, out: str) -> None:
    table = pd.read_csv(data)
    x = table.iloc[:, :-1].to_numpy(dtype=np.float32)
    sd = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    y = table.iloc[:, -1].astype("category").cat.codes.to_numpy(dtype=np.int64)
    train = TensorDataset(torch.tensor(x), torch.tensor(y))

    torch.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, int(y.max()) + 1),
    )
    dls = DataLoaders(
        DataLoader(train, bs=64, shuffle=True, drop_last=True),
        DataLoader(train, bs=64),
    )
    learn = Learner(
        dls,
        model,
        loss_func=torch.nn.CrossEntropyLoss(),
        opt_func=partial(OptimWrapper, opt=torch.optim.Adam),
    )
    with learn.no_bar():
        found = learn.lr_find(
            start_lr=1e-6,
            end_lr=10,
            num_it=100,
            suggest_funcs=(valley, steep, minimum),
        )
    fig = plt.gcf()
    fig.set_size_inches(12, 8)
    name = data.rsplit("/", 1)[-1]
    fig.suptitle(f"fastai lr_find: {name}, Adam, batch 64, MLP 64-64")
    fig.savefig(out, dpi=100)
    print(found)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
