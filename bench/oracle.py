#!/usr/bin/env python3
"""The ground truth for a suggested learning rate: real PyTorch training, and the regret of a pick.

This file owns the regret benchmark (it replaced examples/quality.rs, which scored lrfind against
its own sweep). For every table of bench/data/manifest.json (written by bench/datasets.py) and
each optimizer it

1. trains lrfind's default model in PyTorch at every LR of a fixed grid, under two budgets, and
   finds the best loss any fixed LR reaches;
2. runs lrfind (any binary, any extra arguments) on the same rows and reads every rule's pick,
   runs fastai's and torch-lr-finder's range tests on the same model, and takes every grid LR as
   a fixed pick;
3. scores each pick by its regret, and summarises per optimizer, budget and method.

The protocol, exactly:

- Data: rows with any missing value dropped; text features one-hot; columns constant over the
  cleaned table dropped (as lrfind drops them); a stratified (classification) 80/20 split with
  random_state 0, fixed per table; features, and a regression target, standardised with the
  training split's mean and standard deviation.
- Model: inputs-64-64-outputs, ReLU, PyTorch's default `nn.Linear` init; batch 64 (capped at the
  training rows); each pass over the training rows is a fresh shuffle, and a pass ends when fewer
  rows than a batch remain. Loss: cross-entropy (classification) or mean squared error.
- Seeds 0, 1, 2: the seed fixes the init (`torch.manual_seed(seed)` before building the model)
  and the batch order (a `torch.Generator` seeded with it). The three seeds of one LR train
  together as one stacked model (batched matmuls, a `(3, fan_in, fan_out)` tensor per layer) with
  one torch.optim optimizer: every update rule used here is elementwise, so each seed's slice
  follows exactly the trajectory it would alone; only the overhead is shared.
- Optimizers: `adam` (torch.optim.Adam defaults) and `sgd` (torch.optim.SGD, momentum 0.9).
  Weight decay (0 unless asked for, as in bench/disciplined.py) is torch.optim's
  `weight_decay=`: an L2 term added to the gradient of every parameter, biases included.
- Budgets: long = max(10 epochs, 500 steps), validated after every epoch; short = 100 steps,
  validated every 10 steps. Both also validate before the first step and after the last.
- A run's loss L is the lowest validation loss it reached (what early stopping keeps, the
  untrained model included). A run diverges when a training loss is not finite or a validation
  loss exceeds 4 times its untrained validation loss; its L is then that untrained loss.
- L(s) is the mean of L over the 3 seeds at LR s. The grid is 1e-5..1 with 4 points per decade
  (21 LRs); L* = min over the grid of L(s); L0 = the untrained model's validation loss (mean over
  the seeds). regret(s) = (L(s) - L*) / (L0 - L*), clamped to [0, 1]: 0 is as good as the best
  grid LR, 1 no better than not training.
- A pick is scored either exactly (trained at the pick, 3 seeds) or, for fast rule tuning, from
  the grid: L(s) interpolated linearly in log10(s) between grid means (held at the end values
  outside 1e-5..1). A method that gives no LR scores regret 1 and is counted as "no pick".

Every trained (table, optimizer, budget, LR to 6 significant digits, seed) result is cached under
bench/results/cache/train/, keyed also by the CSV's content hash (and by the weight decay when it
is not 0, in a file of its own), so reruns and new picks train only what is new. Every lrfind run's full JSON (curves included) is kept under
bench/results/cache/lrfind/<tag>/ for prototyping rules in Python.

Library use (from the repository root, `sys.path.insert(0, "bench")`):

    import oracle
    table = oracle.load_table("wine")                 # tensors of the split, and the cleaned rows
    means = oracle.grid_losses("wine", "adam", "long")  # {lr: L(lr)}, training what is missing
    oracle.regret("wine", "adam", "long", 3e-3)       # interpolated from the grid
    oracle.regret("wine", "adam", "long", 3e-3, exact=True)  # trained at 3e-3 (cached)

Command line (after `python bench/datasets.py` and `cargo build --release`):

    python bench/oracle.py --lrfind target/release/lrfind --lrfind-args "" --datasets all \
        --optimizers adam,sgd --tag baseline --exact

writes a markdown report to stdout and bench/results/oracle-<tag>.json. See bench/README.md.
"""
import argparse
import contextlib
import functools
import hashlib
import io
import json
import math
import os
import random
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.model_selection import train_test_split
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
CACHE = RESULTS / "cache"
# Bump when anything that changes a trained result changes (model, split, budgets, divergence).
PROTOCOL = "v1"

SEEDS = (0, 1, 2)
HIDDEN = (64, 64)
BATCH = 64
DIVERGE_FACTOR = 4.0
OPTIMIZERS = ("adam", "sgd")
SGD_MOMENTUM = 0.9
# Spellings of a missing value besides pandas' defaults (lrfind also reads `?` as missing).
NA_VALUES = ["?"]
# The competitors' range test: 100 steps from 1e-6 to 10, as lrfind's defaults.
RANGE_START, RANGE_END, RANGE_STEPS = 1e-6, 10.0, 100
WORKERS = 2


def round_lr(lr):
    """An LR to 6 significant digits: the value trained and the cache key."""
    return float(f"{lr:.5e}")


GRID = tuple(round_lr(10 ** (-5 + i / 4)) for i in range(21))


@dataclass(frozen=True)
class Budget:
    """How long a fixed-LR run trains and how often it is validated, given batches per epoch."""

    name: str
    epochs: int
    min_steps: int
    fixed_eval_every: int  # 0: validate after every epoch

    def steps(self, per_epoch):
        return max(self.epochs * per_epoch, self.min_steps)

    def eval_every(self, per_epoch):
        return self.fixed_eval_every or per_epoch


BUDGETS = {
    "long": Budget("long", epochs=10, min_steps=500, fixed_eval_every=0),
    "short": Budget("short", epochs=0, min_steps=100, fixed_eval_every=10),
}


# ---------------------------------------------------------------------------------------- data


@functools.cache
def manifest():
    """The tables, by name, as bench/datasets.py described them."""
    path = DATA / "manifest.json"
    if not path.exists():
        sys.exit(f"{path} is missing: run `python bench/datasets.py` first")
    return {m["name"]: m for m in json.loads(path.read_text())}


@dataclass(frozen=True)
class Table:
    """One table, cleaned, encoded, split and standardised, as every training run sees it."""

    name: str
    task: str
    label: str
    rows: pd.DataFrame  # the cleaned rows (missing dropped), original columns: what lrfind reads
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    outputs: int  # classes, or 1 for regression
    digest: str  # hash of the CSV's bytes, part of every cache key

    @property
    def classification(self):
        return self.task == "classification"

    @property
    def sizes(self):
        return (self.x_train.shape[1], *HIDDEN, self.outputs)

    @property
    def batch(self):
        return min(BATCH, len(self.x_train))

    @property
    def per_epoch(self):
        return len(self.x_train) // self.batch


@functools.cache
def load_table(name):
    """Reads, cleans, encodes, splits and standardises one table of the manifest."""
    spec = manifest()[name]
    path = ROOT / spec["path"]
    raw = path.read_bytes()
    rows = pd.read_csv(path, na_values=NA_VALUES).dropna().reset_index(drop=True)
    label = rows[spec["label"]]
    features = rows.drop(columns=[spec["label"]])
    text = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    features = pd.get_dummies(features, columns=text, dtype=float).astype(float)
    features = features.loc[:, features.nunique() > 1]
    classification = spec["task"] == "classification"
    if classification:
        y = pd.Categorical(label.astype(str)).codes.astype(np.int64)
        outputs = int(y.max()) + 1
    else:
        y = label.to_numpy(dtype=float)
        outputs = 1
    train, val = train_test_split(np.arange(len(rows)), test_size=0.2, random_state=0,
                                  stratify=y if classification else None)
    x = features.to_numpy()
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    x = (x - mean) / np.where(std > 0, std, 1.0)
    if not classification:
        y = (y - y[train].mean()) / (y[train].std() or 1.0)

    x = torch.from_numpy(x).float()
    y = torch.from_numpy(y) if classification else torch.from_numpy(y).float()
    return Table(name=name, task=spec["task"], label=spec["label"], rows=rows,
                 x_train=x[train], y_train=y[train], x_val=x[val], y_val=y[val],
                 outputs=outputs, digest=hashlib.sha256(raw).hexdigest()[:12])


def select(datasets):
    """Table names for `all`, `tune`, `confirm` or a comma-separated list of names."""
    tables = manifest()
    if datasets == "all":
        return list(tables)
    if datasets in ("tune", "confirm"):
        return [n for n, m in tables.items() if m["group"] == datasets]
    names = datasets.split(",")
    unknown = [n for n in names if n not in tables]
    if unknown:
        sys.exit(f"unknown data sets {unknown}; known: {', '.join(tables)}")
    return names


# ------------------------------------------------------------------------------------ training


def build_mlp(sizes):
    """lrfind's model in PyTorch: Linear layers with ReLU between, default init from the global
    RNG (weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)))."""
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        if i:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(fan_in, fan_out))
    return nn.Sequential(*layers)


def make_optimizer(opt, params, lr, weight_decay=0.0):
    """The benchmark's torch.optim optimizer; `weight_decay` is torch.optim's (an L2 term added
    to the gradient), 0 by default."""
    if opt == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if opt == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=SGD_MOMENTUM, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {opt!r}")


def loss_fn(table):
    return nn.CrossEntropyLoss() if table.classification else nn.MSELoss()


def stacked_init(sizes, seeds):
    """Each seed's default-initialised model, stacked: per layer W (seeds, fan_in, fan_out) (the
    transpose of torch's weight) and b (seeds, 1, fan_out), as leaf tensors."""
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append([m for m in build_mlp(sizes) if isinstance(m, nn.Linear)])
    weights = [torch.stack([m[l].weight.detach().T for m in models]).contiguous()
               for l in range(len(sizes) - 1)]
    biases = [torch.stack([m[l].bias.detach()[None, :] for m in models])
              for l in range(len(sizes) - 1)]
    return [w.requires_grad_() for w in weights], [b.requires_grad_() for b in biases]


def stacked_forward(weights, biases, x):
    """Outputs (seeds, rows, outputs) for inputs x of shape (seeds, rows, in) or (rows, in)."""
    for l, (w, b) in enumerate(zip(weights, biases)):
        x = torch.baddbmm(b, x, w) if x.dim() == 3 else torch.matmul(x, w) + b
        if l + 1 < len(weights):
            x = torch.relu(x)
    return x


def stacked_loss(table, out, y):
    """Mean loss of each seed's outputs (seeds, rows, outputs) against targets (seeds, rows) or
    (rows,): a vector with one loss per seed."""
    seeds, rows = out.shape[0], out.shape[1]
    y = y.expand(seeds, rows)
    if table.classification:
        per_row = F.cross_entropy(out.reshape(seeds * rows, -1), y.reshape(-1), reduction="none")
        return per_row.view(seeds, rows).mean(dim=1)
    return ((out[..., 0] - y) ** 2).mean(dim=1)


def batch_order(table, seeds, steps):
    """Row indices of every batch, (seeds, steps, batch): per seed, a fresh permutation per pass
    from a generator seeded with the seed, cut into whole batches."""
    n, batch, per_epoch = len(table.x_train), table.batch, table.per_epoch
    passes = -(-steps // per_epoch)
    orders = []
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        perms = [torch.randperm(n, generator=g)[: per_epoch * batch] for _ in range(passes)]
        orders.append(torch.cat(perms)[: steps * batch].view(steps, batch))
    return torch.stack(orders)


def initial_losses(table, seeds=SEEDS):
    """The untrained models' validation losses, one per seed."""
    weights, biases = stacked_init(table.sizes, seeds)
    with torch.no_grad():
        return stacked_loss(table, stacked_forward(weights, biases, table.x_val), table.y_val).tolist()


def train_runs(table, opt, budget, lr, seeds, weight_decay=0.0):
    """Trains one model per seed at constant `lr` (and torch.optim's `weight_decay`, elementwise
    like the rest of the update, so the stacked seeds stay independent; see the module doc); one
    result per seed: {"best": L, "initial", "diverged", "steps"}. L is the validation loss
    itself, without the L2 term."""
    budget = BUDGETS[budget]
    weights, biases = stacked_init(table.sizes, seeds)
    optimizer = make_optimizer(opt, weights + biases, lr, weight_decay)
    steps, every = budget.steps(table.per_epoch), budget.eval_every(table.per_epoch)
    order = batch_order(table, seeds, steps)

    def validate():
        with torch.no_grad():
            return stacked_loss(table, stacked_forward(weights, biases, table.x_val), table.y_val)

    initial = validate()
    best = initial.clone()
    diverged = torch.zeros(len(seeds), dtype=torch.bool)
    trained = torch.zeros(len(seeds), dtype=torch.long)
    finite = torch.ones(len(seeds), dtype=torch.bool)
    for step in range(1, steps + 1):
        idx = order[:, step - 1]
        losses = stacked_loss(table, stacked_forward(weights, biases, table.x_train[idx]),
                              table.y_train[idx])
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        optimizer.step()
        finite &= torch.isfinite(losses.detach())
        trained += ~diverged
        if step % every == 0 or step == steps:
            val = validate()
            diverged |= ~finite | ~torch.isfinite(val) | (val > DIVERGE_FACTOR * initial)
            best = torch.where(diverged, best, torch.minimum(best, val))
            if diverged.all():
                break
    best = torch.where(diverged, initial, best)
    return [dict(best=float(best[i]), initial=float(initial[i]), diverged=bool(diverged[i]),
                 steps=int(trained[i])) for i in range(len(seeds))]


# --------------------------------------------------------------------------------------- cache


def _write_json(path, data):
    """Writes atomically, so an interrupted run never leaves half a cache file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=0, sort_keys=True))
    os.replace(tmp, path)


def wd_key(weight_decay):
    """A weight decay to 6 significant digits, as it names its cache file (`1.00000e-04`)."""
    return f"{round_lr(weight_decay):.5e}"


class RunCache:
    """Trained results of one (table, optimizer, budget), keyed by LR (6 significant digits) and
    seed, in bench/results/cache/train/<protocol>/<table>-<csv hash>/<opt>-<budget>.json; with a
    weight decay other than 0, in <opt>-wd<weight decay>-<budget>.json (weight decay 0 keeps the
    original file, so nothing trained before it was a parameter is retrained)."""

    def __init__(self, table, opt, budget, weight_decay=0.0):
        wd = f"-wd{wd_key(weight_decay)}" if weight_decay else ""
        self.path = CACHE / "train" / PROTOCOL / f"{table.name}-{table.digest}" / f"{opt}{wd}-{budget}.json"
        self.data = json.loads(self.path.read_text()) if self.path.exists() else {}

    @staticmethod
    def key(lr):
        return f"{round_lr(lr):.5e}"

    def get(self, lr, seed):
        return self.data.get(self.key(lr), {}).get(str(seed))

    def missing(self, lr, seeds=SEEDS):
        return [s for s in seeds if self.get(lr, s) is None]

    def put(self, lr, seed, result):
        self.data.setdefault(self.key(lr), {})[str(seed)] = result

    def save(self):
        _write_json(self.path, self.data)


def _train_task(task):
    """Worker: one (table, optimizer, budget, LR[, weight decay]) for the seeds not cached yet."""
    name, opt, budget, lr, seeds, *wd = task
    return task, train_runs(load_table(name), opt, budget, lr, seeds, *wd)


def one_thread():
    """Each training process uses one thread: the workers, not torch, use the cores."""
    torch.set_num_threads(1)


def run_pool(tasks, worker, workers):
    """Yields (task, result) for every task, in `workers` processes (in this one when 1)."""
    if workers <= 1 or len(tasks) <= 1:
        one_thread()
        for task in tasks:
            yield worker(task)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                             initializer=one_thread) as pool:
        for future in as_completed([pool.submit(worker, t) for t in tasks]):
            yield future.result()


def train_missing(requests, workers=WORKERS, progress=None):
    """Trains every (table, optimizer, budget, LR) or (table, optimizer, budget, LR, weight decay)
    of `requests` for the seeds not yet cached."""
    caches, tasks = {}, []
    keys = dict.fromkeys((n, o, b, round_lr(lr), round_lr(wd[0]) if wd else 0.0)
                         for n, o, b, lr, *wd in requests)
    for name, opt, budget, lr, wd in keys:
        table = load_table(name)
        cache = caches.setdefault((name, opt, budget, wd), RunCache(table, opt, budget, wd))
        seeds = cache.missing(lr)
        if seeds:
            # Weight decay 0 keeps the original 5-tuple task.
            tasks.append((name, opt, budget, lr, tuple(seeds)) + ((wd,) if wd else ()))
    # Longest first, so the workers finish together.
    tasks.sort(key=lambda t: -BUDGETS[t[2]].steps(load_table(t[0]).per_epoch))
    start = time.time()
    for done, (task, results) in enumerate(run_pool(tasks, _train_task, workers), 1):
        name, opt, budget, lr, seeds, *wd = task
        cache = caches[(name, opt, budget, wd[0] if wd else 0.0)]
        for seed, result in zip(seeds, results):
            cache.put(lr, seed, result)
        cache.save()
        if progress and (done % max(1, len(tasks) // 20) == 0 or done == len(tasks)):
            progress(f"trained {done}/{len(tasks)} LRs x seeds ({time.time() - start:.0f} s)")


# ---------------------------------------------------------------------------------- the scores


def losses_at(name, opt, budget, lr, weight_decay=0.0):
    """Each seed's L at `lr` (and `weight_decay`), training what is not cached."""
    train_missing([(name, opt, budget, lr, weight_decay)], workers=1)
    cache = RunCache(load_table(name), opt, budget, round_lr(weight_decay))
    return [cache.get(lr, s)["best"] for s in SEEDS]


def grid_losses(name, opt, budget, workers=WORKERS, weight_decay=0.0):
    """{grid LR: L(lr)}, the mean over seeds of each run's L (at `weight_decay`)."""
    train_missing([(name, opt, budget, lr, weight_decay) for lr in GRID], workers=workers)
    cache = RunCache(load_table(name), opt, budget, round_lr(weight_decay))
    return {lr: statistics.fmean(cache.get(lr, s)["best"] for s in SEEDS) for lr in GRID}


@functools.cache
def initial_loss(name):
    """L0: the untrained model's validation loss, mean over seeds."""
    return statistics.fmean(initial_losses(load_table(name)))


def interpolated_loss(means, lr):
    """L(lr) read off the grid: linear in log10(lr) between grid means, the end values outside."""
    xs = [math.log10(s) for s in GRID]
    return float(np.interp(math.log10(lr), xs, [means[s] for s in GRID]))


def regret_of(loss, best, untrained):
    """(L - L*) / (L0 - L*), clamped to [0, 1]."""
    if untrained <= best:
        return 0.0
    return min(1.0, max(0.0, (loss - best) / (untrained - best)))


def regret(name, opt, budget, lr, exact=False):
    """Regret of training at `lr`: trained exactly (3 seeds, cached) or interpolated on the grid.
    None for no pick (scored 1 in summaries)."""
    if lr is None:
        return None
    means = grid_losses(name, opt, budget)
    loss = statistics.fmean(losses_at(name, opt, budget, lr)) if exact else interpolated_loss(means, lr)
    return regret_of(loss, min(means.values()), initial_loss(name))


# ------------------------------------------------------------------------------------ the picks


@functools.cache
def cleaned_csv(name):
    """The cleaned rows (missing dropped, same columns) as a CSV, for lrfind to read as a user's
    file. Lives in a temporary folder for this process."""
    folder = Path(tempfile.mkdtemp(prefix="oracle-"))
    path = folder / f"{name}.csv"
    load_table(name).rows.to_csv(path, index=False)
    return path


def lrfind_args(name, opt, extra):
    table = load_table(name)
    args = [str(cleaned_csv(name)), "--target", table.label, "--task", table.task,
            "--optimizer", opt]
    if opt == "sgd":
        args += ["--momentum", str(SGD_MOMENTUM)]
    return args + ["--json", "-", "--no-plot", "-q"] + shlex.split(extra)


def run_lrfind(binary, name, opt, extra, tag, seed):
    """One lrfind run: `--seed S --runs 1`, or the default median-of-runs when seed is None.
    Saves the full JSON under cache/lrfind/<tag>/ and returns {rule: LR, "headline": LR}."""
    runs = ["--seed", str(seed), "--runs", "1"] if seed is not None else []
    out = subprocess.run([binary] + lrfind_args(name, opt, extra) + runs,
                         capture_output=True, text=True)
    # 0 a suggestion, 1 none, 3 a suggestion lrfind doubts (it is scored all the same).
    if out.returncode not in (0, 1, 3) or not out.stdout.strip():
        raise RuntimeError(f"lrfind on {name} ({opt}) exited {out.returncode}: {out.stderr}")
    report = json.loads(out.stdout)
    which = f"seed{seed}" if seed is not None else "default"
    _write_json(CACHE / "lrfind" / tag / name / f"{opt}-{which}.json", report)
    picks = {rule: lr for rule, lr in (report.get("suggestions") or {}).items()}
    picks["headline"] = report.get("suggested_lr")
    return picks


def lrfind_picks(binary, name, opt, extra, tag):
    """{method: [picks]}: "<rule> (1 run)" holds seeds 0, 1, 2 with --runs 1, "<rule> (median of
    runs)" the default run. A rule missing from a run (no suggestion) is a None pick."""
    single = [run_lrfind(binary, name, opt, extra, tag, s) for s in SEEDS]
    default = run_lrfind(binary, name, opt, extra, tag, None)
    rules = list(dict.fromkeys(r for p in single + [default] for r in p))
    methods = {}
    for rule in rules:
        methods[f"lrfind {rule} (1 run)"] = [p.get(rule) for p in single]
        methods[f"lrfind {rule} (default runs)"] = [default.get(rule)]
    return methods


def _competitor_task(task):
    """Worker: fastai's valley and torch-lr-finder's steepest-gradient pick for one seed, each on
    a fresh default-initialised model with the benchmark's optimizer, batch and training split."""
    name, opt, seed = task
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from fastai.callback.schedule import valley
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader as FastaiLoader
    from fastai.learner import Learner
    from fastai.optimizer import OptimWrapper
    from torch.utils.data import DataLoader, TensorDataset
    from torch_lr_finder import LRFinder

    table = load_table(name)
    y_train = table.y_train if table.classification else table.y_train[:, None]
    y_val = table.y_val if table.classification else table.y_val[:, None]
    train = TensorDataset(table.x_train, y_train)
    picks = {}

    torch.manual_seed(seed)
    model = build_mlp(table.sizes)
    loader = DataLoader(train, batch_size=table.batch, shuffle=True, drop_last=True,
                        generator=torch.Generator().manual_seed(seed))
    finder = LRFinder(model, make_optimizer(opt, model.parameters(), RANGE_START), loss_fn(table))
    with quiet():
        finder.range_test(loader, end_lr=RANGE_END, num_iter=RANGE_STEPS)
        try:
            _, lr = finder.plot(suggest_lr=True, ax=plt.figure().gca())
        except RuntimeError:  # too few steps before it diverged to suggest anything
            lr = None
    plt.close("all")
    picks["torch-lr-finder"] = None if lr is None else float(lr)

    torch.manual_seed(seed)
    model = build_mlp(table.sizes)
    random.seed(seed)  # fastai's loader draws its shuffling RNG's seed from `random`
    dls = DataLoaders(
        FastaiLoader(train, bs=table.batch, shuffle=True, drop_last=True),
        FastaiLoader(TensorDataset(table.x_val, y_val), bs=table.batch))
    opt_func = functools.partial(OptimWrapper, opt=torch.optim.Adam) if opt == "adam" else \
        functools.partial(OptimWrapper, opt=torch.optim.SGD, momentum=SGD_MOMENTUM)
    with tempfile.TemporaryDirectory() as tmp:
        learn = Learner(dls, model, loss_func=loss_fn(table), opt_func=opt_func, path=tmp)
        with quiet(), learn.no_bar():
            try:
                lr = learn.lr_find(start_lr=RANGE_START, end_lr=RANGE_END, num_it=RANGE_STEPS,
                                   show_plot=False, suggest_funcs=(valley,)).valley
            except IndexError:  # diverged before the points valley reads: fastai fails too
                lr = None
    picks["fastai valley"] = None if lr is None else float(lr)
    return task, picks


@contextlib.contextmanager
def quiet():
    """Hides what the competitors print (suggestions, progress bars)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def competitor_picks(names, optimizers, workers):
    """{(table, opt): {method: [picks for seeds 0, 1, 2]}}, cached per table and tool version."""
    from importlib.metadata import version

    versions = f"fastai-{version('fastai')}_torch-lr-finder-{version('torch-lr-finder')}"
    paths = {n: CACHE / "competitors" / PROTOCOL / versions / f"{n}-{load_table(n).digest}.json"
             for n in names}
    cached = {n: json.loads(p.read_text()) if p.exists() else {} for n, p in paths.items()}
    tasks = [(n, o, s) for n in names for o in optimizers for s in SEEDS
             if f"{o}-{s}" not in cached[n]]
    for (name, opt, seed), picks in run_pool(tasks, _competitor_task, workers):
        cached[name][f"{opt}-{seed}"] = picks
        _write_json(paths[name], cached[name])
    out = {}
    for n in names:
        for o in optimizers:
            runs = [cached[n][f"{o}-{s}"] for s in SEEDS]
            out[(n, o)] = {f"{tool} (1 run)": [r[tool] for r in runs] for tool in runs[0]}
    return out


# ----------------------------------------------------------------------------------- reporting


def spread(picks):
    """log10(max / min) of a method's picks over seeds, or None if any is missing."""
    if len(picks) < 2 or any(p is None or p <= 0 for p in picks):
        return None
    return math.log10(max(picks) / min(picks))


def geometric_median(picks):
    """The median of picks in log10 LR (the LR shown for a multi-seed method), None if any is
    missing."""
    if any(p is None for p in picks):
        return None
    return 10 ** statistics.median(math.log10(p) for p in picks)


def score_method(picks, score):
    """A method's regret: the mean over its picks, each None (no LR) scored 1."""
    return statistics.fmean(1.0 if p is None else score(p) for p in picks)


def evaluate(names, optimizers, budgets, methods, exact, progress):
    """Per table, optimizer and budget: the grid's means, L*, L0, and every method's regret."""
    requests = [(n, o, b, lr) for n in names for o in optimizers for b in budgets for lr in GRID]
    if exact:
        requests += [(n, o, b, p) for n in names for o in optimizers for b in budgets
                     for picks in methods[(n, o)].values() for p in picks if p is not None]
    train_missing(requests, progress=progress)
    results = {}
    for n in names:
        l0 = initial_loss(n)
        for o in optimizers:
            for b in budgets:
                means = grid_losses(n, o, b)
                best_lr = min(means, key=means.get)
                best = means[best_lr]
                cache = RunCache(load_table(n), o, b)

                def score(lr):
                    loss = (statistics.fmean(cache.get(lr, s)["best"] for s in SEEDS)
                            if exact else interpolated_loss(means, lr))
                    return regret_of(loss, best, l0)

                scored = {m: dict(picks=picks, lr=geometric_median(picks),
                                  regret=score_method(picks, score),
                                  no_pick=sum(p is None for p in picks))
                          for m, picks in methods[(n, o)].items()}
                for lr in GRID:
                    scored[f"fixed {lr:.1e}"] = dict(picks=[lr], lr=lr,
                                                     regret=regret_of(means[lr], best, l0),
                                                     no_pick=0)
                results[(n, o, b)] = dict(best_lr=best_lr, best_loss=best, untrained_loss=l0,
                                          grid={f"{lr:.5e}": means[lr] for lr in GRID},
                                          methods=scored)
    return results


def summarise(names, optimizers, budgets, methods, results):
    """Per optimizer, budget and method: median and worst regret over the tune, confirm and all
    groups; the best fixed LR in hindsight per group; the seed spread of multi-seed methods."""
    groups = {"tune": [n for n in names if manifest()[n]["group"] == "tune"],
              "confirm": [n for n in names if manifest()[n]["group"] == "confirm"],
              "all": list(names)}
    summary = {}
    for o in optimizers:
        spreads = {}
        for m in methods[(names[0], o)]:
            values = [spread(methods[(n, o)].get(m, [])) for n in names]
            values = [v for v in values if v is not None]
            if len(methods[(names[0], o)][m]) > 1 and values:
                spreads[m] = statistics.median(values)
        for b in budgets:
            table = {}
            method_names = list(results[(names[0], o, b)]["methods"])
            for m in method_names:
                row = {}
                for g, members in groups.items():
                    regrets = [results[(n, o, b)]["methods"][m]["regret"] for n in members]
                    if regrets:
                        row[g] = dict(median=statistics.median(regrets), worst=max(regrets),
                                      no_pick=sum(results[(n, o, b)]["methods"][m]["no_pick"] > 0
                                                  for n in members))
                row["spread"] = spreads.get(m)
                table[m] = row
            hindsight = {}
            for g, members in groups.items():
                if not members:
                    continue
                fixed = [m for m in method_names if m.startswith("fixed ")]
                best = min(fixed, key=lambda m: (table[m][g]["median"], table[m][g]["worst"]))
                hindsight[g] = dict(method=best, lr=results[(names[0], o, b)]["methods"][best]["lr"],
                                    **table[best][g])
            summary[(o, b)] = dict(methods=table, hindsight=hindsight)
    return groups, summary


def markdown(args, names, optimizers, budgets, results, groups, summary, wall):
    out = [f"# Regret benchmark: {args.tag}", "",
           f"`{' '.join(shlex.quote(a) for a in sys.argv)}`", "",
           f"{len(names)} tables ({len(groups['tune'])} tune, {len(groups['confirm'])} confirm); "
           f"picks scored {'exactly (trained at the pick, 3 seeds)' if args.exact else 'by interpolation on the grid'}; "
           f"wall time {wall:.0f} s.", ""]
    cols = [g for g in ("tune", "confirm", "all") if groups[g]]

    def cell(row, g):
        c = row.get(g)
        if not c:
            return "-"
        extra = f", {c['no_pick']} no pick" if c["no_pick"] else ""
        return f"{c['median']:.3f} / {c['worst']:.3f}{extra}"

    for o in optimizers:
        for b in budgets:
            s = summary[(o, b)]
            out += [f"## {o}, {b} budget", "",
                    "Median / worst regret over the tables; spread: median over tables of "
                    "log10(max/min) of the picks of seeds 0, 1, 2.", "",
                    "| method | " + " | ".join(cols) + " | spread (decades) |",
                    "|---|" + "---|" * len(cols) + "---|"]
            for m, row in s["methods"].items():
                if m.startswith("fixed "):
                    continue
                sp = "-" if row["spread"] is None else f"{row['spread']:.2f}"
                out.append(f"| {m} | " + " | ".join(cell(row, g) for g in cols) + f" | {sp} |")
            hs = " | ".join(f"{s['hindsight'][g]['median']:.3f} / {s['hindsight'][g]['worst']:.3f} "
                            f"(LR {s['hindsight'][g]['lr']:.1e})" for g in cols)
            out += [f"| best fixed LR in hindsight | {hs} | - |", ""]
    out += ["## Fixed LRs: median / worst regret over all tables", "",
            "| LR | " + " | ".join(f"{o} {b}" for o in optimizers for b in budgets) + " |",
            "|---|" + "---|" * (len(optimizers) * len(budgets))]
    for lr in GRID:
        m = f"fixed {lr:.1e}"
        out.append(f"| {lr:.1e} | " + " | ".join(
            f"{summary[(o, b)]['methods'][m]['all']['median']:.3f} / "
            f"{summary[(o, b)]['methods'][m]['all']['worst']:.3f}"
            for o in optimizers for b in budgets) + " |")
    out.append("")
    for o in optimizers:
        for b in budgets:
            method_names = [m for m in results[(names[0], o, b)]["methods"] if not m.startswith("fixed ")]
            out += [f"## Per table: {o}, {b} budget", "",
                    "Each method: regret (its LR; the median over seeds for 1-run methods).", "",
                    "| table | group | best LR | L* | L0 | " + " | ".join(method_names) + " |",
                    "|---|---|---|---|---|" + "---|" * len(method_names)]
            for n in names:
                r = results[(n, o, b)]

                def pick(m):
                    v = r["methods"][m]
                    lr = "none" if v["lr"] is None else f"{v['lr']:.1e}"
                    return f"{v['regret']:.3f} ({lr})"

                out.append(f"| {n} | {manifest()[n]['group']} | {r['best_lr']:.1e} | "
                           f"{r['best_loss']:.4f} | {r['untrained_loss']:.4f} | "
                           + " | ".join(pick(m) for m in method_names) + " |")
            out.append("")
    return "\n".join(out)


def to_json(args, names, optimizers, budgets, results, groups, summary, wall, lrfind_version):
    return dict(
        tag=args.tag, command=sys.argv, exact=args.exact, wall_seconds=wall, protocol=PROTOCOL,
        lrfind=dict(path=args.lrfind, args=args.lrfind_args, version=lrfind_version),
        grid=list(GRID), seeds=list(SEEDS), budgets={b: vars(BUDGETS[b]) for b in budgets},
        groups=groups,
        tables={n: {o: {b: results[(n, o, b)] for b in budgets} for o in optimizers}
                for n in names},
        summary={o: {b: summary[(o, b)] for b in budgets} for o in optimizers})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lrfind", required=True, help="path of the lrfind binary to score")
    parser.add_argument("--lrfind-args", default="",
                        help="extra arguments for every lrfind run, one string")
    parser.add_argument("--datasets", default="all", help="all, tune, confirm or NAME,NAME,...")
    parser.add_argument("--optimizers", default=",".join(OPTIMIZERS))
    parser.add_argument("--budgets", default=",".join(BUDGETS))
    parser.add_argument("--tag", required=True, help="names the report and the saved lrfind runs")
    parser.add_argument("--no-competitors", action="store_true",
                        help="skip fastai's and torch-lr-finder's range tests")
    parser.add_argument("--exact", action="store_true",
                        help="score picks by training at them (cached) instead of interpolating")
    parser.add_argument("--workers", type=int, default=WORKERS)
    args = parser.parse_args()
    one_thread()
    start = time.time()
    names = select(args.datasets)
    optimizers = args.optimizers.split(",")
    budgets = args.budgets.split(",")

    def progress(message):
        print(f"[{time.time() - start:6.0f} s] {message}", file=sys.stderr, flush=True)

    version = subprocess.run([args.lrfind, "--version"], capture_output=True, text=True,
                             check=True).stdout.strip()
    methods = {}
    for n in names:
        for o in optimizers:
            methods[(n, o)] = lrfind_picks(args.lrfind, n, o, args.lrfind_args, args.tag)
    for o in optimizers:
        every = list(dict.fromkeys(m for n in names for m in methods[(n, o)]))
        for n in names:
            for m in every:
                methods[(n, o)].setdefault(m, [None] * (len(SEEDS) if "(1 run)" in m else 1))
    progress(f"lrfind ran on {len(names)} tables")
    if not args.no_competitors:
        for key, picks in competitor_picks(names, optimizers, args.workers).items():
            methods[key].update(picks)
        progress("competitors ran")
    results = evaluate(names, optimizers, budgets, methods, args.exact, progress)
    groups, summary = summarise(names, optimizers, budgets, methods, results)
    wall = time.time() - start
    print(markdown(args, names, optimizers, budgets, results, groups, summary, wall))
    report = to_json(args, names, optimizers, budgets, results, groups, summary, wall, version)
    _write_json(RESULTS / f"oracle-{args.tag}.json", report)
    progress(f"wrote {RESULTS / f'oracle-{args.tag}.json'}")


if __name__ == "__main__":
    main()
