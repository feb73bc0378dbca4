#!/usr/bin/env bash
# The cost of distribution: the hunting pack over the same export run here and on a Ballista
# cluster of one scheduler and two executors on this machine (all on loopback).
#
#   benches/cluster.sh [ROWS]          # default 10000000 DataSecurityEvents rows
#
# Environment: RUNS (runs per hunt and place, default 3), DATA (where the generated export goes,
# default benches/compare/data), CORES (task slots per executor, default 1),
# CARGO_TARGET_DIR (where the release build goes).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
runs="${RUNS:-3}"
rows="${1:-10000000}"
data="${DATA:-$here/compare/data}"
cores="${CORES:-1}"
target="${CARGO_TARGET_DIR:-$root/target}"

(cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release -p kqlite-cli)
kqlite="$target/release/kqlite"

# Scale 1 is 1,688 background DataSecurityEvents (as in compare/run.sh).
scale=$(( (rows + 1687) / 1688 ))
out="$data/rows-$rows"
if [ ! -f "$out/truth.json" ] || ! grep -q "\"scale\": $scale," "$out/truth.json"; then
    "$kqlite" generate --out "$out" --seed 42 --scale "$scale"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
logs="$(mktemp -d)"
port=$(free_port)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$logs"' EXIT
"$kqlite" scheduler --bind "127.0.0.1:$port" 2>"$logs/scheduler.log" & pids+=($!)
sleep 1
for i in 1 2; do
    "$kqlite" executor --scheduler "df://127.0.0.1:$port" --port "$(free_port)" \
        --grpc-port "$(free_port)" --cores "$cores" --work-dir "$logs" 2>"$logs/executor-$i.log" & pids+=($!)
done
cluster="df://127.0.0.1:$port"
for _ in $(seq 1 60); do
    "$kqlite" --cluster "$cluster" --data "$out" "DataSecurityEvents | count" >/dev/null 2>&1 && break
    sleep 1
done

# Wall time of one run, in ms.
timed() {
    local start end
    start=$(date +%s%N)
    "$kqlite" --data "$out" --now 2025-10-01 --format csv "$@" > "$logs/out.csv"
    end=$(date +%s%N)
    echo $(( (end - start) / 1000000 ))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== $rows rows (scale $scale), $runs runs per hunt, executors with $cores task slot(s) each"
printf '| hunt | here (ms) | cluster (ms) | same rows |\n|---|---|---|---|\n'
for hunt in "$root"/testdata/hunts/*.kql; do
    name=$(basename "$hunt" .kql)
    local_ms=(); cluster_ms=()
    for _ in $(seq 1 "$runs"); do
        local_ms+=("$(timed -f "$hunt")"); cp "$logs/out.csv" "$logs/here.csv"
        cluster_ms+=("$(timed --cluster "$cluster" -f "$hunt")")
    done
    same=$(cmp -s "$logs/here.csv" "$logs/out.csv" && echo yes || echo NO)
    echo "| $name | $(median "${local_ms[@]}") | $(median "${cluster_ms[@]}") | $same |"
done
