#!/usr/bin/env bash
# `make bench-sharded`: the scale-out flow on one machine. Starts one throwaway PostgreSQL server (Unix socket only),
# replays a trace once whole and once as SHARDS shard processes started together (--start-at) against that one
# server, merges the shards (`surgebench merge`), and checks that the merged run and the whole run have identical
# operation counts per phase and kind and identical integrity verdicts. The server and its files are removed at the
# end, also on failure and Ctrl-C.
#
# Settings (environment): SHARDS (2), SHARDED_WORKLOAD (the scenario, scale, duration and seed), SHARDED_WORKERS
# (workers of each process), SHARDED_OUT (where the whole, shard and merged results folders go),
# SHARDED_START_MARGIN (seconds between launching the shards and their common start; the population must be built
# by then), SURGEBENCH (the binary).
set -euo pipefail
cd "$(dirname "$0")/../.."

surgebench=${SURGEBENCH:-.build/release/surgebench}
shards=${SHARDS:-2}
read -r -a workload <<< "${SHARDED_WORKLOAD:---scenario outage-2021 --scale 2 --duration 20s}"
workers=${SHARDED_WORKERS:-8}
out=${SHARDED_OUT:-results/runs/sharded-$(date -u +%Y%m%dT%H%M%SZ)}
margin=${SHARDED_START_MARGIN:-20}
bin=/usr/lib/postgresql/15/bin

log() { printf '[bench-sharded %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
[ -x "$surgebench" ] || { log "$surgebench is missing: run 'make build'"; exit 1; }
[ -x "$bin/pg_ctl" ] || { log "PostgreSQL 15 is not installed: run 'make deps'"; exit 1; }
command -v python3 >/dev/null || { log "the comparison needs python3: apt-get install -y python3"; exit 1; }
[ ! -e "$out" ] || { log "$out exists: remove it or give another SHARDED_OUT"; exit 1; }
as_server=()
[ "$(id -u)" = 0 ] && as_server=(/usr/sbin/runuser -u postgres --)

server=$(mktemp -d /tmp/surgebench-sharded.XXXXXX)
pids=()
cleanup() {
    status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "${as_server[@]}" "$bin/pg_ctl" -D "$server/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$server" "$out.trace"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
[ "$(id -u)" = 0 ] && chown postgres "$server"

log "starting a PostgreSQL server in $server (Unix socket only)"
"${as_server[@]}" "$bin/initdb" -D "$server/data" -U surgebench -A trust -E UTF8 --no-locale --no-sync > "$server/initdb.log"
"${as_server[@]}" "$bin/pg_ctl" -D "$server/data" -l "$server/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories='$server' -c port=5432 -c max_connections=200 -c fsync=on" start > /dev/null
for database in whole sharded; do "$bin/createdb" -h "$server" -U surgebench "$database"; done
url() { echo "host=$server port=5432 user=surgebench dbname=$1"; }

mkdir -p "$out"
"$surgebench" generate "${workload[@]}" --out "$out.trace" | sed 's/^/  /'

log "the whole trace in one process"
"$surgebench" run --trace "$out.trace" --backends postgres --option "url=$(url whole)" --workers "$workers" --plain-progress \
    --out "$out/whole" > "$out/whole.log" 2>&1 || { tail -5 "$out/whole.log"; log "the whole run failed (log: $out/whole.log)"; exit 1; }

start=$(( $(date +%s) + margin ))
log "$shards shard processes against the same server, starting together at $(date -u -d "@$start" +%H:%M:%S)"
for index in $(seq 0 $((shards - 1))); do
    "$surgebench" run --trace "$out.trace" --shard "$index/$shards" --start-at "$start" --backends postgres \
        --option "url=$(url sharded)" --workers "$workers" --plain-progress --out "$out/shard$index" > "$out/shard$index.log" 2>&1 &
    pids+=($!)
done
failed=0
for index in "${!pids[@]}"; do wait "${pids[$index]}" || { failed=1; tail -5 "$out/shard$index.log"; log "shard $index failed (log: $out/shard$index.log)"; }; done
pids=()
[ "$failed" = 0 ] || exit 1

log "merging"
"$surgebench" merge $(for index in $(seq 0 $((shards - 1))); do echo "$out/shard$index"; done) --out "$out/merged" > "$out/merge.log"
python3 - "$out/whole/results.json" "$out/merged/results.json" <<'PY'
import json, sys
whole, merged = (json.load(open(path)) for path in sys.argv[1:3])
a, b = whole["backends"][0], merged["backends"][0]
def counts(result):
    return {(phase["name"], operation["kind"]): operation["response"]["count"] for phase in result["phases"] for operation in phase["operations"]}
def verdict(result):
    integrity = result["integrity"]
    keys = ["lostRegistrations", "lostMessages", "unacknowledgedMessages", "chatsWithGaps", "unreadMismatches",
            "registrationsChecked", "messagesAcknowledged", "unreadChecked"]
    return {key: integrity.get(key) for key in keys} | {"intact": result["integrity"].get("problems") == [] and not integrity.get("unverifiable")}
problems = []
if counts(a) != counts(b):
    problems.append("operation counts per phase and kind differ: " + ", ".join(
        f"{key}: {counts(a).get(key)} vs {counts(b).get(key)}" for key in sorted(set(counts(a)) | set(counts(b))) if counts(a).get(key) != counts(b).get(key)))
if (a["completedOperations"], a["errorCount"]) != (b["completedOperations"], b["errorCount"]):
    problems.append(f"completed/errors differ: {a['completedOperations']}/{a['errorCount']} vs {b['completedOperations']}/{b['errorCount']}")
if verdict(a) != verdict(b):
    problems.append(f"integrity verdicts differ: {verdict(a)} vs {verdict(b)}")
print(f"whole:  {a['completedOperations']} operations, {a['achievedPerSecond']:.0f} ops/s, p99 {a['response']['p99Ms']:.2f} ms, integrity {verdict(a)}")
print(f"merged: {b['completedOperations']} operations, {b['achievedPerSecond']:.0f} ops/s, p99 {b['response']['p99Ms']:.2f} ms, integrity {verdict(b)}")
if problems:
    print("DIFFERENT: " + "; ".join(problems))
    sys.exit(1)
print("identical operation counts per phase and kind, identical integrity verdicts")
PY
log "results in $out/ (whole, shard0..$((shards - 1)), merged)"
