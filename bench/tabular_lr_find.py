#!/usr/bin/env python3
"""fastai's own answer to the question `lrfind CSV --model tabular` answers, as a whole process for
timing against it (docs/performance.md): read the CSV, build `TabularPandas` with
`procs=[Categorify, FillMissing, Normalize]` on the columns lrfind reads as categorical and
continuous (given here, lrfind prints them), an 80/20 random split, `tabular_learner(dls)` with
its defaults, then `learn.lr_find()`; prints the valley and slide picks.

Usage: bench/.venv/bin/python bench/tabular_lr_find.py CSV LABEL [--cat C,C] [--drop C,C]
(every other column continuous)
"""
import argparse

import pandas as pd
from fastai.tabular.all import (Categorify, CategoryBlock, FillMissing, Normalize, RandomSplitter,
                                TabularPandas, slide, tabular_learner, valley)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("label")
    p.add_argument("--cat", default="")
    p.add_argument("--drop", default="")
    p.add_argument("--bs", type=int, default=64)
    a = p.parse_args()
    df = pd.read_csv(a.csv)
    cats = [c for c in a.cat.split(",") if c]
    drop = set(c for c in a.drop.split(",") if c)
    conts = [c for c in df.columns if c not in cats and c != a.label and c not in drop]
    splits = RandomSplitter(valid_pct=0.2, seed=0)(range(len(df)))
    to = TabularPandas(df, procs=[Categorify, FillMissing, Normalize], cat_names=cats,
                       cont_names=conts, y_names=a.label, y_block=CategoryBlock(), splits=splits)
    dls = to.dataloaders(bs=a.bs)
    learn = tabular_learner(dls)
    res = learn.lr_find(suggest_funcs=(valley, slide), show_plot=False)
    print(f"{res.valley:.4e} {res.slide:.4e}")


if __name__ == "__main__":
    main()
