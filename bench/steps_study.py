#!/usr/bin/env python3
"""How many range-test steps give the best suggestion on large tables? (docs/quality.md)

Generates three large tables from random teacher networks, then for adam and sgd: sweeps fixed LRs
(`lrfind sweep`, 3 epochs, 2 seeds) for the ground truth, runs `lrfind` with 100, 200, 300, 600
steps and a full epoch (rows / 64), and scores each suggestion (median of 3 runs) by its regret.

Run from the repository root after `cargo build --release`:  python3 bench/steps_study.py
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

LRFIND = os.environ.get("LRFIND", "target/release/lrfind")


def teacher(path, rows, features, classes, noise, seed):
    rng = random.Random(seed)
    hidden = 16
    outputs = max(classes, 1)
    w1 = [[rng.gauss(0, 1) / math.sqrt(features) for _ in range(hidden)] for _ in range(features)]
    w2 = [[rng.gauss(0, 1) / math.sqrt(hidden) * 3 for _ in range(outputs)] for _ in range(hidden)]
    with open(path, "w") as f:
        f.write(",".join(f"f{j}" for j in range(features)) + ",label\n")
        for _ in range(rows):
            x = [rng.gauss(0, 1) for _ in range(features)]
            h = [math.tanh(sum(x[j] * w1[j][k] for j in range(features))) for k in range(hidden)]
            o = [sum(h[k] * w2[k][c] for k in range(hidden)) + noise * rng.gauss(0, 1) for c in range(outputs)]
            label = f"c{o.index(max(o))}" if classes > 1 else f"{o[0] * 50 + 200:.4f}"
            f.write(",".join(f"{v:.4f}" for v in x) + "," + label + "\n")


def run(args):
    out = subprocess.run([LRFIND] + args + ["--no-plot", "--json", "-"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    tmp = tempfile.mkdtemp()
    tables = {
        "100k x 20, 3 classes": (100_000, 20, 3, 0.3, 1),
        "60k x 10, regression": (60_000, 10, 1, 0.5, 7),
        "40k x 40, 10 classes": (40_000, 40, 10, 0.2, 9),
    }
    print("| table | optimizer | best LR (sweep) | " + " | ".join(f"{s} steps" for s in ["100", "200", "300", "600", "epoch"]) + " |")
    print("|---|---|---|---|---|---|---|---|")
    for name, spec in tables.items():
        path = os.path.join(tmp, "t.csv")
        teacher(path, *spec)
        for opt in ["adam", "sgd"]:
            sweep = run(["sweep", path, "--optimizer", opt, "--epochs", "3", "--seeds", "2"])
            l0, best = sweep["result"]["initial_loss"], sweep["result"]["best_loss"]
            picks = []
            epoch = str(spec[0] // 64)
            for steps in ["100", "200", "300", "600", epoch]:
                r = run([path, "--optimizer", opt, "--steps", steps])
                picks.append((r["suggested_lr"], r["spread_decades"], r["planned_steps"]))
            lrs = ",".join(f"{p[0]:g}" for p in picks)
            scored = run(["sweep", path, "--optimizer", opt, "--epochs", "3", "--seeds", "2", "--lrs", lrs])
            cells = []
            for (lr, spread, steps), point in zip(picks, scored["result"]["points"]):
                regret = min(1.0, max(0.0, (point["mean_loss"] - best) / (l0 - best)))
                cells.append(f"{regret:.3f} ({lr:.1e}, spread {spread:.2f})")
            print(f"| {name} | {opt} | {sweep['best_lr']:.1e} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
