#!/usr/bin/env bash
# Parquet and Feather against CSV on the same table, as whole lrfind processes (docs/performance.md
# and docs/data.md).
#
# Writes the 1M-row classification table of bench/e2e.sh (20 uniform features with five decimals,
# a 3-class label) to a temporary directory, converts it with pyarrow to Parquet (snappy, one row
# group) and Feather v2 (lz4, batches of 65,536 rows), and for each file measures
# `lrfind FILE --no-plot -q --no-verify` (the loader and three range tests, no race):
#   - wall time with hyperfine (mean ± standard deviation, min),
#   - peak resident set size with /usr/bin/time -v,
# with the default sample of 100,000 rows and with every row (`--max-rows all`); and the Parquet
# file from standard input (held in memory whole).
#
# Usage: bench/columnar.sh [ROWS]        # default 1000000
# Needs hyperfine, GNU time (`sudo apt-get install -y hyperfine time`) and a Python with the
# pinned pyarrow of bench/requirements.txt (PYTHON, default bench/.venv/bin/python, else python3).
# Honours CARGO_TARGET_DIR. Output is a Markdown table on stdout; progress goes to stderr.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-1000000}
python=${PYTHON:-bench/.venv/bin/python}
[ -x "$python" ] || python=python3

for tool in hyperfine /usr/bin/time cargo; do
    if ! command -v "$tool" >/dev/null; then
        echo "columnar.sh: '$tool' not found; install with: sudo apt-get install -y hyperfine time" >&2
        exit 2
    fi
done

target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build --release --quiet --bin lrfind)
bin=$target/release/lrfind

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "columnar.sh: writing $rows rows" >&2
"$root/bench/e2e.sh" --generate "$rows" cls "$tmp/t.csv"
"$python" "$root/bench/columnar_fixtures.py" --convert "$tmp/t.csv" "$tmp/t"
# Into the page cache, so that every run reads from memory.
cat "$tmp"/t.* > /dev/null

# measure LABEL FILE EXTRA...: one table row (a shell command when FILE is "-" read from the
# Parquet file).
measure() {
    local label=$1 file=$2; shift 2
    local cmd="$bin $file --no-plot -q --no-verify $*"
    local size
    if [ "$file" = "-" ]; then
        cmd="$cmd < $tmp/t.parquet"
        size=$(du -m "$tmp/t.parquet" | cut -f1)
    else
        size=$(du -m "$file" | cut -f1)
    fi
    hyperfine --style none --warmup 1 --runs 5 --export-json "$tmp/h.json" "$cmd" >&2
    /usr/bin/time -v sh -c "$cmd" >/dev/null 2>"$tmp/time.txt" || true
    local rss_kb
    rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
    "$python" - "$tmp/h.json" "$label" "$size" "$rss_kb" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"| {sys.argv[2]} | {sys.argv[3]} MB | {r['mean']:.3f} ± {r['stddev']:.3f} | {r['min']:.3f} "
      f"| {r['user']:.3f} | {int(sys.argv[4]) / 1000:.0f} MB |")
EOF
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| file | size | wall s (mean ± sd) | min s | user s | peak RSS |"
echo "|---|---|---|---|---|---|"
for max in default all; do
    extra=()
    [ "$max" = all ] && extra=(--max-rows all)
    for kind in csv parquet feather; do
        measure "$kind, $max rows" "$tmp/t.$kind" "${extra[@]}"
    done
done
measure "parquet from standard input, default rows" -
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
