#!/usr/bin/env python3
"""bench/oracle.py without its grid training: every pick scored by interpolation on the grid
means of an earlier report (bench/results/oracle-final.json by default) instead of training the
grid again.

The grid depends only on the protocol, the tables and torch (oracle.py's docstring), not on
lrfind, so for the same `protocol` the committed means are exactly what the grid would train to
again; on this 2-core machine shared with other builds, retraining it (22 CPU-minutes quiet)
takes hours. lrfind and the competitors run as in oracle.py (the competitors' picks come from
its cache). Arguments are oracle.py's, plus `--grid-from REPORT.json`; `--exact` is refused.

    python bench/oracle_committed_grid.py --lrfind target/release/lrfind --datasets all \
        --optimizers adam,sgd --tag TAG > bench/results/TAG.md
"""
import json
import sys
from pathlib import Path

import oracle


def main():
    argv = sys.argv[1:]
    source = oracle.RESULTS / "oracle-final.json"
    if "--grid-from" in argv:
        i = argv.index("--grid-from")
        source = Path(argv[i + 1])
        del argv[i:i + 2]
    if "--exact" in argv:
        sys.exit("--exact trains at every pick; run bench/oracle.py for that")
    report = json.loads(source.read_text())
    if report["protocol"] != oracle.PROTOCOL:
        sys.exit(f"{source} is protocol {report['protocol']}, oracle.py is {oracle.PROTOCOL}")
    tables = report["tables"]

    def grid_losses(name, opt, budget, workers=None, weight_decay=0.0):
        assert weight_decay == 0.0
        grid = tables[name][opt][budget]["grid"]
        return {lr: grid[f"{lr:.5e}"] for lr in oracle.GRID}

    oracle.grid_losses = grid_losses
    oracle.initial_loss = lambda name: tables[name]["adam"]["long"]["untrained_loss"]
    oracle.train_missing = lambda requests, workers=None, progress=None: None
    sys.argv = [sys.argv[0]] + argv
    oracle.main()


if __name__ == "__main__":
    main()
