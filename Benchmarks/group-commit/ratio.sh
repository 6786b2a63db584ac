#!/usr/bin/env bash
# Group commit against its reference (make group-commit-ratio): for sqlite and lmdb in class power, RUNS times
# interleaved, SurgeBench replays 120,000 64-byte sends back to back with 8 workers and --option commit=group on a fresh
# store it leaves behind, then reference.c sends into that same store with the backend's own statements or keys,
# committing as many sends per transaction and sync as SurgeBench's groups held on average. Prints each run's two rates
# and their ratio, then the median ratio per backend. OPTIONS adds `run` options (for example "--option group-max-batch=4").
# Needs `make build` first.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-3}
read -r -a options <<< "${OPTIONS:-}"
surgebench=.build/release/surgebench
[ -x "$surgebench" ] || { echo "ratio.sh: $surgebench is missing: run 'make build' first" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/group-commit.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc -O2 -Wall -o "$work/reference" Benchmarks/group-commit/reference.c -lsqlite3 -llmdb
printf '| backend | run | SurgeBench group commit sends/s | mean sends per group | reference sends/s | ratio |\n|---|---:|---:|---:|---:|---:|\n'
for backend in sqlite lmdb; do
    ratios=()
    for run in $(seq "$runs"); do
        store="$work/$backend-$run"
        "$surgebench" run --scenario Benchmarks/group-commit/sends.yaml --backends "$backend" --durability power --mode closed \
            --workers 8 --option commit=group --option path="$store" "${options[@]}" --plain-progress --out "$work/results-$backend-$run" > "$work/run.log" 2>&1 \
            || { tail -5 "$work/run.log"; exit 1; }
        read -r rate group < <(python3 -c '
import json, sys
result = json.load(open(sys.argv[1]))["backends"][0]
sizes = result["storeStatistics"]["groupSizes"]
print(result["achievedPerSecond"], round(sum(s["size"] * s["groups"] for s in sizes) / sum(s["groups"] for s in sizes)))' \
            "$work/results-$backend-$run/results.json")
        reference=$("$work/reference" "$backend" "$store" 120000 "$group" | awk '{print $2}')
        ratio=$(python3 -c "print(f'{$rate / $reference:.2f}')")
        ratios+=("$ratio")
        printf '| %s | %d | %.0f | %d | %.0f | %s |\n' "$backend" "$run" "$rate" "$group" "$reference" "$ratio"
        rm -rf "$store"
    done
    echo "$backend: median ratio $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}') over $runs runs" >&2
done
