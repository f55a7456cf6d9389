#!/usr/bin/env bash
# End-to-end timing of lrfind as a whole process, for docs/performance.md (issue #5).
#
# Generates synthetic CSVs (20 numeric features plus a label; a 3-class classification file and a
# regression file per size) in a temporary directory that is removed on exit, then for each file:
#   - wall time with hyperfine (mean, standard deviation, min over a few runs),
#   - peak resident set size with /usr/bin/time -v,
#   - the cost of each stage (read, encode, train, suggest, plot) from examples/stages.rs,
# and the same for `lrfind data/digits.csv` with its PNG written to the temporary directory.
#
# Usage: bench/e2e.sh                      # 10k, 100k, 1M and 5M rows
#        SIZES="10000 100000" bench/e2e.sh  # a subset
#        bench/e2e.sh --generate ROWS cls|reg FILE   # only write one table
# Needs hyperfine and GNU time: `sudo apt-get install -y hyperfine time` on Debian or Ubuntu.
# Honours CARGO_TARGET_DIR. Output is a Markdown table on stdout; progress goes to stderr.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sizes=${SIZES:-"10000 100000 1000000 5000000"}

# gen ROWS TASK FILE: reproducible rows of 20 uniform(-1, 1) features; the label is a linear
# score cut into 3 classes, or the score plus a little noise for regression.
gen() {
    "$awk" -v n="$1" -v task="$2" 'BEGIN {
        srand(42); h = "f0"; for (j = 1; j < 20; j++) h = h ",f" j; print h ",y";
        for (i = 0; i < n; i++) {
            s = 0; line = "";
            for (j = 0; j < 20; j++) { v = rand() * 2 - 1; s += v * (j % 3 - 1); line = line sprintf("%.5f,", v) }
            if (task == "cls") y = (s < -0.5) ? 0 : ((s < 0.5) ? 1 : 2);
            else y = sprintf("%.5f", s + 0.1 * (rand() - 0.5));
            print line y
        }
    }' > "$3"
}

# `bench/e2e.sh --generate ROWS TASK FILE` writes one of the tables and stops (bench/columnar.sh
# uses it, so that the Parquet comparison runs on the same 1M-row table).
awk=$(command -v mawk || command -v awk)
if [ "${1:-}" = "--generate" ]; then
    gen "$2" "$3" "$4"
    exit 0
fi

for tool in hyperfine /usr/bin/time cargo; do
    if ! command -v "$tool" >/dev/null; then
        echo "e2e.sh: '$tool' not found; install with: sudo apt-get install -y hyperfine time" >&2
        exit 2
    fi
done

target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build --release --quiet && cargo build --release --quiet --example stages)
bin=$target/release/lrfind
stages=$target/release/examples/stages

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

runs_for() {
    if [ "$1" -le 100000 ]; then echo 5; elif [ "$1" -le 1000000 ]; then echo 3; else echo 2; fi
}

# measure NAME ROWS RUNS CSV...: one table row.
measure() {
    local name=$1 rows=$2 runs=$3; shift 3
    local csv=$tmp/$name.hyperfine.csv
    hyperfine --style none --warmup 1 --runs "$runs" --export-csv "$csv" \
        "$bin $* --plot $tmp/$name.png -q" >&2
    /usr/bin/time -v "$bin" "$@" --plot "$tmp/$name.png" -q >/dev/null 2>"$tmp/time.txt" || true
    local rss_kb
    rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
    local mb
    mb=$(du -m "$1" | cut -f1)
    # Raw f32 data: rows x (features + label) x 4 bytes.
    local feats
    feats=$(head -1 "$1" | tr ',' '\n' | wc -l)
    "$awk" -F, -v name="$name" -v rows="$rows" -v mb="$mb" -v rss="$rss_kb" -v cols="$feats" \
        'NR == 2 { raw = rows * cols * 4 / 1e6;
                   printf "| %s | %d | %d MB | %.3f ± %.3f | %.3f | %.0f MB | %.0f MB | %.2f |\n",
                          name, rows, mb, $2, $3, $7, rss / 1000, raw, rss * 1000 / (raw * 1e6) }' "$csv"
}

echo "| file | rows | CSV size | wall s (mean ± sd) | min s | peak RSS | raw f32 | RSS / raw |"
echo "|---|---|---|---|---|---|---|---|"
measure digits "$(($(wc -l < "$root/data/digits.csv") - 1))" 10 "$root/data/digits.csv"
for rows in $sizes; do
    for task in cls reg; do
        echo "e2e.sh: generating $rows rows ($task)" >&2
        gen "$rows" "$task" "$tmp/$task$rows.csv"
        measure "$task$rows" "$rows" "$(runs_for "$rows")" "$tmp/$task$rows.csv"
        # Stage costs for the 1M-row files (and whatever else is asked for in STAGE_SIZES).
        if [[ " ${STAGE_SIZES:-1000000} " == *" $rows "* ]]; then
            echo "e2e.sh: stages of $task$rows" >&2
            "$stages" "$tmp/$task$rows.csv" | sed "s/^/$task$rows /" >> "$tmp/stages.txt"
        fi
        rm -f "$tmp/$task$rows.csv"
    done
done

if [ -s "$tmp/stages.txt" ]; then
    echo
    echo "Stages (seconds, one run each; # lines are notes):"
    echo
    sed 's/^/    /' "$tmp/stages.txt"
fi
