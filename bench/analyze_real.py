#!/usr/bin/env python3
"""`lrfind analyze` on real models' range tests, scored by training those models at fixed LRs.

The models are bench/models/*.py (a CNN on digits images, a tabular net with categorical
embeddings, a character-level transformer on the standard library's sources, and that
transformer's fine-tune from a checkpoint); bench/models/common.py is their shared protocol,
bench/oracle.py's budgets, divergence rule and regret, reused by import. For every model and
optimizer (Adam; SGD with momentum 0.9):

1. The grid: the model trained at constant LRs 10^(k/4) (4 a decade), seeds 0, 1, 2, under both
   budgets (long = max(10 epochs, 500 steps), short = 100 steps). It starts at START_GRID and
   grows, half a decade at a time down while the lowest LR's regret is below LOW_REGRET in a
   budget, a decade at a time up while the highest LR does not diverge in both (LRs that
   diverge stop early, so they cost little), so that it covers the useful range
   and a pick outside it scores (held at the end value) at least LOW_REGRET or as a divergence.
   L(s) is the mean over seeds of each run's best validation loss; L* the lowest L of the grid;
   L0 the untrained loss; regret(s) = (L(s) - L*) / (L0 - L*) clamped to [0, 1] (oracle.regret_of).
2. The range tests, seeds 0, 1, 2: torch-lr-finder's (its `history`, smoothed with smooth_f 0.05,
   saved as `json.dump(history)` would save it) and fastai's `lr_find` (its recorder's LRs and
   smoothed losses), 100 steps from 1e-6 to 10.
3. The picks on those curves: `lrfind analyze` (the binary given, run on the saved files, its
   `suggested_lr`): on torch-lr-finder's history with `--smoothed-by 0.05` as docs/analyze.md
   says, on the same file without any option, and on fastai's curve with `--smoothed-by 0.98`;
   fastai's valley rule on torch-lr-finder's curve (read as `lr_find` reads its own);
   torch-lr-finder's own suggestion; fastai's own `lr_find` valley.
4. Each pick scored by interpolating L linearly in log10 LR on the grid (the end values outside
   it); a method's regret on a model is the mean over its 3 seeds' picks (no pick scores 1); the
   summary is the median and the worst over the 4 models, per optimizer and budget.

Everything trained or recorded is cached under bench/results/cache/real/ (keyed by a hash of the
model's script, common.py and its data), so a new lrfind build is scored in seconds:

    nice -n 10 bench/.venv/bin/python bench/analyze_real.py --lrfind target/release/lrfind \
        --tag TAG > bench/results/real_models-TAG.md

writes the markdown report to stdout and bench/results/real_models-TAG.json. `--score-only`
trains and records nothing and scores on what the cache holds.
"""
import argparse
import hashlib
import importlib
import json
import math
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent / "models"))
import common  # noqa: E402
import oracle  # noqa: E402

MODELS = ("digits_cnn", "tabular_embed", "char_transformer", "char_finetune")
OPTIMIZERS = ("adam", "sgd")
BUDGETS = ("long", "short")
SEEDS = oracle.SEEDS
# The first grid, as powers of ten in quarters (k / 4), before it grows.
START_GRID = {"adam": (-14, -10), "sgd": (-8, -4)}
GRID_LIMITS = (-24, 4)  # 1e-6 .. 10
LOW_REGRET = 0.7
CACHE = oracle.CACHE / "real"
MODELS_DIR = Path(__file__).resolve().parent / "models"


def module(name):
    return importlib.import_module(name)


def model_digest(name):
    """What a model's cached results depend on: its script, the shared protocol, its data."""
    m = module(name)
    h = hashlib.sha256()
    for f in (MODELS_DIR / f"{name}.py", MODELS_DIR / "common.py"):
        h.update(f.read_bytes())
    if name == "char_finetune":
        h.update((MODELS_DIR / "char_transformer.py").read_bytes())
    if hasattr(m, "data_digest"):
        h.update(m.data_digest().encode())
    return h.hexdigest()[:12]


def lr_of(k):
    return oracle.round_lr(10 ** (k / 4))


def key(lr):
    return f"{oracle.round_lr(lr):.5e}"


class Store:
    """A JSON file of cached results, written atomically after every change."""

    def __init__(self, path):
        self.path = path
        self.data = json.loads(path.read_text()) if path.exists() else {}

    def save(self):
        oracle._write_json(self.path, self.data)


def train_store(name, opt):
    return Store(CACHE / "train" / f"{name}-{model_digest(name)}" / f"{opt}.json")


def curve_store(name):
    return Store(CACHE / "curves" / f"{name}-{model_digest(name)}.json")


def _task(task):
    """Worker: one training run or one pair of range tests."""
    kind, name, opt, *rest = task
    m = module(name)
    if kind == "train":
        lr, seed = rest
        return task, m.train(opt, lr, seed)
    (seed,) = rest
    return task, dict(torch_lr_finder=m.range_test_torch_lr_finder(opt, seed),
                      fastai=m.range_test_fastai(opt, seed))


def run_tasks(tasks, workers, stores, progress):
    start = time.time()
    for done, (task, result) in enumerate(oracle.run_pool(tasks, _task, workers), 1):
        kind, name, opt, *rest = task
        if kind == "train":
            lr, seed = rest
            store = stores[("train", name, opt)]
            store.data.setdefault(key(lr), {})[str(seed)] = result
        else:
            store = stores[("curves", name)]
            store.data[f"{opt}-{rest[0]}"] = result
        store.save()
        progress(f"{done}/{len(tasks)} {kind} {name} {opt} {rest} ({time.time() - start:.0f} s)")


def grid_means(store, budget):
    """{lr: mean L over the seeds} for every LR whose seeds are all trained."""
    out = {}
    for k, seeds in store.data.items():
        if all(str(s) in seeds for s in SEEDS):
            out[float(k)] = statistics.fmean(seeds[str(s)][budget]["best"] for s in SEEDS)
    return dict(sorted(out.items()))


def initial_loss(store):
    runs = [r for seeds in store.data.values() for r in seeds.values()]
    return statistics.fmean(r["long"]["initial"] for r in runs)


def regrets(store, budget):
    means = grid_means(store, budget)
    best, l0 = min(means.values()), initial_loss(store)
    return {lr: oracle.regret_of(v, best, l0) for lr, v in means.items()}


def grow_grids(names, optimizers, workers, progress):
    """Trains every model's grid, growing it until it covers the useful range (module doc)."""
    ranges = {(n, o): START_GRID[o] for n in names for o in optimizers}
    stores = {("train", n, o): train_store(n, o) for n in names for o in optimizers}
    while True:
        tasks = []
        for (n, o), (lo, hi) in ranges.items():
            store = stores[("train", n, o)]
            for k in range(lo, hi + 1):
                have = store.data.get(key(lr_of(k)), {})
                tasks += [("train", n, o, lr_of(k), s) for s in SEEDS if str(s) not in have]
        if tasks:
            run_tasks(tasks, workers, stores, progress)
            continue
        grown = False
        for (n, o), (lo, hi) in ranges.items():
            store = stores[("train", n, o)]
            r = {b: regrets(store, b) for b in BUDGETS}
            if lo > GRID_LIMITS[0] and any(r[b][lr_of(lo)] < LOW_REGRET for b in BUDGETS):
                lo, grown = lo - 2, True
            if hi < GRID_LIMITS[1] and any(r[b][lr_of(hi)] < 1.0 for b in BUDGETS):
                hi, grown = hi + 4, True
            ranges[(n, o)] = (max(lo, GRID_LIMITS[0]), min(hi, GRID_LIMITS[1]))
        if not grown:
            return {(n, o): stores[("train", n, o)] for n, o in ranges}


def record_curves(names, optimizers, workers, progress):
    stores = {("curves", n): curve_store(n) for n in names}
    tasks = [("curves", n, o, s) for n in names for o in optimizers for s in SEEDS
             if f"{o}-{s}" not in stores[("curves", n)].data]
    run_tasks(tasks, workers, stores, progress)
    return {n: stores[("curves", n)] for n in names}


def curve_file(name, opt, seed, tool, history):
    """The curve as its tool's user saves it (`json.dump(history, f)`), for lrfind analyze."""
    path = CACHE / "files" / f"{name}-{model_digest(name)}" / f"{opt}-seed{seed}-{tool}.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(history))
    return path


def analyze(binary, path, args):
    """lrfind analyze's suggested LR on a saved curve (None when it gives none)."""
    out = subprocess.run([binary, "analyze", str(path), "--json", "-", "--no-plot", "-q", *args],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1) or not out.stdout.strip():
        raise RuntimeError(f"lrfind analyze {path} exited {out.returncode}: {out.stderr}")
    return json.loads(out.stdout).get("suggested_lr")


def picks(binary, names, optimizers, curves):
    """{(model, opt): {method: [pick of seeds 0, 1, 2]}}."""
    out = {}
    for n in names:
        for o in optimizers:
            methods = {}
            for s in SEEDS:
                c = curves[n].data[f"{o}-{s}"]
                tlf, fai = c["torch_lr_finder"], c["fastai"]
                tlf_file = curve_file(n, o, s, "torch_lr_finder", tlf["history"])
                fai_file = curve_file(n, o, s, "fastai", fai["history"])
                row = {
                    "lrfind analyze --smoothed-by 0.05 (torch-lr-finder's curve)":
                        analyze(binary, tlf_file, ["--smoothed-by", "0.05"]),
                    "lrfind analyze, no options (torch-lr-finder's curve)":
                        analyze(binary, tlf_file, []),
                    "lrfind analyze --smoothed-by 0.98 (fastai's curve)":
                        analyze(binary, fai_file, ["--smoothed-by", "0.98"]),
                    "fastai valley rule (torch-lr-finder's curve)":
                        common.fastai_valley(tlf["history"]["lr"], tlf["history"]["loss"]),
                    "torch-lr-finder's suggestion (its curve)": tlf["suggestion"],
                    "fastai lr_find valley (its curve)": fai["suggestion"],
                }
                for m, lr in row.items():
                    methods.setdefault(m, []).append(lr)
            out[(n, o)] = methods
    return out


def interpolated(means, lr):
    xs = [math.log10(s) for s in means]
    return float(np.interp(math.log10(lr), xs, list(means.values())))


def evaluate(names, optimizers, grids, chosen):
    results = {}
    for n in names:
        for o in optimizers:
            store = grids[(n, o)]
            l0 = initial_loss(store)
            for b in BUDGETS:
                means = grid_means(store, b)
                best_lr = min(means, key=means.get)
                best = means[best_lr]

                def score(lr):
                    return 1.0 if lr is None else oracle.regret_of(interpolated(means, lr), best, l0)

                results[(n, o, b)] = dict(
                    best_lr=best_lr, best_loss=best, untrained_loss=l0,
                    grid={key(lr): v for lr, v in means.items()},
                    methods={m: dict(picks=p, lr=oracle.geometric_median(p),
                                     regret=statistics.fmean(score(lr) for lr in p),
                                     no_pick=sum(lr is None for lr in p))
                             for m, p in chosen[(n, o)].items()})
    return results


def summarise(names, optimizers, results):
    summary = {}
    for o in optimizers:
        for b in BUDGETS:
            methods = results[(names[0], o, b)]["methods"]
            summary[(o, b)] = {
                m: dict(median=statistics.median(results[(n, o, b)]["methods"][m]["regret"]
                                                 for n in names),
                        worst=max(results[(n, o, b)]["methods"][m]["regret"] for n in names),
                        no_pick=sum(results[(n, o, b)]["methods"][m]["no_pick"] for n in names))
                for m in methods}
    return summary


def markdown(args, names, optimizers, results, summary, wall):
    out = [f"# lrfind analyze on real models' range tests: {args.tag}", "",
           f"`{' '.join(shlex.quote(a) for a in sys.argv)}`", "",
           f"Models: {', '.join(names)} (bench/models/). Picks scored by interpolation on each "
           f"model's grid; regret of a method on a model = mean over seeds 0, 1, 2; the cells are "
           f"the median / worst over the {len(names)} models. A best LR marked (edge) sits at "
           f"the end of its grid: the grid was still growing. Wall time {wall:.0f} s.", ""]
    for o in optimizers:
        for b in BUDGETS:
            out += [f"## {o}, {b} budget", "", "| method | median / worst regret | no pick |",
                    "|---|---|---|"]
            for m, s in summary[(o, b)].items():
                out.append(f"| {m} | {s['median']:.3f} / {s['worst']:.3f} | {s['no_pick']} |")
            out.append("")
    for o in optimizers:
        for b in BUDGETS:
            methods = list(results[(names[0], o, b)]["methods"])
            out += [f"## Per model: {o}, {b} budget", "",
                    "Each method: regret (the median of its seeds' picks).", "",
                    "| model | grid | best LR | L* | L0 | " + " | ".join(methods) + " |",
                    "|---|---|---|---|---|" + "---|" * len(methods)]
            for n in names:
                r = results[(n, o, b)]
                lrs = [float(k) for k in r["grid"]]
                cells = []
                for m in methods:
                    v = r["methods"][m]
                    lr = "none" if v["lr"] is None else f"{v['lr']:.1e}"
                    cells.append(f"{v['regret']:.3f} ({lr})")
                edge = " (edge)" if r["best_lr"] in (min(lrs), max(lrs)) else ""
                out.append(f"| {n} | {min(lrs):.0e}..{max(lrs):.0e} | {r['best_lr']:.1e}{edge} | "
                           f"{r['best_loss']:.4f} | {r['untrained_loss']:.4f} | "
                           + " | ".join(cells) + " |")
            out.append("")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lrfind", required=True, help="the lrfind binary to score")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--optimizers", default=",".join(OPTIMIZERS))
    parser.add_argument("--tag", required=True, help="names bench/results/real_models-TAG.json")
    parser.add_argument("--workers", type=int, default=oracle.WORKERS)
    parser.add_argument("--score-only", action="store_true",
                        help="train and record nothing: score on what the cache holds (a grid "
                             "still growing is marked in the report)")
    args = parser.parse_args()
    oracle.one_thread()
    start = time.time()
    names, optimizers = args.models.split(","), args.optimizers.split(",")

    def progress(message):
        print(f"[{time.time() - start:6.0f} s] {message}", file=sys.stderr, flush=True)

    if args.score_only:
        curves = {n: curve_store(n) for n in names}
        grids = {(n, o): train_store(n, o) for n in names for o in optimizers}
    else:
        if "char_finetune" in names:
            module("char_finetune").pretrain()  # once, before the workers need it
        curves = record_curves(names, optimizers, args.workers, progress)
        grids = grow_grids(names, optimizers, args.workers, progress)
    chosen = picks(args.lrfind, names, optimizers, curves)
    results = evaluate(names, optimizers, grids, chosen)
    summary = summarise(names, optimizers, results)
    wall = time.time() - start
    print(markdown(args, names, optimizers, results, summary, wall))
    oracle._write_json(oracle.RESULTS / f"real_models-{args.tag}.json", dict(
        tag=args.tag, command=sys.argv, wall_seconds=wall, models=names,
        lrfind=args.lrfind, seeds=list(SEEDS),
        tables={n: {o: {b: results[(n, o, b)] for b in BUDGETS} for o in optimizers}
                for n in names},
        summary={o: {b: summary[(o, b)] for b in BUDGETS} for o in optimizers}))


if __name__ == "__main__":
    main()
