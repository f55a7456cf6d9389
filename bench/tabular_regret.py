#!/usr/bin/env python3
"""The ground truth for `lrfind --model tabular`: fastai's own `tabular_learner` trained by
`fit_one_cycle` over a grid of `lr_max`, and the regret of every method's pick (docs/quality.md,
"The tabular model against fastai").

The protocol, exactly:

- Tables: bench/data/manifest.json (bench/datasets.py) less `large` and `randhie` (50,000 and
  20,190 rows: 63 fastai fits of 6,250 and 2,520 steps each would take this 2-core machine half
  an hour and a quarter of an hour alone). Rows with a missing label
  are dropped; every other missing value is left for fastai's FillMissing and Categorify.
- Columns: lrfind's own reading of the file (`lrfind CSV --model tabular --json -`, its
  `data.columns`): `categorical` columns are fastai's `cat_names`, `numeric` and `boolean` ones its
  `cont_names` (booleans as 0/1), everything else is left out, as lrfind leaves it out. A
  continuous column constant among the training rows is left out too: fastai's Normalize divides
  it by 1e-7, and one validation cell then makes the validation loss meaningless (docs/tabular.md;
  lrfind makes such a column 0).
- Split: fastai's `RandomSplitter(valid_pct=0.2, seed=0)`, one per table for every run.
- Learner: `tabular_learner(dls)` with every default (layers 200-100, fastai's Adam with
  wd 0.01, CrossEntropyLossFlat or MSELossFlat on the raw label, no y_range), `bs` 64 capped at
  the training rows (the training loader drops its last partial batch).
- Training: `fit_one_cycle(epochs, lr_max)` with epochs = max(10, ceil(500 / batches per epoch)),
  the length lrfind's regret benchmark calls long (bench/oracle.py), validated after each epoch.
  Seeds 0, 1, 2: `set_seed(seed)` before the learner is built (init and batch order).
- L of a run: its best validation loss, the untrained model's included (what early stopping or
  SaveModelCallback keeps); losses that are not finite are skipped.
- L(s) is the mean of L over the 3 seeds at lr_max s, on the grid 1e-5..1 with 4 points a decade;
  L* = min over the grid, L0 = the untrained validation loss (mean over seeds);
  regret(s) = (L(s) - L*) / (L0 - L*) clamped to [0, 1], as bench/oracle.py defines it. A pick is
  scored from the grid, linear in log10(s) between grid means (held at the ends); a method that
  gives no LR scores 1.
- Methods, each with 3 picks (seeds 0, 1, 2) whose regrets are averaged:
  `lrfind --model tabular --seed S` (its suggestion, the race on), the same with `--no-verify`
  (its valley), fastai's `learn.lr_find()` valley and slide on the learner that trains (after
  `set_seed(S)`), fastai's default `lr_max` (1e-3), and every grid LR as a fixed pick (the best
  fixed lr_max in hindsight is the grid LR with the lowest median regret across the tables).

Every fit is cached under bench/results/cache/tabular/ (keyed by the CSV's hash, the columns and
the budget), so reruns train only what is new.

Usage (after `python bench/datasets.py` and `cargo build --release`):

    nice -n 10 bench/.venv/bin/python bench/tabular_regret.py --lrfind target/release/lrfind \\
        --out bench/results/tabular_regret
"""
import argparse
import hashlib
import json
import math
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oracle import (BATCH, CACHE, GRID, NA_VALUES, ROOT, SEEDS, interpolated_loss,  # noqa: E402
                    manifest, regret_of)

CACHE = CACHE / "tabular"
SKIP = {"large", "randhie"}
FASTAI_DEFAULT_LR = 1e-3
TRUE = {"true", "yes", "t", "y", "1"}


def lrfind_report(binary, spec, extra, seed):
    args = [binary, str(ROOT / spec["path"]), "--target", spec["label"], "--task", spec["task"],
            "--model", "tabular", "--json", "-", "--no-plot", "-q", "--seed", str(seed)] + extra
    out = subprocess.run(args, capture_output=True, text=True)
    # 0 a suggestion, 1 none, 3 a suggestion lrfind doubts (scored all the same).
    if out.returncode not in (0, 1, 3) or not out.stdout.strip():
        raise RuntimeError(f"lrfind on {spec['name']} exited {out.returncode}: {out.stderr}")
    return json.loads(out.stdout)


def columns_of(report):
    """fastai's cat_names and cont_names from lrfind's reading of the file."""
    cats, conts, bools = [], [], []
    for c in report["data"]["columns"]:
        if c["kind"] == "categorical":
            cats.append(c["name"])
        elif c["kind"] in ("numeric", "boolean"):
            conts.append(c["name"])
            if c["kind"] == "boolean":
                bools.append(c["name"])
    return cats, conts, bools


class Table:
    """One table as every fastai run of it sees it: the frame, the columns and the split."""

    def __init__(self, spec, cats, conts, bools):
        from fastai.tabular.all import RandomSplitter

        self.spec = spec
        path = ROOT / spec["path"]
        df = pd.read_csv(path, na_values=NA_VALUES, keep_default_na=True)
        df = df[df[spec["label"]].notna()].reset_index(drop=True)
        for c in cats:
            df[c] = df[c].where(df[c].isna(), df[c].astype(str))
        for c in bools:
            df[c] = df[c].map(lambda v: v if pd.isna(v) else float(str(v).strip().lower() in TRUE))
        for c in conts:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
        self.classification = spec["task"] == "classification"
        if self.classification:
            df[spec["label"]] = df[spec["label"]].astype(str)
        else:
            df[spec["label"]] = df[spec["label"]].astype(float)
        self.splits = RandomSplitter(valid_pct=0.2, seed=0)(range(len(df)))
        train = df.iloc[list(self.splits[0])]
        self.constant = [c for c in conts if train[c].nunique(dropna=True) <= 1]
        self.cats = cats
        self.conts = [c for c in conts if c not in self.constant]
        self.df = df
        self.batch = min(BATCH, len(self.splits[0]))
        per_epoch = len(self.splits[0]) // self.batch
        self.epochs = max(10, math.ceil(500 / per_epoch))
        key = json.dumps([hashlib.sha256(path.read_bytes()).hexdigest()[:12], self.cats,
                          self.conts, self.batch, self.epochs])
        self.digest = hashlib.sha256(key.encode()).hexdigest()[:12]

    def dls(self):
        from fastai.tabular.all import (Categorify, CategoryBlock, FillMissing, Normalize,
                                        RegressionBlock, TabularPandas)

        block = CategoryBlock() if self.classification else RegressionBlock()
        to = TabularPandas(self.df, procs=[Categorify, FillMissing, Normalize],
                           cat_names=self.cats, cont_names=self.conts,
                           y_names=self.spec["label"], y_block=block, splits=self.splits)
        return to.dataloaders(bs=self.batch)

    def learner(self, seed):
        from fastai.tabular.all import set_seed, tabular_learner

        set_seed(seed)
        dls = self.dls()
        set_seed(seed)
        return tabular_learner(dls)


def fit(table, lr, seed):
    """One fit_one_cycle run: {l0, best, losses}."""
    learn = table.learner(seed)
    with learn.no_bar(), learn.no_logging(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        l0 = float(learn.validate()[0])
        learn.fit_one_cycle(table.epochs, lr)
    losses = [float(v[1]) for v in learn.recorder.values]
    finite = [v for v in losses + [l0] if math.isfinite(v)]
    return dict(l0=l0, best=min(finite), losses=losses)


def fastai_picks(table, seed):
    """fastai's valley and slide on the learner's lr_find() curve, read as lr_find reads it (the
    first tenth and the last 5 points left out, cut at the first NaN). A rule that fails on the
    curve (slide indexes past the start of a curve of a few points) is no pick: None."""
    import torch
    from fastai.tabular.all import slide, valley

    learn = table.learner(seed)
    with learn.no_bar(), learn.no_logging(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        learn.lr_find(suggest_funcs=None, show_plot=False)
    num_it = 100
    lrs = torch.tensor(learn.recorder.lrs[num_it // 10:-5])
    losses = torch.tensor([float(v) for v in learn.recorder.losses[num_it // 10:-5]])
    nans = torch.nonzero(torch.isnan(losses.view(-1)))
    if len(nans) > 0:
        lrs, losses = lrs[:int(nans.min())], losses[:int(nans.min())]
    picks = {}
    for name, rule in (("valley", valley), ("slide", slide)):
        try:
            picks[name] = float(rule(lrs, losses, num_it)[0])
        except (IndexError, RuntimeError, ValueError):
            picks[name] = None
    picks["points"] = len(learn.recorder.lrs)
    return picks


_TABLES = {}


def _task(task):
    import torch

    torch.set_num_threads(1)
    name, spec, cols, kind, lr, seed = task
    if name not in _TABLES:
        _TABLES[name] = Table(spec, *cols)
    table = _TABLES[name]
    start = time.time()
    result = fit(table, lr, seed) if kind == "fit" else fastai_picks(table, seed)
    return task, result, time.time() - start


def cache_path(name, digest):
    return CACHE / f"{name}-{digest}.json"


def load_cache(name, digest):
    path = cache_path(name, digest)
    return json.loads(path.read_text()) if path.exists() else {}


def key(kind, lr, seed):
    return f"{kind}|{lr:.6g}|{seed}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lrfind", default=str(ROOT / "target" / "release" / "lrfind"))
    p.add_argument("--datasets", default="all")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "tabular_regret"))
    a = p.parse_args()
    specs = manifest()
    names = [n for n in specs if n not in SKIP] if a.datasets == "all" else a.datasets.split(",")
    started = time.time()

    def say(msg):
        print(f"[{time.time() - started:7.1f}s] {msg}", file=sys.stderr, flush=True)

    # lrfind first: its reading gives the columns, its picks are cheap.
    picks, cols, tables = {}, {}, {}
    for n in names:
        spec = specs[n]
        runs = {s: lrfind_report(a.lrfind, spec, [], s) for s in SEEDS}
        fast = {s: lrfind_report(a.lrfind, spec, ["--no-verify"], s) for s in SEEDS}
        cols[n] = columns_of(runs[0])
        tables[n] = Table(spec, *cols[n])
        picks[n] = {"lrfind --model tabular": [runs[s].get("suggested_lr") for s in SEEDS],
                    "lrfind --model tabular --no-verify": [fast[s].get("suggested_lr")
                                                           for s in SEEDS]}
        say(f"{n}: lrfind {picks[n]['lrfind --model tabular']}, epochs {tables[n].epochs}, "
            f"cats {len(tables[n].cats)}, conts {len(tables[n].conts)}"
            + (f", left out as constant in training rows {tables[n].constant}"
               if tables[n].constant else ""))

    caches = {n: load_cache(n, tables[n].digest) for n in names}
    tasks = []
    for n in names:
        for seed in SEEDS:
            if key("find", 0, seed) not in caches[n]:
                tasks.append((n, specs[n], cols[n], "find", 0, seed))
            for lr in GRID:
                if key("fit", lr, seed) not in caches[n]:
                    tasks.append((n, specs[n], cols[n], "fit", lr, seed))
    say(f"{len(tasks)} fastai runs to do")
    CACHE.mkdir(parents=True, exist_ok=True)
    done = 0
    with mp.get_context("spawn").Pool(a.workers) as pool:
        for (n, _, _, kind, lr, seed), result, took in pool.imap_unordered(_task, tasks):
            caches[n][key(kind, lr, seed)] = result
            done += 1
            tmp = cache_path(n, tables[n].digest).with_suffix(".tmp")
            tmp.write_text(json.dumps(caches[n]))
            os.replace(tmp, cache_path(n, tables[n].digest))
            if done % 50 == 0:
                say(f"{done}/{len(tasks)} ({n} {kind} {lr:.2g} seed {seed}: {took:.1f}s)")
    for n in names:
        cache_path(n, tables[n].digest).write_text(json.dumps(caches[n]))

    results = {}
    for n in names:
        c = caches[n]
        means = {lr: statistics.fmean(c[key("fit", lr, s)]["best"] for s in SEEDS) for lr in GRID}
        l0 = statistics.fmean(c[key("fit", GRID[0], s)]["l0"] for s in SEEDS)
        best = min(means.values())
        m = dict(picks[n])
        m["fastai lr_find valley"] = [c[key("find", 0, s)]["valley"] for s in SEEDS]
        m["fastai lr_find slide"] = [c[key("find", 0, s)]["slide"] for s in SEEDS]
        m["fastai default lr_max 1e-3"] = [FASTAI_DEFAULT_LR]

        def score(lr):
            if lr is None or not math.isfinite(lr) or lr <= 0:
                return 1.0
            return regret_of(interpolated_loss(means, lr), best, l0)

        results[n] = dict(
            epochs=tables[n].epochs, batch=tables[n].batch, l0=l0, best=best,
            best_lr=min(means, key=means.get), means={f"{lr:.6g}": v for lr, v in means.items()},
            methods={k: dict(picks=v, regret=statistics.fmean(score(x) for x in v))
                     for k, v in m.items()},
            fixed={f"{lr:.6g}": score(lr) for lr in GRID})

    fixed_median = {lr: statistics.median(results[n]["fixed"][f"{lr:.6g}"] for n in names)
                    for lr in GRID}
    best_fixed = min(fixed_median, key=fixed_median.get)
    methods = list(results[names[0]]["methods"]) + [f"best fixed lr_max ({best_fixed:.3g})"]
    for n in names:
        results[n]["methods"][methods[-1]] = dict(
            picks=[best_fixed], regret=results[n]["fixed"][f"{best_fixed:.6g}"])
    groups = {"all": names,
              "tune": [n for n in names if specs[n]["group"] == "tune"],
              "confirm": [n for n in names if specs[n]["group"] == "confirm"]}
    summary = {}
    for m in methods:
        summary[m] = {}
        for g, members in groups.items():
            r = [results[n]["methods"][m]["regret"] for n in members]
            summary[m][g] = dict(median=statistics.median(r), worst=max(r),
                                 worst_table=members[int(np.argmax(r))]) if r else None

    out = Path(a.out)
    version = subprocess.run([a.lrfind, "--version"], capture_output=True, text=True).stdout
    out.with_suffix(".json").write_text(json.dumps(
        dict(lrfind=version.strip(), tables=names, results=results, summary=summary,
             fixed_median={f"{lr:.6g}": v for lr, v in fixed_median.items()},
             wall_s=time.time() - started), indent=1))
    lines = [f"# `lrfind --model tabular` against fastai's own training ({version.strip()})", "",
             f"{len(names)} tables; fastai `tabular_learner` defaults, `fit_one_cycle`, grid "
             "1e-5..1 at 4 a decade, seeds 0-2 (bench/tabular_regret.py).", "",
             "| method | all: median / worst | tune | confirm |", "|---|---|---|---|"]
    for m in methods:
        cells = [f"{s['median']:.3f} / {s['worst']:.3f} ({s['worst_table']})" if s else "-"
                 for s in summary[m].values()]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    lines += ["", "## Per table: regret (picks)", "",
              "| table | epochs | best lr_max | " + " | ".join(methods) + " |",
              "|---|---|---|" + "---|" * len(methods)]
    for n in names:
        r = results[n]
        cells = []
        for m in methods:
            v = r["methods"][m]
            lrs = "/".join("-" if x is None else f"{x:.2g}" for x in v["picks"])
            cells.append(f"{v['regret']:.3f} ({lrs})")
        lines.append(f"| {n} | {r['epochs']} | {r['best_lr']:.3g} | " + " | ".join(cells) + " |")
    lines += ["", "## Fixed lr_max: median regret over the tables", "",
              " ".join(f"{lr:.2g}: {v:.3f}" for lr, v in fixed_median.items()), "",
              f"Wall time {time.time() - started:.0f} s."]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:6 + len(methods)]))


if __name__ == "__main__":
    main()
