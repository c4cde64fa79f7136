#!/usr/bin/env bash
# Service benchmarks: a real `tacit serve` process, loaded from the same
# machine, RUNS times from a fresh server each time; the medians are printed
# at the end.
#
#   bash scripts/bench-service.sh
#   RUNS=1 RATES=500 DURATION=5s JOBS=5 bash scripts/bench-service.sh   # a quick look
#
# 1. Verification throughput: POST /v1/attestations/verify (the auditor's
#    re-check: a full Groth16 verification, no state change) with a real
#    attestation made through the API, at each fixed rate in RATES for
#    DURATION, after a 3 s warm-up. The load comes from vegeta
#    ($VEGETA_VERSION, installed with `go install`), an open-loop generator:
#    requests leave at the set rate whether or not earlier ones have been
#    answered, so a server that falls behind shows it in the latencies.
# 2. Proof-job latency: JOBS jobs submitted one per second, each polled
#    every 10 ms until done; p50/p95/max of submit-to-done, with one and
#    with two in-process workers (memory storage), and with Redis and two
#    `tacit worker` processes (when redis-server is on PATH).
#
# Environment: RUNS (default 3), RATES (default "500 800", requests per
# second; empty skips part 1), DURATION (default 20s), JOBS (default 30;
# 0 skips part 2).
#
# Each figure line ends with ours_pct and others_pct: the CPU time of the
# processes under test plus the load generator, and of everything else on
# the machine, in percent of all cores over the run. A run with a high
# others_pct shared the cores with someone else; compare like with like.
set -euo pipefail
export LC_ALL=C

RUNS=${RUNS:-3}
RATES=${RATES-"500 800"}
DURATION=${DURATION:-20s}
JOBS=${JOBS:-30}
VEGETA_VERSION=v12.13.0
case $RUNS in '' | *[!0-9]* | 0) echo "bench-service: RUNS must be a positive integer" >&2; exit 2 ;; esac
case $JOBS in '' | *[!0-9]*) echo "bench-service: JOBS must be a non-negative integer" >&2; exit 2 ;; esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tacit-bench-service.XXXXXX")
source "$ROOT/scripts/bench-lib.sh"
cleanup() {
  kill_procs
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- build ---------------------------------------------------------------
echo "== build"
(cd "$ROOT" && go build -o bin/tacit ./cmd/tacit && go build -o "$WORK/service" ./bench/service)
GOBIN="$WORK" GOFLAGS=-mod=mod go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
TACIT="$ROOT/bin/tacit"
SERVICE="$WORK/service"
VEGETA="$WORK/vegeta"
cd "$WORK" # --dev keeps its keys, demo issuer and sealing key in ./.tacit-dev

machine_header "vegeta $VEGETA_VERSION, load generator on the same machine"

# --- processes -------------------------------------------------------------
# start_server ARGS...: a dev server on a free port; sets URL, SERVER and
# the demo API keys. Its request log goes to a file, as in production.
start_server() {
  local out="$WORK/server.out"
  rm -f "$out" "$out.err" # not the last server's lines: wait_for may look before the redirection truncates
  "$TACIT" serve --dev --addr 127.0.0.1:0 --rate 100000000 "$@" >"$out" 2>"$out.err" &
  SERVER=$!
  PIDS+=("$SERVER")
  wait_for "$out" '^tacit serving on ' "$SERVER"
  URL=$(sed -n 's/^tacit serving on \(http:[^ ]*\).*/\1/p' "$out")
  LENDER_KEY=$(sed -n 's/^demo lender key: //p' "$out")
  BUSINESS_KEY=$(sed -n 's/^demo business key: //p' "$out")
  AUDITOR_KEY=$(sed -n 's/^demo auditor key: //p' "$out")
}

# start_redis: a private redis-server; sets REDIS_URL.
start_redis() {
  local port
  port=$("$SERVICE" freeport)
  rm -f "$WORK/redis.out"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >"$WORK/redis.out" 2>&1 &
  PIDS+=("$!")
  wait_for "$WORK/redis.out" 'Ready to accept connections' "$!"
  REDIS_URL="redis://127.0.0.1:$port/0"
}

# start_worker NAME: a `tacit worker` process on REDIS_URL.
start_worker() {
  local out="$WORK/worker-$1.out"
  rm -f "$out" "$out.err"
  "$TACIT" worker --redis "$REDIS_URL" --keys .tacit-dev/keys --seal-key .tacit-dev/seal.key --name "$1" >"$out" 2>"$out.err" &
  PIDS+=("$!")
  wait_for "$out" '^tacit worker ' "$!"
}

# measure CMD...: runs CMD with its stdout in measure.out and sets CPU to
# "ours_pct=A others_pct=B server_cpu_ms=C": A is the CPU time of CMD and
# of every process started here, B the rest of the machine's busy time, both
# in percent of all cores over the run; C is the server's CPU time. On a
# shared machine, B says whether a run had the cores to itself.
HZ=$(getconf CLK_TCK)
procs_ticks() { # user+system ticks of the processes started here
  local pid sum=0
  for pid in "${PIDS[@]}"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
  echo "$sum"
}
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
measure() {
  local p0 p1 s0 s1 b0 b1 t0 t1 TIMEFORMAT='%U %S'
  p0=$(procs_ticks)
  s0=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
  read -r b0 t0 < <(machine_ticks)
  { time "$@" >measure.out 2>measure.err; } 2>measure.time || { cat measure.out measure.err >&2; exit 1; }
  p1=$(procs_ticks)
  s1=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
  read -r b1 t1 < <(machine_ticks)
  CPU=$(awk -v p=$((p1 - p0)) -v s=$((s1 - s0)) -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v hz="$HZ" \
    '{ ours = p + ($1 + $2) * hz; others = b - ours; if (others < 0) others = 0
       printf "ours_pct=%.0f others_pct=%.0f server_cpu_ms=%.0f", 100 * ours / t, 100 * others / t, 1000 * s / hz }' measure.time)
}

client_flags() {
  echo -url "$URL" -lender-key "$LENDER_KEY" -business-key "$BUSINESS_KEY" -credential cred.json -holder holder.key
}

# --- a business and its credential from the dev issuer --------------------
start_server --workers 0 # first start: development key setup
stop_all
SUBJECT=$("$TACIT" holder keygen --out holder.key | tail -1)
ASOF=$(date -u +%Y-%m)
START=$(date -u -d "$ASOF-01 -36 months" +%Y-%m)
EXPIRES=$(date -u -d "$ASOF-01 +12 months" +%F)
sed "s/\"periodStart\": *\"[0-9-]*\"/\"periodStart\": \"$START\"/" "$ROOT/examples/records/acme-bank-a.json" >records.json
"$TACIT" credential sign --key .tacit-dev/issuer.key --subject "$SUBJECT" --records records.json \
  --expires "$EXPIRES" --out cred.json >/dev/null

# --- 1. verification throughput ------------------------------------------
for run in $(seq "$RUNS"); do
  [ -n "$RATES" ] || break
  echo "== verify, run $run of $RUNS"
  start_server --workers 1
  # shellcheck disable=SC2046 # client_flags is a list of words
  "$SERVICE" attest $(client_flags) -out body.json
  printf 'POST %s/v1/attestations/verify\nAuthorization: Bearer %s\nContent-Type: application/json\n@%s/body.json\n' \
    "$URL" "$AUDITOR_KEY" "$WORK" >targets.txt
  "$VEGETA" attack -targets=targets.txt -rate=200/s -duration=3s -timeout=10s >/dev/null
  for rate in $RATES; do
    measure "$VEGETA" attack -targets=targets.txt -rate="$rate/s" -duration="$DURATION" -timeout=10s
    line=$("$VEGETA" report -type=json <measure.out | "$SERVICE" vegeta)
    line="$line $CPU"
    echo "verify $rate/s: $line"
    echo "$line" >>"verify-$rate.txt"
  done
  stop_all
done

# --- 2. proof-job latency at 1 job/s --------------------------------------
CONFIGS=("memory, 1 in-process worker" "memory, 2 in-process workers")
if command -v redis-server >/dev/null; then
  CONFIGS+=("redis, 2 tacit worker processes")
else
  echo "(redis-server not on PATH: skipping the Redis configuration)"
fi
start_config() {
  case $1 in
  "memory, 1 in-process worker") start_server --workers 1 ;;
  "memory, 2 in-process workers") start_server --workers 2 ;;
  "redis, 2 tacit worker processes")
    start_redis
    start_server --workers 0 --redis "$REDIS_URL"
    start_worker w1
    start_worker w2
    ;;
  esac
}
for run in $(seq "$RUNS"); do
  [ "$JOBS" -gt 0 ] || break
  for i in "${!CONFIGS[@]}"; do
    echo "== jobs, ${CONFIGS[$i]}, run $run of $RUNS"
    start_config "${CONFIGS[$i]}"
    # shellcheck disable=SC2046
    measure "$SERVICE" jobs $(client_flags) -n "$JOBS" -interval 1s
    line="$(cat measure.out) $CPU"
    echo "$line"
    echo "$line" >>"jobs-$i.txt"
    stop_all
  done
done

# --- summary ----------------------------------------------------------------
echo
echo "== medians of $RUNS run(s)"
for rate in $RATES; do
  echo "verify at $rate/s for $DURATION: $("$SERVICE" median <"verify-$rate.txt")"
done
for i in "${!CONFIGS[@]}"; do
  [ "$JOBS" -gt 0 ] || break
  echo "jobs at 1/s, ${CONFIGS[$i]}: $("$SERVICE" median <"jobs-$i.txt")"
done
