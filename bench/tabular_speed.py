#!/usr/bin/env python3
"""`lrfind --model tabular` against fastai's `lr_find()` as whole processes, measured alternately:
each round runs every command once, in turn, so that the machine's load falls on all of them alike
(hyperfine runs one command's runs back to back). Prints each command's median and spread of wall
time and the ratios to fastai's (docs/performance.md, "The tabular model").

Usage (after `cargo build --release`, from the repository root):

    bench/.venv/bin/python bench/tabular_speed.py --rounds 7 [--lrfind target/release/lrfind]
"""
import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lrfind", default=str(ROOT / "target" / "release" / "lrfind"))
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--csv", default=str(ROOT / "data" / "digits.csv"))
    p.add_argument("--label", default="digit")
    # lrfind drops digits' three constant pixels; fastai is given the same 61 columns.
    p.add_argument("--drop", default="px0,px32,px39")
    a = p.parse_args()
    lrfind = [a.lrfind, a.csv, "--model", "tabular", "-q", "--no-plot"]
    commands = {
        "lrfind --model tabular (race)": lrfind,
        "lrfind --model tabular --no-verify": lrfind + ["--no-verify"],
        "fastai lr_find()": [sys.executable, str(ROOT / "bench" / "tabular_lr_find.py"), a.csv,
                             a.label, "--drop", a.drop],
    }
    times = {name: [] for name in commands}
    for r in range(a.rounds + 1):
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            took = time.perf_counter() - start
            if r > 0:  # the first round warms the page cache and is not counted
                times[name].append(took)
        if r > 0:
            print(f"round {r}: " + ", ".join(f"{t[-1]:.3f}" for t in times.values()),
                  file=sys.stderr)
    fastai = statistics.median(times["fastai lr_find()"])
    print(f"| command | median wall (s) | min | max | fastai's / this |")
    print("|---|---|---|---|---|")
    for name, t in times.items():
        m = statistics.median(t)
        print(f"| `{name}` | {m:.3f} | {min(t):.3f} | {max(t):.3f} | {fastai / m:.1f}x |")


if __name__ == "__main__":
    main()
