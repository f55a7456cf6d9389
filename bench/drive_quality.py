#!/usr/bin/env python3
"""`lrfind drive` on real models, scored by those models' grids of fixed LRs, beside the Python
finders, the optimizers that set their own step size, and the best fixed LR in hindsight; its
cost against torch-lr-finder's range test; the protocol's share of the worker's wall time.

The models are bench/models/*.py, each its own PyTorch script with a worker mode
(`python bench/models/X.py --worker --opt O`, bench/models/common.py's `serve`, through the
standard-library client lrfind_client). The ground truth is the grid bench/analyze_real.py
trained and committed in bench/results/real_models-after.json (each model at constant LRs 10^(k/4),
seeds 0, 1, 2, budgets long = max(10 epochs, 500 steps) and short = 100 steps, as bench/oracle.py):
nothing of it is retrained here. For every model and optimizer (Adam with torch's defaults; SGD
with momentum 0.9):

1. `lrfind drive --json OUT [--seed S] -- python bench/models/X.py --worker --opt O`, every other
   option at its default, for each S of --seeds (the default run is S = 0; S = 3 and 6 repeat it
   on disjoint range-test seeds: drive's range tests use seeds S..S+2), in an empty folder (its
   default picture lands there). With --race-budget B, the same runs again with `--race-budget B`.
2. Right after the default run, torch-lr-finder's range test of the same model and optimizer
   (seed 0, as bench/models/common.py runs it: 100 steps from 1e-6 to 10) in a fresh Python
   process, timed from outside (as drive is) and inside (the range test call alone).
3. Prodigy (prodigyopt, lr 1.0 and every other default) and schedule-free AdamW (schedulefree's
   AdamWScheduleFree, lr 0.0025, its defaults; eval mode around each validation), each trained
   once per seed 0, 1, 2 under the same budgets by the same script (common.train_fixed), scored
   against the Adam grid and against the SGD grid.
4. Scores, exactly as bench/analyze_real.py's: a pick's L interpolated linearly in log10 LR on
   the model's grid (the end values outside it); regret = (L - L*) / (L0 - L*) clamped to [0, 1]
   (oracle.regret_of), L* the grid's best mean, L0 the untrained loss; a method's regret on a
   model is the mean over its picks (drive: its runs; the Python finders: seeds 0, 1, 2, read
   from the committed report; Prodigy and schedule-free: L is the mean of the 3 seeds' L). The
   best fixed LR in hindsight: the LR 10^(k/4) in 1e-6..10 with the lowest median regret over the
   models (ties: the lowest worst), per optimizer and budget.
5. The protocol's share: the worker's time inside lrfind_client's calls (next_lr, step, eval,
   wants_eval) over its wall time, and the waits between jobs (lrfind deciding the next job
   included), from common.ClientClock (`--timing`).

Everything run is cached under bench/results/cache/drive/ (keyed by the lrfind binary's hash,
the model's digest and the options), so an interrupted run resumes:

    nice -n 10 /work/venv/bin/python bench/drive_quality.py --lrfind target/release/lrfind \
        --client clients/python

writes bench/results/drive_quality.md and bench/results/drive_quality.json (--out STEM).
"""
import argparse
import hashlib
import json
import math
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import analyze_real
import oracle

common = analyze_real.common
ROOT = oracle.ROOT
MODELS_DIR = ROOT / "bench" / "models"
GRID_REPORT = oracle.RESULTS / "real_models-after.json"
CACHE = oracle.CACHE / "drive"
# The Python finders' picks, from the committed report, by the name shown here.
FINDERS = {"torch-lr-finder": "torch-lr-finder's suggestion (its curve)",
           "fastai valley": "fastai lr_find valley (its curve)"}
SELF_TUNED = ("prodigy", "schedule-free AdamW")
BEST_CONSTANT_RANGE = range(-24, 5)  # 10^(k/4): 1e-6 .. 10
# "Clearly better" than the best constant: median and worst regret both lower by more than this.
CLEARLY = 0.005


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def self_tuned_optimizer(name):
    """The optimizer factory of a method that sets its own step size, at its defaults."""
    if name == "prodigy":
        from prodigyopt import Prodigy
        return Prodigy
    if name == "schedule-free AdamW":
        from schedulefree import AdamWScheduleFree
        return AdamWScheduleFree
    raise ValueError(name)


def _train_self_tuned(task):
    """Worker process: one self-tuned run (method, model, seed)."""
    method, name, seed = task
    m = analyze_real.module(name)
    return task, common.train_fixed(m.build_model(seed), *m.make_loaders(seed), m.loss_fn(),
                                    None, None, make_optimizer=self_tuned_optimizer(method))


def self_tuned_runs(names, workers, progress):
    """{(method, model): [each seed's result]}, trained once and cached."""
    from importlib.metadata import version

    versions = f"prodigyopt-{version('prodigyopt')}_schedulefree-{version('schedulefree')}"
    stores = {n: analyze_real.Store(CACHE / "self_tuned" / versions /
                                    f"{n}-{analyze_real.model_digest(n)}.json") for n in names}
    tasks = [(meth, n, s) for n in names for meth in SELF_TUNED for s in oracle.SEEDS
             if f"{meth}-{s}" not in stores[n].data]
    start = time.time()
    for done, (task, result) in enumerate(oracle.run_pool(tasks, _train_self_tuned, workers), 1):
        meth, n, s = task
        stores[n].data[f"{meth}-{s}"] = result
        stores[n].save()
        progress(f"{done}/{len(tasks)} {meth} {n} seed {s} ({time.time() - start:.0f} s)")
    return {(meth, n): [stores[n].data[f"{meth}-{s}"] for s in oracle.SEEDS]
            for n in names for meth in SELF_TUNED}


def children_cpu():
    """User and system CPU seconds of this process's finished children (and theirs: lrfind
    waits for its worker, so a drive run's count holds both)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def drive_command(args, name, opt, seed, race_budget, json_path, timing_path):
    cmd = [str(Path(args.lrfind).resolve()), "drive", "--json", str(json_path)]
    if seed != 0:
        cmd += ["--seed", str(seed)]
    if race_budget:
        cmd += ["--race-budget", race_budget]
    return cmd + ["--", sys.executable, str(MODELS_DIR / f"{name}.py"), "--worker", "--opt", opt,
                  "--timing", str(timing_path)]


def shown(cmd):
    """A command as a user types it, from the repository root."""
    out = []
    for a in cmd:
        if a == sys.executable:
            a = "python"
        elif a.startswith(str(ROOT) + "/"):
            a = os.path.relpath(a, ROOT)
        out.append(shlex.quote(a))
    return " ".join(out)


def run_drive(args, name, opt, seed, race_budget, env, progress):
    """One `lrfind drive` run, cached: its report (no curves), wall time, summary and the
    worker's clock."""
    variant = f"budget{race_budget}" if race_budget else "default"
    store = analyze_real.Store(CACHE / "runs" / sha(args.lrfind) /
                               f"{name}-{analyze_real.model_digest(name)}-{opt}.json")
    k = f"{variant}-seed{seed}"
    if k in store.data:
        return store.data[k]
    if args.score_only:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        # Relative to the run's folder (the worker inherits it), so the command reads as typed.
        json_path, timing_path = Path(tmp) / "drive.json", Path(tmp) / "timing.json"
        cmd = drive_command(args, name, opt, seed, race_budget, json_path.name, timing_path.name)
        before, start = children_cpu(), time.perf_counter()
        out = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True,
                             timeout=args.timeout)
        wall, cpu = time.perf_counter() - start, children_cpu() - before
        if out.returncode not in (0, 1) or not json_path.exists():
            raise RuntimeError(f"{shown(cmd)} exited {out.returncode} after {wall:.0f} s:\n"
                               f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        report = json.loads(json_path.read_text())
        timing = json.loads(timing_path.read_text()) if timing_path.exists() else None
    kept = {k2: v for k2, v in report.items() if k2 not in ("curve", "val_curve", "runs")}
    kept["runs"] = report.get("runs")
    result = dict(command=shown(cmd), exit=out.returncode, wall=wall, cpu=cpu,
                  load=os.getloadavg()[0], summary=out.stdout,
                  report=kept, timing=timing, suggested_lr=report.get("suggested_lr"))
    store.data[k] = result
    store.save()
    progress(f"drive {name} {opt} {variant} seed {seed}: {result['suggested_lr']} in {wall:.0f} s")
    return result


TLF_SNIPPET = """
import json, sys, time
sys.path.insert(0, {models!r})
import torch
torch.set_num_threads(1)
import {name} as m
start = time.perf_counter()
r = m.range_test_torch_lr_finder({opt!r}, 0)
print(json.dumps(dict(inside=time.perf_counter() - start, suggestion=r["suggestion"])))
"""


def run_torch_lr_finder(args, name, opt, progress):
    """torch-lr-finder's range test (seed 0) in a fresh process: wall time from outside, the
    range test call's time from inside. Cached beside drive's runs (measured right after the
    default run of the same model and optimizer)."""
    store = analyze_real.Store(CACHE / "runs" / sha(args.lrfind) /
                               f"{name}-{analyze_real.model_digest(name)}-{opt}.json")
    if "torch_lr_finder" in store.data:
        return store.data["torch_lr_finder"]
    if args.score_only:
        sys.exit(f"--score-only: torch-lr-finder's timing of {name} {opt} is not cached")
    snippet = TLF_SNIPPET.format(models=str(MODELS_DIR), name=name, opt=opt)
    before, start = children_cpu(), time.perf_counter()
    out = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True,
                         check=True)
    wall, cpu = time.perf_counter() - start, children_cpu() - before
    result = dict(wall=wall, cpu=cpu, load=os.getloadavg()[0],
                  **json.loads(out.stdout.strip().splitlines()[-1]))
    store.data["torch_lr_finder"] = result
    store.save()
    progress(f"torch-lr-finder {name} {opt}: {wall:.1f} s")
    return result


def score_lr(table, lr):
    """Regret of a pick on one model's grid (analyze_real's interpolation); None scores 1."""
    if lr is None:
        return 1.0
    means = dict(sorted((float(k), v) for k, v in table["grid"].items()))
    return oracle.regret_of(analyze_real.interpolated(means, lr), table["best_loss"],
                            table["untrained_loss"])


def score_loss(table, loss):
    return oracle.regret_of(loss, table["best_loss"], table["untrained_loss"])


def best_constant(tables, names, opt, budget):
    """The fixed LR with the lowest median regret over the models (ties: lowest worst)."""
    rows = []
    for k in BEST_CONSTANT_RANGE:
        lr = analyze_real.lr_of(k)
        r = [score_lr(tables[n][opt][budget], lr) for n in names]
        rows.append((statistics.median(r), max(r), lr, r))
    med, worst, lr, r = min(rows, key=lambda t: (t[0], t[1]))
    return lr, dict(zip(names, r))


def evaluate(args, names, optimizers, tables, drives, self_tuned):
    """{(opt, budget): {method: {model: {"regret", "lr"}}}}."""
    out = {}
    for o in optimizers:
        for b in analyze_real.BUDGETS:
            methods = {}
            for variant, runs in drives.items():
                label = "lrfind drive" + ("" if variant == "default" else f" --race-budget {variant}")
                many = any(len(runs[(n, o)]) > 1 for n in names)
                for which in ("seed 0", "all runs") if many else ("seed 0",):
                    methods[f"{label} ({which})"] = per = {}
                    for n in names:
                        rs = runs[(n, o)][:1] if which == "seed 0" else runs[(n, o)]
                        picks = [r["suggested_lr"] for r in rs]
                        per[n] = dict(
                            regret=statistics.fmean(score_lr(tables[n][o][b], p) for p in picks),
                            picks=picks, lr=oracle.geometric_median(picks), runs=len(picks))
            # What the race changed: the curve rule's pick of the same default run (what
            # --no-verify would suggest), scored the same way.
            label = "drive's curve rule alone (its valley, before the race; seed 0)"
            methods[label] = {}
            for n in names:
                pick = (drives["default"][(n, o)][0]["report"].get("suggestions") or {}).get("valley")
                methods[label][n] = dict(regret=score_lr(tables[n][o][b], pick), lr=pick)
            for label, key in FINDERS.items():
                methods[label] = {n: dict(regret=tables[n][o][b]["methods"][key]["regret"],
                                          picks=tables[n][o][b]["methods"][key]["picks"],
                                          lr=tables[n][o][b]["methods"][key]["lr"])
                                  for n in names}
            for meth in SELF_TUNED:
                methods[meth] = {}
                for n in names:
                    runs = self_tuned[(meth, n)]
                    loss = statistics.fmean(r[b]["best"] for r in runs)
                    methods[meth][n] = dict(regret=score_loss(tables[n][o][b], loss), lr=None,
                                            loss=loss, diverged=sum(r[b]["diverged"] for r in runs))
            lr, regrets = best_constant(tables, names, o, b)
            methods[f"best fixed LR in hindsight ({lr:.2g})"] = {
                n: dict(regret=regrets[n], lr=lr) for n in names}
            out[(o, b)] = methods
    return out


def summary_of(per_model):
    r = [v["regret"] for v in per_model.values()]
    return dict(median=statistics.median(r), worst=max(r))


def targets(scores, names, label):
    """The issue's targets for method `label`, per (opt, budget): median <= 0.02, worst <= 0.1,
    better than each Python finder on each model (ties count as better), clearly better than the
    best constant (its median and its worst both lower by more than CLEARLY)."""
    out = {}
    for (o, b), methods in scores.items():
        drive = methods[label]
        s = summary_of(drive)
        const = next(v for k, v in methods.items() if k.startswith("best fixed"))
        cs = summary_of(const)
        out[(o, b)] = dict(
            median=s["median"] <= 0.02, worst=s["worst"] <= 0.1,
            beats_finders_per_model={
                f: all(drive[n]["regret"] <= methods[f][n]["regret"] for n in names)
                for f in FINDERS},
            behind={f: {n: (drive[n]["regret"], methods[f][n]["regret"]) for n in names
                        if drive[n]["regret"] > methods[f][n]["regret"]}
                    for f in (*FINDERS, "prodigy")},
            beats_best_constant=(s["median"] < cs["median"] - CLEARLY
                                 and s["worst"] < cs["worst"] - CLEARLY),
            against_constant=(s["median"], s["worst"], cs["median"], cs["worst"]),
            no_worse_than_prodigy_per_model=all(
                drive[n]["regret"] <= methods["prodigy"][n]["regret"] for n in names))
    return out


def cost_rows(names, optimizers, drives, tlf):
    """Per (model, opt): drive's default run (seed 0) against torch-lr-finder's range test, and
    the protocol's share of the worker's time (common.ClientClock)."""
    rows = {}
    for n in names:
        for o in optimizers:
            d = drives["default"][(n, o)][0]
            t = tlf[(n, o)]
            c = d["timing"] or {}
            race = d["report"].get("race") or {}
            wall = c.get("wall")

            def share(x):
                return None if not wall or x is None else x / wall

            rows[(n, o)] = dict(
                drive_wall=d["wall"], drive_cpu=d["cpu"], tlf_wall=t["wall"], tlf_cpu=t["cpu"],
                tlf_inside=t["inside"], ratio=d["wall"] / t["wall"],
                ratio_inside=d["wall"] / t["inside"], ratio_cpu=d["cpu"] / t["cpu"],
                load=(d["load"], t["load"]), race_updates=race.get("updates"),
                range_steps=sum(r["steps"] for r in d["report"].get("runs") or []),
                worker_steps=c.get("steps"), worker_evals=c.get("evals"),
                worker_jobs=c.get("jobs"), worker_wall=wall, worker_cpu=c.get("cpu"),
                lrfind_cpu=None if c.get("process_cpu") is None else d["cpu"] - c["process_cpu"],
                per_update_share=share(c.get("per_update")),
                per_update_cpu_share=(c["per_update_cpu"] / c["cpu"] if c.get("cpu") else None),
                lrfind_cpu_share=(None if c.get("process_cpu") is None
                                  else (d["cpu"] - c["process_cpu"]) / d["cpu"]),
                job_end_share=share(c.get("job_end")), between_share=share(c.get("between")),
                protocol_share=share(None if not c else
                                     c["per_update"] + c["job_end"] + c["between"]),
                per_update_us=1e6 * c["per_update"] / c["steps"] if c.get("steps") else None,
                per_update_cpu_us=(1e6 * c["per_update_cpu"] / c["steps"]
                                   if c.get("steps") else None))
    return rows


def fmt_lr(lr):
    return "-" if lr is None else f"{lr:.1e}"


def markdown(args, names, optimizers, tables, scores, goals, costs, drives, wall):
    cmd = " ".join(shlex.quote(a) for a in sys.argv)
    out = [f"# lrfind drive on real models: quality and cost", "",
           f"`{cmd}` ({wall:.0f} s; grids from `{os.path.relpath(GRID_REPORT, ROOT)}`)", "",
           f"Models: {', '.join(names)} (bench/models/). lrfind drive runs: "
           f"{', '.join(f'--seed {s}' for s in args.seeds)} (each a full default run; "
           f"`(seed 0)` is the default run alone, `(all runs)` the mean regret over the runs "
           f"a model has). torch-lr-finder and fastai: seeds 0, 1, 2 from the "
           f"committed report. Prodigy and schedule-free AdamW: the mean L of seeds 0, 1, 2. "
           f"Cells: median / worst regret over the {len(names)} models.", ""]
    for o in optimizers:
        for b in analyze_real.BUDGETS:
            out += [f"## {o}, {b} budget", "", "| method | median / worst regret |", "|---|---|"]
            for m, per in scores[(o, b)].items():
                s = summary_of(per)
                out.append(f"| {m} | {s['median']:.3f} / {s['worst']:.3f} |")
            out.append("")
            for label, g in goals[(o, b)].items():
                out += [f"Targets, {label}: median <= 0.02 "
                        + ("met" if g["median"] else "**not met**")
                        + "; worst <= 0.1 " + ("met" if g["worst"] else "**not met**")
                        + "; better than each Python finder on every model: "
                        + ", ".join(f"{f} {'yes' if v else '**no**'}"
                                    for f, v in g["beats_finders_per_model"].items())
                        + "; better than the best constant (median and worst): "
                        + ("yes" if g["beats_best_constant"] else "**no**")
                        + " ({:.3f} / {:.3f} against {:.3f} / {:.3f})".format(*g["against_constant"])
                        + "; no worse than Prodigy on any model: "
                        + ("yes" if g["no_worse_than_prodigy_per_model"] else "no") + "."
                        + "".join(f" Behind {f} on " + ", ".join(
                            f"{n} ({a:.3f} against {c:.3f})" for n, (a, c) in lost.items()) + "."
                            for f, lost in g["behind"].items() if lost), ""]
    for o in optimizers:
        for b in analyze_real.BUDGETS:
            methods = list(scores[(o, b)])
            out += [f"## Per model: {o}, {b} budget", "",
                    "Each cell: regret (LR: the median pick; for Prodigy and schedule-free, "
                    "seeds diverged).", "",
                    "| model | best LR | L* | L0 | " + " | ".join(methods) + " |",
                    "|---|---|---|---|" + "---|" * len(methods)]
            for n in names:
                t = tables[n][o][b]
                cells = []
                for m in methods:
                    v = scores[(o, b)][m][n]
                    if "diverged" in v:
                        extra = f"{v['diverged']} div"
                    elif v.get("runs", 1) > 1:
                        extra = f"{fmt_lr(v['lr'])}, {v['runs']} runs"
                    else:
                        extra = fmt_lr(v["lr"])
                    cells.append(f"{v['regret']:.3f} ({extra})")
                out.append(f"| {n} | {t['best_lr']:.1e} | {t['best_loss']:.4f} | "
                           f"{t['untrained_loss']:.4f} | " + " | ".join(cells) + " |")
            out.append("")
    out += ["## Cost", "",
            "lrfind drive (default options, `--seed 0`) and torch-lr-finder's range test (100 "
            "steps, seed 0) of the same model and optimizer, timed one after the other in this "
            "run (1-minute load average beside them). Both wall times include starting Python "
            "and importing torch; `inside` is the range test call alone. CPU: user + system "
            "seconds of the process and its children.", "",
            "| model | opt | drive s (CPU) | torch-lr-finder s (CPU; inside) | ratio wall "
            "(CPU; to inside) | range steps | race updates | load |",
            "|---|---|---|---|---|---|---|---|"]
    for (n, o), c in costs.items():
        out.append(f"| {n} | {o} | {c['drive_wall']:.1f} ({c['drive_cpu']:.1f}) | "
                   f"{c['tlf_wall']:.1f} ({c['tlf_cpu']:.1f}; {c['tlf_inside']:.1f}) | "
                   f"{c['ratio']:.1f}x ({c['ratio_cpu']:.1f}x; {c['ratio_inside']:.1f}x) | "
                   f"{c['range_steps']} | {c['race_updates']} | "
                   f"{c['load'][0]:.1f}, {c['load'][1]:.1f} |")

    def pct(x):
        return "-" if x is None else f"{100 * x:.2f}%"

    def num(x, f="{:.1f}"):
        return "-" if x is None else f.format(x)

    out += ["", "## The protocol's share of the worker's wall time", "",
            "The same default runs, from the worker's clock (bench/models/common.py, "
            "`ClientClock`): its updates, validations and jobs; the share of its wall time "
            "spent in lrfind_client's per-update calls (and the time per update), in the "
            "`next_lr` that ends a job (its `done` and the wait for what comes next), waiting "
            "for the next job, and all three; the per-update calls' own CPU time as a share of "
            "the worker's CPU time (and per update); and lrfind's own CPU time (the run's CPU "
            "less the worker process's, its imports included) and its share of the run's CPU.",
            "",
            "| model | opt | updates / evals / jobs | worker s (CPU) | per update: wall (us) | "
            "job ends | between jobs | all protocol, wall | per update: CPU share (us) | "
            "lrfind CPU s (share) |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for (n, o), c in costs.items():
        out.append(f"| {n} | {o} | {c['worker_steps']} / {c['worker_evals']} / "
                   f"{c['worker_jobs']} | {num(c['worker_wall'])} ({num(c['worker_cpu'])}) | "
                   f"{pct(c['per_update_share'])} ({num(c['per_update_us'], '{:.0f}')}) | "
                   f"{pct(c['job_end_share'])} | {pct(c['between_share'])} | "
                   f"{pct(c['protocol_share'])} | "
                   f"{pct(c['per_update_cpu_share'])} ({num(c['per_update_cpu_us'], '{:.0f}')})"
                   f" | {num(c['lrfind_cpu'], '{:.2f}')} ({pct(c['lrfind_cpu_share'])}) |")
    out += ["", "## Commands", ""]
    for variant, runs in drives.items():
        for (n, o), rs in runs.items():
            for r in rs:
                out.append(f"- `{r['command']}`: {fmt_lr(r['suggested_lr'])} in {r['wall']:.0f} s")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lrfind", required=True, help="the lrfind binary to drive with")
    parser.add_argument("--client", default=str(ROOT / "clients" / "python"),
                        help="the folder holding lrfind_client (put on the worker's PYTHONPATH)")
    parser.add_argument("--models", default=",".join(analyze_real.MODELS))
    parser.add_argument("--optimizers", default=",".join(analyze_real.OPTIMIZERS))
    parser.add_argument("--seeds", default="0,3,6", help="drive's --seed values, one run each")
    parser.add_argument("--race-budget", help="also run drive with this --race-budget")
    parser.add_argument("--workers", type=int, default=1,
                        help="processes training Prodigy and schedule-free (default 1)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per drive run")
    parser.add_argument("--out", default=str(oracle.RESULTS / "drive_quality"))
    parser.add_argument("--score-only", action="store_true",
                        help="run nothing: score the runs of --seeds the cache holds (seed 0's "
                             "default run and torch-lr-finder's timing must be there)")
    args = parser.parse_args()
    args.seeds = [int(s) for s in args.seeds.split(",")]
    oracle.one_thread()
    start = time.time()
    names, optimizers = args.models.split(","), args.optimizers.split(",")

    def progress(message):
        print(f"[{time.time() - start:6.0f} s] {message}", file=sys.stderr, flush=True)

    report = json.loads(GRID_REPORT.read_text())
    tables = report["tables"]
    if "char_finetune" in names:
        analyze_real.module("char_finetune").pretrain()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(Path(args.client).resolve()), os.environ.get("PYTHONPATH")) if p))
    self_tuned = self_tuned_runs(names, args.workers, progress)
    variants = [None] + ([args.race_budget] if args.race_budget else [])
    drives, tlf = {}, {}
    for variant in variants:
        runs = drives.setdefault(variant or "default", {})
        for n in names:
            for o in optimizers:
                runs[(n, o)] = []
                for s in args.seeds:
                    r = run_drive(args, n, o, s, variant, env, progress)
                    if r is not None:
                        runs[(n, o)].append(r)
                    if variant is None and s == 0:
                        tlf[(n, o)] = run_torch_lr_finder(args, n, o, progress)
                if not runs[(n, o)]:
                    sys.exit(f"no cached drive run of {n} {o} ({variant or 'default'})")
    scores = evaluate(args, names, optimizers, tables, drives, self_tuned)
    goals = {ob: {label: targets({ob: methods}, names, label)[ob] for label in methods
                  if label.startswith("lrfind drive")} for ob, methods in scores.items()}
    costs = cost_rows(names, optimizers, drives, tlf)
    wall = time.time() - start
    md = markdown(args, names, optimizers, tables, scores, goals, costs, drives, wall)
    Path(args.out + ".md").write_text(md)
    sys.stdout.write(md)

    def keyed(d):
        return {f"{k[0]}/{k[1]}": v for k, v in d.items()}

    oracle._write_json(Path(args.out + ".json"), dict(
        command=sys.argv, wall_seconds=wall, lrfind=args.lrfind, lrfind_sha256=sha(args.lrfind),
        models=names, optimizers=optimizers, seeds=args.seeds, grid_report=str(
            GRID_REPORT.relative_to(ROOT)),
        scores={f"{o}/{b}": v for (o, b), v in scores.items()},
        summary={f"{o}/{b}": {m: summary_of(per) for m, per in v.items()}
                 for (o, b), v in scores.items()},
        targets=keyed(goals), cost=keyed(costs),
        drive_runs={variant: keyed(runs) for variant, runs in drives.items()},
        torch_lr_finder=keyed(tlf)))


if __name__ == "__main__":
    main()
