#!/usr/bin/env bash
# Many workers, measured: a fixed batch of proof jobs through one and two
# `tacit worker` processes, against one Redis and against a three-master
# Redis Cluster; then two `tacit serve` processes behind one Redis and 50
# concurrent verifications of one challenge split over both.
#
#   bash scripts/bench-workers.sh
#   RUNS=1 JOBS=10 bash scripts/bench-workers.sh   # a quick look
#
# 1. Batch: for each configuration (redis or cluster, 1 or 2 workers), a
#    fresh Redis (or cluster), a `tacit serve --workers 0` and the workers;
#    JOBS challenges are made first, then JOBS proof jobs are submitted at
#    once and each is polled every 10 ms until done. Reported: jobs/s over
#    the batch (first submission to last job done) and the p50/p95/max
#    submit-to-done time. The configurations alternate within each run,
#    so that a busy moment on the machine hits them alike; medians of RUNS.
# 2. Replay: one Redis, two servers (the first in --dev mode, which trusts
#    the demo issuer in the shared Redis; the second with its own API key
#    file holding a key for the same lender), one worker; one challenge is
#    proved, and its attestation is verified 50 times at once, alternating
#    between the servers. It must give one success and 49 challenge_used.
#
# Redis runs without persistence here (persistence costs nothing on the
# proving path; consuming a challenge waits as the README says).
#
# Environment: RUNS (default 3), JOBS (default 40).
set -euo pipefail
export LC_ALL=C

RUNS=${RUNS:-3}
JOBS=${JOBS:-40}
case $RUNS in '' | *[!0-9]* | 0) echo "bench-workers: RUNS must be a positive integer" >&2; exit 2 ;; esac
case $JOBS in '' | *[!0-9]* | 0) echo "bench-workers: JOBS must be a positive integer" >&2; exit 2 ;; esac
for cmd in redis-server redis-cli; do
  command -v "$cmd" >/dev/null || { echo "bench-workers: $cmd is missing (apt-get install -y redis-server)" >&2; exit 1; }
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tacit-bench-workers.XXXXXX")
source "$ROOT/scripts/bench-lib.sh"
cleanup() {
  kill_procs
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== build"
(cd "$ROOT" && go build -o bin/tacit ./cmd/tacit && go build -o "$WORK/service" ./bench/service)
TACIT="$ROOT/bin/tacit"
SERVICE="$WORK/service"
cd "$WORK" # --dev keeps its keys, demo issuer and sealing key in ./.tacit-dev

machine_header "redis: $(redis-server --version | cut -d' ' -f3)"

# start_server NAME ARGS...: a server on a free port; sets URL and SERVER,
# and the demo keys when it runs with --dev.
start_server() {
  local out="$WORK/server-$1.out"
  shift
  rm -f "$out" "$out.err"
  "$TACIT" serve --addr 127.0.0.1:0 --rate 100000000 "$@" >"$out" 2>"$out.err" &
  SERVER=$!
  PIDS+=("$SERVER")
  wait_for "$out" '^tacit serving on ' "$SERVER"
  URL=$(sed -n 's/^tacit serving on \(http:[^ ]*\).*/\1/p' "$out")
  if grep -q '^demo lender key: ' "$out"; then
    LENDER_KEY=$(sed -n 's/^demo lender key: //p' "$out")
    BUSINESS_KEY=$(sed -n 's/^demo business key: //p' "$out")
  fi
}

# redis_node PORT [ARGS...]: one redis-server in its own directory.
redis_node() {
  local port=$1
  shift
  mkdir -p "$WORK/redis-$port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis-$port" "$@" \
    >"$WORK/redis-$port.out" 2>&1 &
  PIDS+=("$!")
  wait_for "$WORK/redis-$port.out" 'Ready to accept connections' "$!"
}

# start_redis: one Redis; sets STORE (the serve and worker flags).
start_redis() {
  local port
  port=$("$SERVICE" freeport)
  redis_node "$port"
  STORE=(--redis "redis://127.0.0.1:$port/0")
}

# start_cluster: three masters joined by redis-cli; sets STORE.
start_cluster() {
  local ports=() addrs=() p
  for _ in 1 2 3; do
    p=$("$SERVICE" freeport)
    redis_node "$p" --cluster-enabled yes --cluster-config-file "$WORK/redis-$p/nodes.conf" --cluster-node-timeout 2000
    ports+=("$p")
    addrs+=("127.0.0.1:$p")
  done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$WORK/cluster-create.out" 2>&1
  for p in "${ports[@]}"; do
    for _ in $(seq 200); do
      redis-cli -p "$p" cluster info | grep -q '^cluster_state:ok' && break
      sleep 0.05
    done
  done
  STORE=(--redis-cluster "redis://${addrs[0]}?addr=${addrs[1]}&addr=${addrs[2]}")
}

# start_worker NAME: a `tacit worker` process on STORE.
start_worker() {
  local out="$WORK/worker-$1.out"
  rm -f "$out" "$out.err"
  "$TACIT" worker "${STORE[@]}" --keys .tacit-dev/keys --seal-key .tacit-dev/seal.key --name "$1" >"$out" 2>"$out.err" &
  PIDS+=("$!")
  wait_for "$out" '^tacit worker ' "$!"
}

client_flags() {
  echo -url "$URL" -lender-key "$LENDER_KEY" -business-key "$BUSINESS_KEY" -credential cred.json -holder holder.key
}

# --- a business and its credential from the dev issuer --------------------
start_server setup --dev --workers 0 # first start: development key setup
stop_all
SUBJECT=$("$TACIT" holder keygen --out holder.key | tail -1)
ASOF=$(date -u +%Y-%m)
START=$(date -u -d "$ASOF-01 -36 months" +%Y-%m)
EXPIRES=$(date -u -d "$ASOF-01 +12 months" +%F)
sed "s/\"periodStart\": *\"[0-9-]*\"/\"periodStart\": \"$START\"/" "$ROOT/examples/records/acme-bank-a.json" >records.json
"$TACIT" credential sign --key .tacit-dev/issuer.key --subject "$SUBJECT" --records records.json \
  --expires "$EXPIRES" --out cred.json >/dev/null

# --- 1. a batch of jobs -----------------------------------------------------
CONFIGS=("redis, 1 worker" "redis, 2 workers" "cluster, 1 worker" "cluster, 2 workers")
for run in $(seq "$RUNS"); do
  for i in "${!CONFIGS[@]}"; do
    config=${CONFIGS[$i]}
    echo "== batch of $JOBS jobs, $config, run $run of $RUNS"
    case $config in redis*) start_redis ;; cluster*) start_cluster ;; esac
    start_server batch --dev --workers 0 "${STORE[@]}"
    start_worker w1
    case $config in *"2 workers") start_worker w2 ;; esac
    load0=$(cut -d' ' -f1 /proc/loadavg)
    # shellcheck disable=SC2046 # client_flags is a list of words
    line="$("$SERVICE" batch $(client_flags) -n "$JOBS") load1_before=$load0"
    echo "$line"
    echo "$line" >>"batch-$i.txt"
    stop_all
  done
done

# --- 2. replay protection across two servers --------------------------------
echo "== replay: two servers, one Redis, 50 verifications of one challenge"
start_redis
start_server a --dev --workers 0 "${STORE[@]}"
URL_A=$URL
"$TACIT" apikey new --auth b-keys.jsonl --name bank-a --role lender >b-lender.out
LENDER_B=$(grep -o 'tacit_[A-Za-z0-9_-]*' b-lender.out | head -1)
[ -n "$LENDER_B" ] || { echo "bench-workers: no API key in: $(cat b-lender.out)" >&2; exit 1; }
start_server b --workers 0 "${STORE[@]}" --keys .tacit-dev/keys --seal-key .tacit-dev/seal.key --auth b-keys.jsonl
URL_B=$URL
URL=$URL_A
start_worker w1
# shellcheck disable=SC2046
REPLAY=$("$SERVICE" replay $(client_flags) -url2 "$URL_B" -lender-key2 "$LENDER_B" -n 50)
echo "$REPLAY"
stop_all

# --- summary ----------------------------------------------------------------
echo
echo "== medians of $RUNS run(s), $JOBS jobs submitted at once"
for i in "${!CONFIGS[@]}"; do
  echo "batch, ${CONFIGS[$i]}: $("$SERVICE" median <"batch-$i.txt")"
done
echo "replay across two servers: $REPLAY"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
