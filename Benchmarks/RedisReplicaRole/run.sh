#!/bin/sh
# How long after `redis-cli --cluster create` (whose CLUSTER REPLICATE makes each replica one) a power cut can still
# take a Redis Cluster replica's role away: a six-node cluster (3 masters, 3 replicas, the settings of redis-cluster
# durability=replicated) is formed under the power-cut library, left alone for a seeded delay, killed, put back as a
# cut under the strict and the reorder model would leave it, restarted, and each former replica asked its role.
#
#   Benchmarks/RedisReplicaRole/run.sh            # 8 seeded delays from 0 to 60 s, both models (about 10 minutes)
#   SEED=7 COUNT=4 MODELS=reorder Benchmarks/RedisReplicaRole/run.sh
#
# Each cut's reorder choices are seeded with SEED plus its index. Prints one line per cut: the model, the delay, how many of the 3 replicas are still replicas, and what the cut undid.
# Loopback only; every node is killed and every file removed at the end, also on Ctrl-C.
set -u
cd "$(dirname "$0")/../.."
SURGEBENCH=${SURGEBENCH:-.build/release/surgebench}
LIBRARY=$(dirname "$SURGEBENCH")/libSurgePowerCut.so
SEED=${SEED:-2021}
COUNT=${COUNT:-8}
MODELS=${MODELS:-strict reorder}
[ -x "$SURGEBENCH" ] && [ -f "$LIBRARY" ] || { echo "build first: swift build -c release (needs $SURGEBENCH and $LIBRARY)" >&2; exit 1; }
DELAYS=$(python3 -c "import random; r = random.Random($SEED); print(' '.join('%.1f' % d for d in sorted(r.uniform(0, 60) for _ in range($COUNT))))")
WORK=$(mktemp -d /tmp/sb-role-XXXXXX)
# Below the ephemeral range (32768 and up) and the ports SurgeBench gives its own clusters (20000-39999 with their
# cluster-bus ports, +10000), so that nothing else holds one.
PORTS="7101 7102 7103 7104 7105 7106"
stop_nodes() { for port in $PORTS; do pkill -9 -f "redis-server 127.0.0.1:$port " 2>/dev/null; done; sleep 0.3; }
trap 'stop_nodes; rm -rf "$WORK"; exit 130' INT TERM
trap 'stop_nodes; rm -rf "$WORK"' EXIT

start_nodes() {  # $1: the cluster's folder; $2...: extra environment (the library's) for the nodes
    folder=$1; shift
    for port in $PORTS; do
        mkdir -p "$folder/node-$port"
        env "$@" redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file nodes.conf \
            --cluster-node-timeout 2000 --dir "$folder/node-$port" --save '' --appendonly yes --appendfsync everysec \
            --min-replicas-to-write 1 --min-replicas-max-lag 10 --daemonize yes --logfile redis.log
    done
    for port in $PORTS; do
        for _ in $(seq 50); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done 2>/dev/null
    done
}

echo "seed $SEED, delays after forming the cluster: $DELAYS s"
for model in $MODELS; do
    cut_index=0
    for delay in $DELAYS; do
        cut_index=$((cut_index + 1))
        folder=$WORK/cluster; rm -rf "$folder" "$WORK/shadow" "$WORK/journal"; mkdir -p "$folder" "$WORK/shadow"
        start_nodes "$folder" LD_PRELOAD="$(realpath "$LIBRARY")" SURGEBENCH_POWERCUT_DIR="$folder" \
            SURGEBENCH_POWERCUT_JOURNAL="$WORK/journal" SURGEBENCH_POWERCUT_SHADOW="$WORK/shadow"
        redis-cli --cluster create $(for port in $PORTS; do printf '127.0.0.1:%s ' "$port"; done) --cluster-replicas 1 --cluster-yes \
            > "$WORK/create.log" 2>&1 || { echo "forming the cluster failed: $(tail -3 "$WORK/create.log")" >&2; exit 1; }
        replicas=$(for port in $PORTS; do redis-cli -p "$port" role | head -1 | grep -q slave && echo "$port"; done)
        sleep "$delay"
        stop_nodes
        cut=$("$SURGEBENCH" apply-power-cut --journal "$WORK/journal" --directory "$folder" --model "$model" --seed $((SEED + cut_index)))
        start_nodes "$folder"
        sleep 6  # cluster-node-timeout 2 s: gossip settles the roles
        kept=0
        down=""
        for port in $replicas; do redis-cli -p "$port" role 2>/dev/null | head -1 | grep -q slave && kept=$((kept + 1)); done
        for port in $PORTS; do
            redis-cli -p "$port" ping 2>/dev/null | grep -q PONG || down="$down; node $port did not start: $(tail -1 "$folder/node-$port/redis.log" | cut -c1-160)"
        done
        echo "$model cut ${delay} s after forming: $kept of $(echo $replicas | wc -w) replicas kept their role; $cut$down"
        stop_nodes
    done
done
