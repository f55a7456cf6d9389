#!/usr/bin/env python3
"""fastai's own numbers for lrfind's tabular model (tests/tabular_parity.rs replays them; CI needs
no Python).

Writes, under tests/fixtures/tabular/:

- `small.csv`: a 40-row table with two text categories (`colour`, with missing cells, and
  `size`), two numbers (`a`, with missing cells, and `b`) and a three-class label `y`;
- `fastai.json`: for that table split into training rows 0..29 and validation rows 30..39,
  what fastai 2.8 makes of it with `procs=[Categorify, FillMissing, Normalize]` (each
  category's classes, the fill of `a` and the `a_na` flag, each continuous column's mean and
  std), and `tabular_learner(dls, layers=LAYERS)` as built (its `state_dict` at initialisation:
  parameters and BatchNorm running estimates, a Linear's weight transposed to lrfind's
  fan_in x fan_out layout), then, for each optimizer of `OPTIMIZERS` (fastai's own, as the
  learner creates it: `wd_bn_bias=False`, so no weight decay on BatchNorm parameters and
  biases), `STEPS` training-mode steps on the given batches of training rows at a fixed LR:
  the loss of each batch before its update, the `state_dict` after the last, and the
  evaluation-mode mean loss over the validation rows then.

The model's blocks are narrower than tabular_learner's default 200-100 to keep the file small;
every layer of the default is there (embeddings, BatchNorm on the continuous inputs, two
Linear-ReLU-BatchNorm blocks, the last Linear).

Run from the repository root:  bench/.venv/bin/python bench/tabular_fixtures.py  (seconds)
"""
import json
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from fastai.optimizer import SGD, Adam
from fastai.tabular.all import (Categorify, CategoryBlock, FillMissing, Normalize,
                                TabularPandas, tabular_learner)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "tabular"
LAYERS = [16, 8]
STEPS = 6
BATCH = 8
TRAIN = list(range(30))
VALID = list(range(30, 40))
OPTIMIZERS = {
    # fastai's default: Adam(mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0.01, decouple_wd=True).
    "adam": (Adam, 0.01, dict(kind="adamw", momentum=0.9, beta2=0.99, eps=1e-5, weight_decay=0.01)),
    "sgd": (partial(SGD, mom=0.9), 0.05, dict(kind="sgd", momentum=0.9, beta2=0.999, eps=1e-8,
                                              weight_decay=0.0)),
}


def table():
    rng = np.random.default_rng(7)
    n = 40
    colour = rng.choice(["blue", "green", "red", "white"], n).astype(object)
    colour[[3, 17, 33]] = None
    size = rng.choice(["L", "M", "S"], n)
    a = np.round(rng.normal(5.0, 2.0, n), 2)
    a[[1, 8, 21, 35]] = np.nan
    b = np.round(rng.uniform(-3, 3, n), 3)
    score = np.nan_to_num(a, nan=5.0) - 5 + b + (size == "L") * 1.5
    y = np.where(score > 1.0, "hi", np.where(score < -1.0, "lo", "mid"))
    return pd.DataFrame(dict(colour=colour, size=size, a=a, b=b, y=y))


def state(model):
    out = {}
    for name, t in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        t = t.detach().cpu()
        if t.ndim == 2 and not name.startswith("embeds"):
            t = t.T  # a Linear's weight, as lrfind stores it
        out[name] = t.contiguous().reshape(-1).tolist()
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    df = table()
    df.to_csv(OUT / "small.csv", index=False)
    df = pd.read_csv(OUT / "small.csv")  # as a reader sees it: missing text as NaN
    rng = np.random.default_rng(3)
    batches = [sorted(rng.choice(TRAIN, BATCH, replace=False).tolist()) for _ in range(STEPS)]
    fixture = dict(layers=LAYERS, train=TRAIN, valid=VALID, batches=batches, optimizers={})
    for name, (opt_func, lr, lrfind_opt) in OPTIMIZERS.items():
        torch.manual_seed(0)
        to = TabularPandas(df.copy(), procs=[Categorify, FillMissing, Normalize],
                           cat_names=["colour", "size"], cont_names=["a", "b"], y_names="y",
                           y_block=CategoryBlock(), splits=(TRAIN, VALID))
        dls = to.dataloaders(bs=BATCH)
        learn = tabular_learner(dls, layers=LAYERS, opt_func=opt_func)
        model = learn.model
        if "preprocessing" not in fixture:
            fill = to.procs.fill_missing.na_dict
            norm = to.procs.normalize
            fixture["preprocessing"] = dict(
                categories={n: [str(c) for c in to.procs.categorify.classes[n]]
                            for n in to.cat_names},
                fill={n: float(v) for n, v in fill.items()},
                mean={n: float(norm.means[n]) for n in to.cont_names},
                std={n: float(norm.stds[n]) for n in to.cont_names},
                classes=[str(c) for c in dls.vocab],
            )
            fixture["init"] = state(model)
        # The same seed builds the same model: every optimizer starts from the same parameters.
        assert state(model) == fixture["init"]
        cats = torch.tensor(to.cats.values, dtype=torch.long)
        conts = torch.tensor(to.conts.values, dtype=torch.float32)
        ys = torch.tensor(to.ys.values.reshape(-1), dtype=torch.long)
        learn.create_opt()
        learn.opt.set_hyper("lr", lr)
        losses = []
        model.train()
        for rows in batches:
            idx = torch.tensor(rows)
            loss = learn.loss_func(model(cats[idx], conts[idx]), ys[idx])
            losses.append(float(loss))
            loss.backward()
            learn.opt.step()
            learn.opt.zero_grad()
        model.eval()
        with torch.no_grad():
            idx = torch.tensor(VALID)
            val = float(learn.loss_func(model(cats[idx], conts[idx]), ys[idx]))
        fixture["optimizers"][name] = dict(lr=lr, lrfind=lrfind_opt, losses=losses,
                                           after=state(model), val_loss=val)
    (OUT / "fastai.json").write_text(json.dumps(fixture, indent=None))


if __name__ == "__main__":
    main()
