#!/usr/bin/env python3
"""lrfind's own ground truth (`lrfind sweep`) beside PyTorch's (bench/oracle.py's long budget).

`lrfind sweep` trains lrfind's MLP at every LR of the same grid (1e-5..1, 4 per decade), 3 seeds,
max(10 epochs, 500 steps), and reports the LR with the lowest mean best validation loss. That is
the in-tool ground truth a user can run on any CSV without Python. The oracle does the same in
PyTorch on the same cleaned table. They differ in the split (lrfind's own stratified 20% against
the oracle's seeded 80/20), the seeds' initial weights and batch orders, and how often validation
is measured, so they need not agree on the best LR: on flat bottoms a whole decade of LRs is within
noise of the best. What matters is whether the LR lrfind's sweep calls best is good in PyTorch.

For every table and optimizer this prints: the best LR by each, the distance between them in
decades, and the PyTorch regret (long budget, grid losses from the oracle's cache) of the LR the
sweep chose.

Command (from the repository root, after `python bench/datasets.py`, `cargo build --release` and
a run of oracle.py that filled the cache; trains nothing new):

    python bench/sweep_vs_torch.py --lrfind target/release/lrfind

writes bench/results/sweep_vs_torch.md.
"""
import argparse
import json
import math
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oracle  # noqa: E402


def sweep_best(binary, name, opt):
    args = oracle.lrfind_args(name, opt, "")
    # The oracle's range-test arguments, minus what `sweep` does not take.
    args = [a for a in args if a != "-q"]
    out = subprocess.run([binary, "sweep"] + args, capture_output=True, text=True)
    if out.returncode not in (0, 1) or not out.stdout.strip():
        raise RuntimeError(f"lrfind sweep on {name} ({opt}) exited {out.returncode}: {out.stderr}")
    return json.loads(out.stdout)["best_lr"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lrfind", default=str(oracle.ROOT / "target" / "release" / "lrfind"))
    parser.add_argument("--datasets", default="all")
    parser.add_argument("--optimizers", default="adam,sgd")
    parser.add_argument("--out", default=str(oracle.RESULTS / "sweep_vs_torch.md"))
    args = parser.parse_args()
    names = oracle.select(args.datasets)
    lines = ["# lrfind sweep against PyTorch (long budget)", "",
             f"`python bench/sweep_vs_torch.py --lrfind {Path(args.lrfind).name}`", "",
             "| table | group | optimizer | best LR, lrfind sweep | best LR, PyTorch | "
             "distance (decades) | PyTorch regret of the sweep's LR |",
             "|---|---|---|---|---|---|---|"]
    summary = {}
    for opt in args.optimizers.split(","):
        for name in names:
            mine = sweep_best(args.lrfind, name, opt)
            grid = oracle.grid_losses(name, opt, "long", workers=1)
            torch_best = min(grid, key=grid.get)
            regret = oracle.regret_of(oracle.interpolated_loss(grid, mine), grid[torch_best],
                                      oracle.initial_loss(name))
            dist = abs(math.log10(mine / torch_best))
            summary.setdefault(opt, []).append((dist, regret))
            group = oracle.manifest()[name]["group"]
            lines.append(f"| {name} | {group} | {opt} | {mine:.1e} | {torch_best:.1e} | "
                         f"{dist:.2f} | {regret:.3f} |")
            print(lines[-1], file=sys.stderr, flush=True)
    lines += [""]
    for opt, rows in summary.items():
        d, r = zip(*rows)
        lines.append(f"- {opt}: distance median {statistics.median(d):.2f} decades (max "
                     f"{max(d):.2f}); PyTorch regret of the sweep's LR median "
                     f"{statistics.median(r):.3f}, worst {max(r):.3f}, over {len(rows)} tables.")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
