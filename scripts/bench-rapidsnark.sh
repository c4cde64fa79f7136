#!/usr/bin/env bash
# Whole-process comparison of `tacit prove` against iden3's rapidsnark (C++
# and assembly; shared/peer/rapidsnark) proving the circom peer's statement
# (shared/peer/circom) with its witness precomputed, side by side in one run,
# so that the ratio, not the absolute figures, is what a noisy machine reports.
#
#   bash scripts/bench-rapidsnark.sh bin/tacit
#   STATEMENT=no-default/v2 RUNS=21 bash scripts/bench-rapidsnark.sh bin/tacit
#
# Environment:
#   STATEMENT  the tacit statement timed (default no-default/v2): a circuit id
#              of the no-default family, given to `keys setup --circuit` and
#              `prove --statement`
#   NAME       the --statement name given to `tacit prove` (default no-default);
#              the script stops unless it proves STATEMENT
#   RUNS       timed rounds after one untimed warm-up round (default 11)
#   PEER_DIR, RAPIDSNARK_DIR, TACIT_PEER_CACHE: see scripts/peer-build.sh,
#              which builds both peers once, outside the repository
#
# Each round runs, as separate processes and in an order that flips every
# round:
#   tacit prove (60-month credential, 24-month window; key load, witness, proof)
#   rapidsnark prover nodefault24.zkey witness.wtns proof.json public.json
# rapidsnark is handed the witness the peer's run.sh computed: that is
# generous to the peer, whose witness generation is not timed.
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: bash scripts/bench-rapidsnark.sh path/to/tacit" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ -x "$1" ] || { echo "bench-rapidsnark: $1 is not an executable (run 'make build' first)" >&2; exit 2; }
TACIT=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/bench-lib.sh"
RUNS=${RUNS:-11}
STATEMENT=${STATEMENT:-no-default/v2}
NAME=${NAME:-no-default}
case $RUNS in '' | *[!0-9]* | 0) echo "bench-rapidsnark: RUNS must be a positive integer" >&2; exit 2 ;; esac
case $STATEMENT in no-default/v[0-9]*) ;; *) echo "bench-rapidsnark: STATEMENT must be a no-default circuit id (no-default/v1, no-default/v2)" >&2; exit 2 ;; esac
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench-rapidsnark: needs bash >= 5 (for EPOCHREALTIME)" >&2; exit 1; }

CIRCOM=$(bash "$ROOT/scripts/peer-build.sh" circom | tail -n 1)
RAPID=$(bash "$ROOT/scripts/peer-build.sh" rapidsnark | tail -n 1)
PROVER=$RAPID/rapidsnark/build_prover/src/prover
ZKEY=$CIRCOM/build/nodefault24.zkey
WTNS=$CIRCOM/build/witness.wtns
for f in "$ZKEY" "$WTNS" "$CIRCOM/build/vkey.json"; do
  [ -f "$f" ] || { echo "bench-rapidsnark: the circom peer build lacks $f; remove $CIRCOM and rerun" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tacit-bench-rapidsnark.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# --- tacit: keys, an issuer, a holder, a 60-month credential, a nonce ---
echo "== preparing tacit in $WORK ($STATEMENT development keys, 60-month credential, 24-month window)"
T=$WORK/tacit
tacit_workload "$TACIT" "$T" "$STATEMENT"

# --- the commands compared ------------------------------------------------
tacit_prove() {
  "$TACIT" prove --keys "$T/keys" --statement "$NAME" --window 24 --as-of 2026-11 \
    --credential "$T/cred.json" --holder "$T/holder.key" --lender bank-a --nonce "$NONCE" --out "$T/att.json"
}
rapidsnark_prove() { "$PROVER" "$ZKEY" "$WTNS" "$WORK/proof.json" "$WORK/public.json"; }

# children_ms FILE: the user + system CPU time, in ms, of this shell's
# finished children as bash's times builtin wrote it to FILE (getrusage).
children_ms() {
  awk 'NR == 2 {
    split($1, u, /[ms]/); split($2, s, /[ms]/)
    printf "%d\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000
  }' "$1"
}

# timed FN: run FN once as its own process, append its wall time in
# microseconds to $WORK/FN.us and its CPU time (user + system) to
# $WORK/FN.cpu.us; stop with its output if it fails. times runs in this
# shell before and after (a command substitution's fork would start from
# zero), so the difference is FN's process alone. On a shared machine CPU
# time is the steadier figure; wall time is what a person waits.
timed() {
  local t0 t1
  times >"$WORK/times0"
  t0=${EPOCHREALTIME/[.,]/}
  if ! "$1" >"$WORK/last.log" 2>&1; then
    echo "bench-rapidsnark: $1 failed:" >&2
    cat "$WORK/last.log" >&2
    exit 1
  fi
  t1=${EPOCHREALTIME/[.,]/}
  times >"$WORK/times1"
  echo $((t1 - t0)) >>"$WORK/$1.us"
  echo $((($(children_ms "$WORK/times1") - $(children_ms "$WORK/times0")) * 1000)) >>"$WORK/$1.cpu.us"
}

round() {
  if [ "$1" = 1 ]; then
    timed rapidsnark_prove
    timed tacit_prove
  else
    timed tacit_prove
    timed rapidsnark_prove
  fi
}

echo "== 1 warm-up round, then $RUNS timed rounds (order alternates each round)"
round 0
grep -q "\"statement\": \"$STATEMENT\"" "$T/att.json" ||
  { echo "bench-rapidsnark: tacit prove --statement $NAME did not prove $STATEMENT; set NAME to a name of $STATEMENT" >&2; exit 1; }
# The warm-up's outputs must be real proofs: tacit's attestation verifies,
# and rapidsnark's proof carries the peer's expected public nullifier.
"$TACIT" verify --keys "$T/keys" --attestation "$T/att.json" --statement "$NAME" \
  --issuer "$ISSUER" \
  --lender bank-a --nonce "$NONCE" --as-of 2026-11 --min-window 24 >"$WORK/verify.log" 2>&1 ||
  { echo "bench-rapidsnark: tacit's attestation does not verify:" >&2; cat "$WORK/verify.log" >&2; exit 1; }
grep -q "\"$(cat "$CIRCOM/build/expected_nullifier.txt")\"" "$WORK/public.json" ||
  { echo "bench-rapidsnark: rapidsnark's public.json lacks the peer's expected nullifier" >&2; exit 1; }
timed_rounds "$RUNS"
# per-round ratios (x1000 so that stats' ms scaling gives the plain ratio):
# each pairs runs a fraction of a second apart, so they resist drifting load
paste "$WORK/tacit_prove.us" "$WORK/rapidsnark_prove.us" | awk '{print 1000 * $1 / $2}' >"$WORK/ratio.us"
paste "$WORK/tacit_prove.cpu.us" "$WORK/rapidsnark_prove.cpu.us" | awk '{print 1000 * $1 / $2}' >"$WORK/ratio.cpu.us"

# --- report ----------------------------------------------------------------
ROW_WIDTH=58
folder=${STATEMENT//\//-}
tacit_constraints=$(sed -n 's/^ *"constraints": *\([0-9]*\).*/\1/p' "$T/keys/$folder/manifest.json")
peer_constraints=$(sed -n 's/^non-linear constraints: *//p' "$CIRCOM/results/compile.txt" 2>/dev/null | head -n 1)
echo
echo "tacit:   $TACIT; $STATEMENT, ${tacit_constraints:-?} R1CS constraints (gnark Groth16, BN254)"
echo "peer:    rapidsnark 5b06dc0 ($PROVER) on circom nodefault24, ${peer_constraints:-?} R1CS constraints, witness precomputed"
echo "machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo
echo "whole processes over $RUNS rounds, in ms"
printf "  %-${ROW_WIDTH}s %9s %9s %9s\n" "" median min max
row "wall: tacit prove $STATEMENT (60-month credential, W=24)" tacit_prove
row "wall: rapidsnark prover (witness precomputed)" rapidsnark_prove
row "CPU (user + system): tacit prove" tacit_prove.cpu
row "CPU (user + system): rapidsnark prover" rapidsnark_prove.cpu
# ratios NAME LABEL: the ratio of medians and the median of per-round ratios
ratios() {
  local tm rm rr
  read -r tm _ <<<"$(stats "$WORK/tacit_prove$1.us")"
  read -r rm _ <<<"$(stats "$WORK/rapidsnark_prove$1.us")"
  read -r -a rr <<<"$(stats "$WORK/ratio$1.us")"
  awk -v l="$2" -v t="$tm" -v r="$rm" 'BEGIN { printf "  %s tacit / rapidsnark, ratio of medians: %.1f / %.1f = %.3f\n", l, t, r, t / r }'
  printf '  %s tacit / rapidsnark, median of per-round ratios: %.3f (min %.3f, max %.3f)\n' "$2" "${rr[0]}" "${rr[1]}" "${rr[2]}"
}
echo
ratios "" "wall:"
ratios .cpu "CPU: "
read -r tm _ <<<"$(stats "$WORK/tacit_prove.us")"
read -r rm _ <<<"$(stats "$WORK/rapidsnark_prove.us")"
awk -v t="$tm" -v r="$rm" 'BEGIN { printf "  target (issue 11, no-default/v2): wall ratio of medians <= 0.8: %s\n", (t / r <= 0.8 ? "MET" : "NOT MET") }'
