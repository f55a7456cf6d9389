#!/usr/bin/env bash
# The protocol's overhead in lrfind drive: a worker that does no work (bench/drive_overhead.py with
# the Python client, examples/drive_null_worker.rs in Rust) answers one range test
# with a loss that falls a little each update, NaN at update N; lrfind's divergence watch answers
# with a stop, and the worker times its first update to that stop: the time lrfind took to read
# N + 1 steps through the protocol. Prints each run's steps per second and a markdown table of
# the median, lowest and highest over REPEATS runs (docs/drive.md, "Protocol overhead"). The ramp
# is 10N steps long, so that a worker that writes faster than lrfind reads is still streaming when
# the stop comes (lrfind records only up to the divergence), and --smoothing is 2.1/N decades so
# that the divergence watch's running median spans the 7 steps it spans in a default range test
# (100 steps over 7 decades at 0.2 decades): its window grows with the points per decade, and at
# the default smoothing a ramp this dense would time the watch's sorting, not the protocol.
#
#   bench/drive_overhead.sh                 # N=30000 REPEATS=5
#   N=100000 REPEATS=3 PYTHON=bench/.venv/bin/python bench/drive_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-30000}
REPEATS=${REPEATS:-5}
PYTHON=${PYTHON:-python3}
LRFIND=target/release/lrfind
SMOOTHING=$(python3 -c "print(2.1 / $N)")
cargo build --release --quiet --bin lrfind --example drive_null_worker
export PYTHONDONTWRITEBYTECODE=1

# One run: the worker's "N steps read by lrfind in S s: R steps/s" line.
one() {
    "$LRFIND" drive --runs 1 --no-verify --no-plot -q --steps $((10 * N)) --smoothing "$SMOOTHING" -- "$@" 2>&1 >/dev/null |
        grep "steps/s"
}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for worker in python rust; do
    for _ in $(seq "$REPEATS"); do
        if [ "$worker" = python ]; then
            line=$(one "$PYTHON" bench/drive_overhead.py --nan-at "$N")
        else
            line=$(one target/release/examples/drive_null_worker "$N")
        fi
        echo "$worker: $line" >&2
        echo "$worker $(echo "$line" | sed -E 's/.*: ([0-9]+) steps\/s.*/\1/')" >>"$results"
    done
done
for _ in $(seq "$REPEATS"); do
    "$PYTHON" bench/drive_overhead.py --alone 200000
done
python3 - "$results" "$N" "$REPEATS" <<'PY'
import statistics, sys
rates = {}
for line in open(sys.argv[1]):
    worker, rate = line.split()
    rates.setdefault(worker, []).append(int(rate))
n, repeats = sys.argv[2], sys.argv[3]
print("| worker | steps/s, median of %s | lowest | highest |" % repeats)
print("| --- | ---: | ---: | ---: |")
names = {"python": "Python client (bench/drive_overhead.py)", "rust": "Rust (examples/drive_null_worker.rs)"}
for worker, r in rates.items():
    print("| %s | %s | %s | %s |" % (names[worker], f"{int(statistics.median(r)):,}", f"{min(r):,}", f"{max(r):,}"))
PY
