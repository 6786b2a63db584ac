#!/usr/bin/env bash
# Builds the libFuzzer targets of Tests/Fuzz (address sanitizer, coverage), makes their seed corpora from the built-in
# scenarios, small generated traces and results folders, and runs each target for FUZZ_SECONDS (default 600).
# Run from the top folder with `make fuzz`. Settings (environment):
#   FUZZ_SECONDS  seconds per target (default 600)        FUZZ_TARGETS  which targets (default: scenario trace results)
#   FUZZ_DIR      where corpora and findings go (default .build-fuzz)
# A finding (a crash, a trap, a memory error, a timeout of over 10 s or an input using over 2 GB) stops that target;
# its input is kept as FUZZ_DIR/findings/<target>/crash-... and the script exits non-zero after running the others.
# Replay one with `.build-fuzz/release/FuzzTrace FILE` (for the results target, with SURGEBENCH_FUZZ_SEEDS set as below).
set -euo pipefail

seconds=${FUZZ_SECONDS:-600}
targets=${FUZZ_TARGETS:-scenario trace results}
dir=${FUZZ_DIR:-.build-fuzz}
surgebench=.build/release/surgebench
case $seconds in ''|*[!0-9]*) echo "FUZZ_SECONDS must be a whole number of seconds, got '$seconds'" >&2; exit 2 ;; esac
[ -x "$surgebench" ] || { echo "build surgebench first (make build)" >&2; exit 2; }
fuzzer_library=$(ls "$(dirname "$(readlink -f "$(command -v swift)")")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -1)
[ -n "$fuzzer_library" ] || { echo "this Swift toolchain has no libFuzzer (libclang_rt.fuzzer_no_main)" >&2; exit 2; }

echo "== building the fuzz targets (address sanitizer and coverage; the first build takes a few minutes)"
# SwiftPM names each executable's entry point itself, so the targets call libFuzzer's driver from their main.swift and
# link the libFuzzer without main; -sanitize=fuzzer would bring libFuzzer's own main.
mkdir -p "$dir"
build_log="$(cd "$dir" && pwd)/build.log"
# SwiftPM reuses its build plan while this package's manifest is unchanged, so source files added to SurgeBench since
# the last build would be left out ("cannot find ... in scope"): plan again every time (the objects are kept).
rm -f "$dir/release.yaml"
if ! (cd Tests/Fuzz && swift build -c release --build-path "$(cd ../.. && pwd)/$dir" \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
    -Xlinker "$fuzzer_library" -Xlinker -lstdc++ > "$build_log" 2>&1); then
    grep -E "error" "$build_log" | head -20 >&2
    echo "the build of the fuzz targets failed (log: $build_log)" >&2
    exit 1
fi
grep "Build complete" "$build_log" || true

echo "== seed corpora"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
seeds="$dir/seeds"
rm -rf "$seeds" && mkdir -p "$seeds" "$dir/corpus/scenario" "$dir/corpus/trace" "$dir/corpus/results"
for name in $("$surgebench" scenarios list | awk '/^[a-z0-9-]+ +[0-9]/ { print $1 }'); do
    "$surgebench" scenarios show "$name" > "$dir/corpus/scenario/builtin-$name.yaml"
done
for file in docs/*.yaml docs/examples/*.yaml; do cp "$file" "$dir/corpus/scenario/$(echo "$file" | tr / -)"; done
for scale in 0.05 0.3; do
    "$surgebench" generate --scenario smoke --scale $scale --duration 2s --out "$dir/corpus/trace/smoke-$scale.trace" >/dev/null
done
"$surgebench" run --scenario smoke --scale 0.3 --duration 2s --backends memory --shard 0/1 --plain-progress \
    --out "$seeds/run" >/dev/null
cp -r results/capacity-sqlite-power "$seeds/capacity"
cp -r results/growth "$seeds/growth"
cp -r results/durability/sqlite-full-process "$seeds/crash"
index=0
for file in run/results.json run/timeseries.csv run/memory-all.hgrm run/memory-replay.json capacity/capacity.json \
            growth/growth.json crash/crash.json; do
    { printf "\\x$(printf %02x $index)"; cat "$seeds/$file"; } > "$dir/corpus/results/seed-$index"
    index=$((index + 1))
done

export SURGEBENCH_FUZZ_SEEDS=$(cd "$seeds" && pwd)
# Leaks are not looked for, neither while fuzzing nor at exit: Foundation's file reading (FileManager.contents(atPath:),
# String(contentsOfFile:)) leaks its buffer on some files, an empty one for instance.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
failed=()
for target in $targets; do
    case $target in
        scenario) binary=FuzzScenario ;; trace) binary=FuzzTrace ;; results) binary=FuzzResults ;;
        *) echo "unknown fuzz target '$target' (scenario, trace, results)" >&2; exit 2 ;;
    esac
    findings="$dir/findings/$target"
    mkdir -p "$findings"
    echo "== $target: $seconds s (corpus $dir/corpus/$target, findings $findings)"
    if "$dir/release/$binary" "$dir/corpus/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 \
        -max_len=65536 -artifact_prefix="$findings/" -print_final_stats=1 > "$findings/log.txt" 2>&1; then
        tail -n 12 "$findings/log.txt" | grep -E "^stat::(number_of_executed_units|new_units_added|peak_rss_mb)|^Done" || true
        echo "   $target: no finding"
    else
        grep -E "ERROR|Fatal error|SUMMARY|Test unit written" "$findings/log.txt" | head -8
        echo "   $target: FINDING (log: $findings/log.txt)"
        failed+=("$target")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then echo "findings in: ${failed[*]}" >&2; exit 1; fi
