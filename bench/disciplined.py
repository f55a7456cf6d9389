#!/usr/bin/env python3
"""The disciplined approach under test: does lrfind's recommended (weight decay, LR) pair beat its
single range test at weight decay 0?

`lrfind data.csv --weight-decay 0,1e-5,1e-4,1e-3` runs one range test (and LR race) per weight
decay and recommends one configuration and its LR. This script scores that pair against PyTorch
training, on the protocol of bench/oracle.py (its docstring: model, split, seeds, budgets,
divergence, caching), extended with a weight decay:

1. Ground truth. For every table, optimizer and budget, PyTorch trains every pair (wd, lr) of the
   grid WEIGHT_DECAYS x oracle.GRID (4 x 21 pairs; wd is torch.optim's `weight_decay=`, an L2
   term in the gradient of every parameter, biases included), 3 seeds. L(wd, lr) is the mean
   over the seeds of each run's best validation loss (the loss itself, no L2 term). L** = the
   lowest L over the 84 pairs (the best pair), L0 = the untrained loss, and
   regret(wd, lr) = (L(wd, lr) - L**) / (L0 - L**) clamped to [0, 1]. Weight decay 0 is the
   oracle's own grid and cache (same keys), so none of it is retrained.
2. lrfind's recommended pair: `lrfind <oracle.lrfind_args> --weight-decay 0,1e-5,1e-4,1e-3`
   (every other option at its default: seed 0, 3 runs, the race), scored at (recommended
   weight_decay, recommended lr).
3. lrfind's single test: `lrfind <oracle.lrfind_args>` (all defaults, weight decay 0: the
   oracle's "default runs"), scored at (0, suggested_lr) against the same L**.
4. Context: the best LR at weight decay 0 in hindsight per table (how much any weight decay could
   gain at all), the best of lrfind's own 4 groups' suggestions in hindsight (what a perfect
   choice among its configurations would give), and the fixed baselines: the best fixed pair in
   hindsight per group (the grid pair with the lowest median regret over the group's tables,
   ties broken by the worst) and the best fixed LR at weight decay 0 in hindsight.

Picks (2, 3 and the groups' suggestions in 4) are scored exactly by default: trained at the
pick, 3 seeds, cached like the grid. `--interpolate` scores them instead by interpolating L
linearly in log10(lr) along their weight decay's row of the grid (oracle.interpolated_loss);
it trains nothing once the grid is cached. The JSON keeps both scores when both are known.

Wall time: each lrfind command runs `--repeats` times (default 3), single and list alternating,
before any training, and its median is reported; `--hyperfine TABLE` also runs hyperfine on the
raw bench/data/TABLE.csv with lrfind's defaults, with and without the list.

Command (from the repository root, after `python bench/datasets.py` and `cargo build --release`):

    python bench/disciplined.py --lrfind target/release/lrfind --datasets all \
        --optimizers adam,sgd --hyperfine digits

writes bench/results/disciplined.md and bench/results/disciplined.json (`--out` changes the
stem); progress goes to stderr. `--check` first verifies that the stacked seeds train with weight
decay exactly as separate nn.Sequential models do. See bench/README.md.
"""
import argparse
import json
import math
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracle  # noqa: E402
from oracle import GRID, SEEDS, round_lr  # noqa: E402

WEIGHT_DECAYS = (0.0, 1e-5, 1e-4, 1e-3)
WD_LIST = "0,1e-5,1e-4,1e-3"
PAIRS = tuple((wd, lr) for wd in WEIGHT_DECAYS for lr in GRID)
# Two regrets closer than this count as a tie in the win / tie / loss counts.
TIE = 1e-3


def log(start, message):
    print(f"[{time.time() - start:6.0f} s] {message}", file=sys.stderr, flush=True)


def fmt_wd(wd):
    """0, 1e-5, 1e-4, 1e-3: as lrfind's list spells them."""
    if wd is None:
        return "none"
    if wd == 0:
        return "0"
    mantissa, exponent = f"{wd:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def flr(lr):
    return "none" if lr is None else f"{lr:.1e}"


# ------------------------------------------------------------------------------------ lrfind


class LrfindFailed(RuntimeError):
    """lrfind exited with an error (not 0, nor 1 for "no LR") or wrote no JSON."""


def run_json(cmd):
    """Runs an lrfind command; (its JSON report, wall seconds)."""
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    # 0 a suggestion, 1 none, 3 a suggestion lrfind doubts (it is scored all the same).
    if out.returncode not in (0, 1, 3) or not out.stdout.strip():
        raise LrfindFailed(f"exited {out.returncode}: {out.stderr.strip()}")
    return json.loads(out.stdout), wall


def lrfind_picks(binary, name, opt, tag, repeats):
    """lrfind's single test and its weight-decay list on one table, each run `repeats` times
    (alternating) for its wall time. The JSONs are kept under cache/lrfind/<tag>/<table>/."""
    single_cmd = [binary] + oracle.lrfind_args(name, opt, "")
    list_cmd = single_cmd + ["--weight-decay", WD_LIST]
    times = {"single": [], "list": []}
    reports = {"single": [], "list": []}
    errors = {}
    for _ in range(repeats):
        for which, cmd in (("single", single_cmd), ("list", list_cmd)):
            if which in errors:
                continue
            try:
                report, wall = run_json(cmd)
            except LrfindFailed as e:  # scored as no pick (regret 1), as the oracle does
                errors[which] = str(e)
                continue
            times[which].append(wall)
            reports[which].append(report)
    if "single" in errors:
        raise RuntimeError(f"lrfind's single test on {name} ({opt}) {errors['single']}")
    single = reports["single"][0]
    listed = reports["list"][0] if reports["list"] else None
    deterministic = (all(r["suggested_lr"] == single["suggested_lr"] for r in reports["single"])
                     and all(r["recommended"] == listed["recommended"] for r in reports["list"]))
    folder = oracle.CACHE / "lrfind" / tag / name
    oracle._write_json(folder / f"{opt}-default.json", single)
    if listed:
        oracle._write_json(folder / f"{opt}-wdlist.json", listed)
    rec = listed.get("recommended") if listed else None
    if rec:
        recommended = dict(wd=float(rec["knobs"]["weight_decay"]), lr=rec["lr"],
                           label=rec["label"], chosen_by=rec["chosen_by"],
                           val_loss=rec.get("val_loss"), runner_up=rec.get("runner_up"),
                           smith=rec.get("smith"))
    else:
        recommended = dict(wd=None, lr=None, chosen_by="error" if "list" in errors else "none")
    return dict(
        single_lr=single["suggested_lr"],
        recommended=recommended,
        list_error=errors.get("list"),
        groups=[dict(wd=float(g["knobs"]["weight_decay"]), suggested_lr=g["suggested_lr"],
                     suggested_by=g.get("suggested_by"), unstable=g.get("unstable"))
                for g in (listed["groups"] if listed else [])],
        seconds=dict(single=times["single"], list=times["list"],
                     single_median=statistics.median(times["single"]),
                     list_median=statistics.median(times["list"]) if times["list"] else None),
        deterministic=deterministic,
        single_cmd=[Path(binary).name] + single_cmd[1:], list_cmd=[Path(binary).name] + list_cmd[1:])


def hyperfine(binary, table, out_json):
    """The brief's hyperfine comparison on the raw CSV (lrfind's defaults otherwise)."""
    if not shutil.which("hyperfine"):
        return None
    csv = oracle.DATA / f"{table}.csv"
    single = f"{binary} {csv} --no-plot"
    listed = f"{single} --weight-decay {WD_LIST}"
    subprocess.run(["hyperfine", "-N", "--warmup", "1", "--export-json", str(out_json),
                    single, listed], check=True, stdout=sys.stderr)
    data = json.loads(Path(out_json).read_text())
    return dict(commands=[single, listed],
                results=[{k: r[k] for k in ("command", "mean", "stddev", "median", "min", "max")}
                         | dict(runs=len(r["times"])) for r in data["results"]])


# ----------------------------------------------------------------------------------- scoring


def seed_losses(name, opt, budget, wd, lr):
    cache = oracle.RunCache(oracle.load_table(name), opt, budget, round_lr(wd))
    return [cache.get(lr, s)["best"] for s in SEEDS]


def exact_loss(name, opt, budget, wd, lr):
    return statistics.fmean(seed_losses(name, opt, budget, wd, lr))


def paired(name, opt, budget, a, b, scale):
    """Seed by seed (same init and batch order), (L_a - L_b) / scale: the mean and its standard
    error over the seeds, in regret units (before the clamp to [0, 1])."""
    if a["lr"] is None or b["lr"] is None:
        return None
    la, lb = (seed_losses(name, opt, budget, p["wd"], p["lr"]) for p in (a, b))
    diffs = [(x - y) / scale for x, y in zip(la, lb)]
    return dict(mean=statistics.fmean(diffs),
                se=statistics.stdev(diffs) / math.sqrt(len(diffs)), per_seed=diffs)


def score_table(name, opt, budget, picks, exact):
    """Everything about one (table, optimizer, budget): the grid, L**, and every pick's regret."""
    rows = {wd: oracle.grid_losses(name, opt, budget, workers=1, weight_decay=wd)
            for wd in WEIGHT_DECAYS}
    l0 = oracle.initial_loss(name)
    best_wd, best_lr = min(PAIRS, key=lambda p: rows[p[0]][p[1]])
    best = rows[best_wd][best_lr]

    def regret(loss):
        return oracle.regret_of(loss, best, l0)

    def pick(wd, lr):
        if lr is None:  # no suggestion or an error: scored 1, as the oracle scores "no pick"
            return dict(wd=wd, lr=None, regret_interpolated=1.0, regret=1.0,
                        **({"regret_exact": 1.0} if exact else {}))
        interp = regret(oracle.interpolated_loss(rows[wd], lr))
        out = dict(wd=wd, lr=lr, regret_interpolated=interp)
        if exact:
            out["regret_exact"] = regret(exact_loss(name, opt, budget, wd, lr))
        out["regret"] = out["regret_exact"] if exact else interp
        return out

    rec = picks["recommended"]
    recommended = dict(pick(rec["wd"], rec["lr"]), chosen_by=rec["chosen_by"])
    single = pick(0.0, picks["single_lr"])
    groups = [dict(pick(g["wd"], g["suggested_lr"]), suggested_by=g["suggested_by"])
              for g in picks["groups"]]
    row_best = {}
    for wd in WEIGHT_DECAYS:
        lr = min(GRID, key=rows[wd].get)
        row_best[fmt_wd(wd)] = dict(lr=lr, loss=rows[wd][lr], regret=regret(rows[wd][lr]))
    return dict(
        best_pair=dict(wd=best_wd, lr=best_lr), best_loss=best, untrained_loss=l0,
        grid={fmt_wd(wd): {f"{lr:.5e}": rows[wd][lr] for lr in GRID} for wd in WEIGHT_DECAYS},
        pair_regrets={f"{fmt_wd(wd)}@{lr:.5e}": regret(rows[wd][lr]) for wd, lr in PAIRS},
        best_per_wd=row_best,
        recommended=recommended,
        single=single,
        # Recommended minus single, seed by seed: is a difference more than seed noise?
        paired=paired(name, opt, budget, recommended, single, l0 - best)
        if exact and l0 > best else None,
        groups=groups,
        best_group=min(groups, key=lambda g: g["regret"]) if groups else dict(regret=1.0),
        list_error=picks["list_error"],
    )


def training_requests(names, optimizers, budgets, picks, exact):
    reqs = [(n, o, b, lr, wd) for n in names for o in optimizers for b in budgets
            for wd, lr in PAIRS]
    if exact:
        for n in names:
            for o in optimizers:
                p = picks[(n, o)]
                lrs = [(p["recommended"]["wd"], p["recommended"]["lr"]), (0.0, p["single_lr"])]
                lrs = [(wd, lr) for wd, lr in lrs if wd is not None]
                lrs += [(g["wd"], g["suggested_lr"]) for g in p["groups"]]
                reqs += [(n, o, b, lr, wd) for b in budgets for wd, lr in lrs if lr is not None]
    return reqs


# ---------------------------------------------------------------------------------- summary


METHODS = {
    "lrfind recommended pair (--weight-decay list)": lambda r: r["recommended"]["regret"],
    "lrfind single test (wd 0)": lambda r: r["single"]["regret"],
    "best of lrfind's 4 groups' suggestions, in hindsight": lambda r: r["best_group"]["regret"],
    "best LR at wd 0, in hindsight per table": lambda r: r["best_per_wd"]["0"]["regret"],
}


def summarise(names, optimizers, budgets, results):
    groups = {"confirm": [n for n in names if oracle.manifest()[n]["group"] == "confirm"],
              "tune": [n for n in names if oracle.manifest()[n]["group"] == "tune"]}
    if groups["confirm"] and groups["tune"]:
        groups["all"] = list(names)
    groups = {g: m for g, m in groups.items() if m}
    summary = {}
    for o in optimizers:
        for b in budgets:
            s = {}
            for g, members in groups.items():
                rs = [results[(n, o, b)] for n in members]
                row = {m: dict(median=statistics.median(f(r) for r in rs),
                               worst=max(f(r) for r in rs)) for m, f in METHODS.items()}
                row["lrfind recommended pair (--weight-decay list)"]["no_pick"] = sum(
                    r["recommended"]["lr"] is None for r in rs)
                row["lrfind single test (wd 0)"]["no_pick"] = sum(
                    r["single"]["lr"] is None for r in rs)
                row["list errors"] = [n for n, r in zip(members, rs) if r["list_error"]]
                pair = {(wd, lr): [r["pair_regrets"][f"{fmt_wd(wd)}@{lr:.5e}"] for r in rs]
                        for wd, lr in PAIRS}
                key = lambda p: (statistics.median(pair[p]), max(pair[p]))  # noqa: E731
                fixed_pair = min(PAIRS, key=key)
                fixed_lr = min([p for p in PAIRS if p[0] == 0.0], key=key)
                row["best fixed pair in hindsight"] = dict(
                    median=key(fixed_pair)[0], worst=key(fixed_pair)[1],
                    wd=fixed_pair[0], lr=fixed_pair[1])
                row["best fixed LR at wd 0 in hindsight"] = dict(
                    median=key(fixed_lr)[0], worst=key(fixed_lr)[1], wd=0.0, lr=fixed_lr[1])
                diff = [r["recommended"]["regret"] - r["single"]["regret"] for r in rs]
                row["recommended vs single"] = dict(
                    wins=sum(d < -TIE for d in diff), ties=sum(abs(d) <= TIE for d in diff),
                    losses=sum(d > TIE for d in diff),
                    median_difference=statistics.median(diff))
                pr = [r["paired"] for r in rs if r["paired"]]
                row["recommended vs single"]["beyond 2 SE"] = dict(
                    better=sum(p["mean"] < -2 * p["se"] for p in pr),
                    worse=sum(p["mean"] > 2 * p["se"] for p in pr), of=len(pr))
                row["recommended wd"] = {fmt_wd(wd): sum(r["recommended"]["wd"] == wd for r in rs)
                                         for wd in WEIGHT_DECAYS}
                row["best pair's wd"] = {fmt_wd(wd): sum(r["best_pair"]["wd"] == wd for r in rs)
                                         for wd in WEIGHT_DECAYS}
                s[g] = row
            summary[(o, b)] = s
    return groups, summary


def cell(c):
    extra = f", {c['no_pick']} no pick" if c.get("no_pick") else ""
    return f"{c['median']:.3f} / {c['worst']:.3f}{extra}"


def markdown(args, names, optimizers, budgets, picks, results, groups, summary, timing, wall,
             version):
    cols = list(groups)
    scored = ("exactly (trained at the pick, 3 seeds, cached)" if not args.interpolate else
              "by interpolation in log10 LR along the pick's weight-decay row of the grid")
    out = ["# The disciplined approach: lrfind's (weight decay, LR) pair against PyTorch", "",
           f"`{shlex.join(['python'] + sys.argv)}`", "",
           f"{version}; {len(names)} tables ({', '.join(f'{len(m)} {g}' for g, m in groups.items() if g != 'all')}); "
           f"optimizers {', '.join(optimizers)}; budgets {', '.join(budgets)}; "
           f"lrfind's picks scored {scored}; grid pairs trained exactly. "
           f"Wall time of this run {wall:.0f} s.", "",
           f"Grid: weight decay in {{{', '.join(fmt_wd(w) for w in WEIGHT_DECAYS)}}} x 21 LRs "
           "1e-5..1 (4 per decade), 3 seeds each. Regret of a pair = (L(wd, lr) - L**) / "
           "(L0 - L**) capped to [0, 1], L** the best of the 84 grid pairs' mean losses. "
           "Protocol: the docstrings of bench/disciplined.py and bench/oracle.py.", "",
           "lrfind list command (as the oracle runs lrfind, on the cleaned CSV): `lrfind "
           "<table>.csv --target <label> --task <task> --optimizer <opt> [--momentum 0.9 for sgd] "
           f"--json - --no-plot -q --weight-decay {WD_LIST}`; single test: the same without "
           "`--weight-decay`. Every other option at lrfind's default (seed 0, 3 runs, the race).",
           "", "## Summary: median / worst regret", ""]
    for o in optimizers:
        for b in budgets:
            s = summary[(o, b)]
            out += [f"### {o}, {b} budget", "",
                    "| method | " + " | ".join(f"{g} ({len(groups[g])})" for g in cols) + " |",
                    "|---|" + "---|" * len(cols)]
            for m in METHODS:
                out.append(f"| {m} | " + " | ".join(cell(s[g][m]) for g in cols) + " |")
            for m in ("best fixed pair in hindsight", "best fixed LR at wd 0 in hindsight"):
                out.append(f"| {m} | " + " | ".join(
                    f"{cell(s[g][m])} (wd {fmt_wd(s[g][m]['wd'])}, LR {s[g][m]['lr']:.1e})"
                    for g in cols) + " |")
            out.append("| recommended vs single: wins / ties / losses (median difference) | "
                       + " | ".join(
                           f"{c['wins']} / {c['ties']} / {c['losses']} ({c['median_difference']:+.3f})"
                           for c in (s[g]["recommended vs single"] for g in cols)) + " |")
            if not args.interpolate:
                out.append("| recommended vs single, seed-paired: better / worse by more than 2 SE | "
                           + " | ".join(
                               f"{c['better']} / {c['worse']} of {c['of']}"
                               for c in (s[g]["recommended vs single"]["beyond 2 SE"]
                                         for g in cols)) + " |")
            out.append("| lrfind list exited with an error | " + " | ".join(
                ", ".join(s[g]["list errors"]) or "none" for g in cols) + " |")
            out.append("| recommended wd: " + ", ".join(fmt_wd(w) for w in WEIGHT_DECAYS) + " | "
                       + " | ".join(", ".join(str(v) for v in s[g]["recommended wd"].values())
                                    for g in cols) + " |")
            out.append("| best pair's wd: " + ", ".join(fmt_wd(w) for w in WEIGHT_DECAYS) + " | "
                       + " | ".join(", ".join(str(v) for v in s[g]["best pair's wd"].values())
                                    for g in cols) + " |")
            out.append("")
    out += [f"A tie is a difference in regret of at most {TIE}. Seed-paired: the recommended "
            "pair's and the single test's losses share each seed's init and batch order, so their "
            "difference is taken seed by seed (in units of L0 - L**) and compared with twice its "
            "standard error over the 3 seeds. The best of lrfind's groups and the best LR at wd 0 "
            "are hindsight bounds, not methods. No pick (lrfind gave no LR, or the list run "
            "exited with an error) scores 1, as in the oracle.", ""]

    out += ["## Wall time of lrfind: the 4-value list against a single test", "",
            f"Median of {args.repeats} runs each (single and list alternating, before any "
            "training; the machine's 2 cores are shared, so expect noise), on the cleaned CSV "
            "with the oracle's arguments.", "",
            "| table | group | " + " | ".join(f"{o} single (s) | {o} list (s) | {o} ratio"
                                             for o in optimizers) + " |",
            "|---|---|" + "---|---|---|" * len(optimizers)]
    for n in names:
        cells = []
        for o in optimizers:
            t = picks[(n, o)]["seconds"]
            if t["list_median"] is None:
                cells.append(f"{t['single_median']:.2f} | error | -")
            else:
                cells.append(f"{t['single_median']:.2f} | {t['list_median']:.2f} | "
                             f"{t['list_median'] / t['single_median']:.1f}x")
        out.append(f"| {n} | {oracle.manifest()[n]['group']} | " + " | ".join(cells) + " |")
    out.append("")
    for o in optimizers:
        for g, members in groups.items():
            ts = [picks[(n, o)]["seconds"] for n in members]
            ts = [t for t in ts if t["list_median"] is not None]
            if not ts:
                out.append(f"- {o}, {g}: no list run succeeded.")
                continue
            ratios = [t["list_median"] / t["single_median"] for t in ts]
            tot_s = sum(t["single_median"] for t in ts)
            tot_l = sum(t["list_median"] for t in ts)
            timing.setdefault("summary", {}).setdefault(o, {})[g] = dict(
                median_ratio=statistics.median(ratios), min_ratio=min(ratios),
                max_ratio=max(ratios), total_single=tot_s, total_list=tot_l, tables=len(ts))
            out.append(f"- {o}, {g} ({len(ts)} tables{' with a list run' if len(ts) < len(members) else ''}): "
                       f"list / single median ratio {statistics.median(ratios):.1f}x "
                       f"(range {min(ratios):.1f}x-{max(ratios):.1f}x); total {tot_s:.1f} s "
                       f"single, {tot_l:.1f} s list.")
    out.append("")
    if timing.get("hyperfine"):
        h = timing["hyperfine"]
        out += [f"hyperfine on the raw `{args.hyperfine}.csv` (lrfind's defaults): "
                "`hyperfine -N --warmup 1 '<single>' '<list>'`", "",
                "| command | mean (s) | stddev (s) | min (s) | max (s) | runs |",
                "|---|---|---|---|---|---|"]
        for r in h["results"]:
            cmd = r["command"].replace(str(oracle.ROOT) + "/", "")
            out.append(f"| `{cmd}` | {r['mean']:.3f} | {r['stddev']:.3f} | {r['min']:.3f} | "
                       f"{r['max']:.3f} | {r['runs']} |")
        out += ["", f"ratio of means: {h['results'][1]['mean'] / h['results'][0]['mean']:.1f}x", ""]

    for o in optimizers:
        for b in budgets:
            out += [f"## Per table: {o}, {b} budget", "",
                    "Regret (weight decay, LR). Best pair: its wd and LR (regret 0 by definition); "
                    "best at wd 0: the best LR on the weight-decay-0 row.", "",
                    "| table | group | L** | L0 | best pair | best at wd 0 | lrfind recommended "
                    "(chosen by) | lrfind single test | recommended - single, seed-paired (mean "
                    "± SE) | lrfind's groups (wd 0, 1e-5, 1e-4, 1e-3) |",
                    "|---|---|---|---|---|---|---|---|---|---|"]
            for n in names:
                r = results[(n, o, b)]
                bp, b0 = r["best_pair"], r["best_per_wd"]["0"]
                rec, sg = r["recommended"], r["single"]
                out.append(
                    f"| {n} | {oracle.manifest()[n]['group']} | {r['best_loss']:.4g} | "
                    f"{r['untrained_loss']:.4g} | {fmt_wd(bp['wd'])}, {bp['lr']:.1e} | "
                    f"{b0['regret']:.3f} ({b0['lr']:.1e}) | "
                    f"{rec['regret']:.3f} ({fmt_wd(rec['wd'])}, {flr(rec['lr'])}; {rec['chosen_by']}) | "
                    f"{sg['regret']:.3f} (0, {flr(sg['lr'])}) | "
                    + (f"{r['paired']['mean']:+.4f} ± {r['paired']['se']:.4f} | " if r["paired"]
                       else "- | ")
                    + ", ".join(f"{g['regret']:.3f}" for g in r["groups"]) + " |")
            out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------------------------ checks


def check():
    """The stacked seeds train with weight decay as separate nn.Sequential models do."""
    from test_oracle import best_alone
    for name, opt, lr, wd in [("wine", "adam", 3e-3, 1e-3), ("wine", "adam", 3e-3, 0.3),
                              ("diabetes", "sgd", 1e-2, 0.1)]:
        table = oracle.load_table(name)
        stacked = oracle.train_runs(table, opt, "short", lr, SEEDS, wd)
        plain = oracle.train_runs(table, opt, "short", lr, SEEDS)
        for seed, run, run0 in zip(SEEDS, stacked, plain):
            ref = best_alone(table, opt, lr, seed, weight_decay=wd)
            assert abs(run["best"] / ref - 1) < 1e-5, (name, opt, wd, seed, run["best"], ref)
            assert run["best"] != run0["best"], ("weight decay had no effect", name, opt, wd)
    print("check: stacked seeds with weight decay train as separate models", file=sys.stderr)


# -------------------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lrfind", default=str(oracle.ROOT / "target" / "release" / "lrfind"))
    parser.add_argument("--datasets", default="all", help="all, tune, confirm or NAME,NAME,...")
    parser.add_argument("--optimizers", default="adam,sgd")
    parser.add_argument("--budgets", default="long,short")
    parser.add_argument("--tag", default="disciplined",
                        help="names the folder of the saved lrfind runs under cache/lrfind/")
    parser.add_argument("--out", default=str(oracle.RESULTS / "disciplined"),
                        help="stem of the report: STEM.md and STEM.json")
    parser.add_argument("--interpolate", action="store_true",
                        help="score lrfind's picks by interpolation on their wd row (no training "
                             "beyond the grid) instead of exactly")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each lrfind command")
    parser.add_argument("--hyperfine", metavar="TABLE", help="also run hyperfine on this table")
    parser.add_argument("--workers", type=int, default=oracle.WORKERS)
    parser.add_argument("--check", action="store_true", help="verify weight-decay training first")
    args = parser.parse_args()
    oracle.one_thread()
    start = time.time()
    if args.check:
        check()
    names = oracle.select(args.datasets)
    # Confirm first: lrfind's rules were tuned on the tune group.
    names.sort(key=lambda n: oracle.manifest()[n]["group"] != "confirm")
    optimizers, budgets = args.optimizers.split(","), args.budgets.split(",")
    exact = not args.interpolate
    version = subprocess.run([args.lrfind, "--version"], capture_output=True, text=True,
                             check=True).stdout.strip()
    commit = subprocess.run(["git", "-C", str(oracle.ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    version = f"{version} (commit {commit})"

    picks = {}
    for n in names:
        for o in optimizers:
            picks[(n, o)] = lrfind_picks(args.lrfind, n, o, args.tag, args.repeats)
    log(start, f"lrfind ran on {len(names)} tables x {len(optimizers)} optimizers")
    timing = {}
    if args.hyperfine:
        timing["hyperfine"] = hyperfine(args.lrfind, args.hyperfine,
                                        Path(args.out).with_suffix(".hyperfine.json"))
        log(start, "hyperfine ran")

    reqs = training_requests(names, optimizers, budgets, picks, exact)
    oracle.train_missing(reqs, workers=args.workers, progress=lambda m: log(start, m))
    results = {(n, o, b): score_table(n, o, b, picks[(n, o)], exact)
               for n in names for o in optimizers for b in budgets}
    groups, summary = summarise(names, optimizers, budgets, results)
    wall = time.time() - start
    md = markdown(args, names, optimizers, budgets, picks, results, groups, summary, timing,
                  wall, version)
    out = Path(args.out)
    out.with_suffix(".md").write_text(md + "\n")
    oracle._write_json(out.with_suffix(".json"), dict(
        command=sys.argv, lrfind=dict(path=args.lrfind, version=version), exact=exact,
        wall_seconds=wall, protocol=oracle.PROTOCOL, weight_decays=list(WEIGHT_DECAYS),
        grid=list(GRID), seeds=list(SEEDS), groups=groups, tie=TIE,
        lrfind_runs={f"{n}/{o}": picks[(n, o)] for n in names for o in optimizers},
        tables={n: {o: {b: results[(n, o, b)] for b in budgets} for o in optimizers}
                for n in names},
        summary={o: {b: summary[(o, b)] for b in budgets} for o in optimizers},
        timing=timing))
    log(start, f"wrote {out.with_suffix('.md')} and {out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
