# Shared by the whole-process benchmark scripts (bash scripts/bench-*.sh),
# which source it after setting WORK, the folder of their NAME.us files:
# one figure per line, in microseconds.

# stats FILE -> "median min max" in ms
stats() {
  sort -n "$1" | awk '{v[NR] = $1 / 1000} END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.3f %.3f %.3f\n", m, v[1], v[NR]
  }'
}

# row LABEL NAME: a table row of $WORK/NAME.us, the label ROW_WIDTH wide
# (default 44).
row() {
  local s
  read -r -a s <<<"$(stats "$WORK/$2.us")"
  printf "  %-${ROW_WIDTH:-44}s %9.1f %9.1f %9.1f\n" "$1" "${s[0]}" "${s[1]}" "${s[2]}"
}

# timed_rounds N: N rounds of the script's `round ORDER` function after
# clearing the warm-up's figures, ORDER flipping between 0 and 1 each round
# so that neither side always runs first.
timed_rounds() {
  rm -f "$WORK"/*.us
  for i in $(seq "$1"); do
    round $((i % 2))
    printf '.'
  done
  echo
}

# tacit_workload TACIT DIR [CIRCUIT...]: in DIR, development keys (of the
# CIRCUITs, or of every circuit) in DIR/keys, an issuer, a holder, a
# 60-month credential DIR/cred.json (2021-11 .. 2026-10, all paid, varied
# amounts) and a nonce; sets ISSUER (its public key) and NONCE. The
# benchmarks prove over the 24 months before 2026-11.
tacit_workload() {
  local tacit=$1 dir=$2 c subject
  shift 2
  local args=()
  for c in "$@"; do args+=(--circuit "$c"); done
  mkdir -p "$dir"
  "$tacit" keys setup --dir "$dir/keys" "${args[@]}" >"$dir/setup.log" 2>&1 || { cat "$dir/setup.log" >&2; exit 1; }
  ISSUER=$("$tacit" issuer keygen --out "$dir/issuer.key" | tail -n 1)
  subject=$("$tacit" holder keygen --out "$dir/holder.key" | tail -n 1)
  awk 'BEGIN {
    printf "{\"periodStart\":\"2021-11\",\"months\":["
    for (i = 0; i < 60; i++) printf "%s{\"status\":\"ok\",\"amount\":%d}", (i ? "," : ""), 100000 + 1731 * i
    print "]}"
  }' >"$dir/records.json"
  "$tacit" credential sign --key "$dir/issuer.key" --subject "$subject" --records "$dir/records.json" \
    --issued 2026-10-15 --expires 2027-06-01 --out "$dir/cred.json" >/dev/null
  NONCE=$("$tacit" nonce | tail -n 1)
}

# --- processes (bench-service.sh, bench-workers.sh) -------------------------
# A script that starts servers, workers or Redis adds each PID to PIDS and
# calls kill_procs in its EXIT trap.
PIDS=()
BENCH=$(basename "$0" .sh)

kill_procs() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

# stop_all: SIGTERM every process started so far, and wait for each.
stop_all() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

# wait_for FILE PATTERN PID: until a line of FILE matches (up to 2 minutes),
# or PID exits.
wait_for() {
  for _ in $(seq 2400); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { echo "$BENCH: process $3 exited:" >&2; cat "$1" "$1.err" >&2 2>/dev/null; exit 1; }
    sleep 0.05
  done
  echo "$BENCH: timed out waiting for '$2' in $1" >&2
  exit 1
}

# machine_header TOOLS: the machine, the tool versions and the load before
# the run.
machine_header() {
  echo "== machine"
  lscpu | sed -n 's/^\(Model name\|CPU(s)\|Thread(s) per core\):  */\1: /p'
  echo "go: $(go version | cut -d' ' -f3-), $1"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
}
