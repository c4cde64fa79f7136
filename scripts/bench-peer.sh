#!/usr/bin/env bash
# Whole-process comparison of tacit against the circom 2 + snarkjs peer
# baseline (shared/peer/circom), run side by side in one session so that the
# ratio, not the absolute figures, is what a noisy machine reports.
#
#   bash scripts/bench-peer.sh bin/tacit
#   RUNS=21 bash scripts/bench-peer.sh bin/tacit
#
# Environment:
#   RUNS       timed rounds after one untimed warm-up round (default 11)
#   PEER_DIR   the peer's sources (default: ../shared/peer/circom beside the repo)
#   TACIT_PEER_CACHE  where the built peer is kept (default:
#              ${XDG_CACHE_HOME:-$HOME/.cache}/tacit-peer), one folder per
#              hash of the peer's files and the node version
#
# The peer is built once, outside the repository, with its own run.sh
# (npm ci, circom2 compile, inputs, local powers of tau, Groth16 setup;
# 3 to 5 minutes) and reused while its files are unchanged. Each round then
# runs, as separate processes and in alternating order:
#   tacit prove                 vs  generate_witness.js + snarkjs groth16 prove
#   tacit verify                vs  snarkjs groth16 verify
# The snarkjs figure for proving is the sum of the witness and prove
# processes of the same round, as the peer's README defines it.
set -euo pipefail
export LC_ALL=C

usage() { echo "usage: bash scripts/bench-peer.sh path/to/tacit" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ -x "$1" ] || { echo "bench-peer: $1 is not an executable (run 'make build' first)" >&2; exit 2; }
TACIT=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/scripts/bench-lib.sh"
PEER_DIR=${PEER_DIR:-$ROOT/../shared/peer/circom}
RUNS=${RUNS:-11}
CACHE=${TACIT_PEER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tacit-peer}
case $RUNS in '' | *[!0-9]* | 0) echo "bench-peer: RUNS must be a positive integer" >&2; exit 2 ;; esac

# --- requirements --------------------------------------------------------
missing=()
command -v node >/dev/null || missing+=("node >= 18 (Debian: apt-get install nodejs)")
command -v npm >/dev/null || missing+=("npm (Debian: apt-get install npm)")
for c in sha256sum realpath awk find sort; do command -v "$c" >/dev/null || missing+=("$c (coreutils/findutils/gawk)"); done
[ -f "$PEER_DIR/run.sh" ] || missing+=("the peer baseline at $PEER_DIR (set PEER_DIR)")
[ -n "${EPOCHREALTIME:-}" ] || missing+=("bash >= 5 (for EPOCHREALTIME)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench-peer: missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
PEER_DIR=$(realpath "$PEER_DIR")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tacit-bench-peer.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# --- the peer, built once per version of its files (scripts/peer-build.sh) ---
PEER=$(PEER_DIR="$PEER_DIR" TACIT_PEER_CACHE="$CACHE" bash "$ROOT/scripts/peer-build.sh" circom | tail -n 1)
B=$PEER/build
SNARKJS=$PEER/node_modules/snarkjs/build/cli.cjs
GENW=$B/nodefault24_js/generate_witness.js
WASM=$B/nodefault24_js/nodefault24.wasm
for f in "$SNARKJS" "$GENW" "$WASM" "$B/input.json" "$B/nodefault24.zkey" "$B/vkey.json"; do
  [ -f "$f" ] || { echo "bench-peer: the peer build lacks $f; remove $PEER and rerun" >&2; exit 1; }
done

# --- tacit: keys, an issuer, a holder, a 60-month credential, a nonce ---
echo "== preparing tacit in $WORK (development keys, 60-month credential, 24-month window)"
T=$WORK/tacit
tacit_workload "$TACIT" "$T"
ASOF=2026-11

# --- the commands compared ------------------------------------------------
tacit_prove() {
  "$TACIT" prove --keys "$T/keys" --statement no-default --window 24 --as-of "$ASOF" \
    --credential "$T/cred.json" --holder "$T/holder.key" --lender bank-a --nonce "$NONCE" --out "$T/att.json"
}
tacit_verify() {
  "$TACIT" verify --keys "$T/keys" --attestation "$T/att.json" --issuer "$ISSUER" \
    --lender bank-a --nonce "$NONCE" --as-of "$ASOF" --min-window 24
}
P=$WORK/peer
mkdir -p "$P"
snark_witness() { node "$GENW" "$WASM" "$B/input.json" "$P/witness.wtns"; }
snark_prove() { node "$SNARKJS" groth16 prove "$B/nodefault24.zkey" "$P/witness.wtns" "$P/proof.json" "$P/public.json"; }
snark_verify() { node "$SNARKJS" groth16 verify "$B/vkey.json" "$P/public.json" "$P/proof.json"; }

# timed NAME FUNC: run FUNC once as its own process(es), append the wall time
# in microseconds to $WORK/NAME.us; stop with its output if it fails.
timed() {
  local name=$1 fn=$2 t0 t1
  t0=${EPOCHREALTIME/[.,]/}
  if ! "$fn" >"$WORK/last.log" 2>&1; then
    echo "bench-peer: $name failed:" >&2
    cat "$WORK/last.log" >&2
    exit 1
  fi
  t1=${EPOCHREALTIME/[.,]/}
  echo $((t1 - t0)) >>"$WORK/$name.us"
}
# Count a snarkjs verification only if it printed OK, not on its exit status alone.
check_snark_ok() { grep -q 'OK' "$WORK/last.log" || { echo "bench-peer: snarkjs verify did not say OK:" >&2; cat "$WORK/last.log" >&2; exit 1; }; }

round() {
  local peer_first=$1
  if [ "$peer_first" = 1 ]; then
    timed snark_witness snark_witness
    timed snark_prove snark_prove
    timed tacit_prove tacit_prove
    timed snark_verify snark_verify
    check_snark_ok
    timed tacit_verify tacit_verify
  else
    timed tacit_prove tacit_prove
    timed snark_witness snark_witness
    timed snark_prove snark_prove
    timed tacit_verify tacit_verify
    timed snark_verify snark_verify
    check_snark_ok
  fi
}

echo "== 1 warm-up round, then $RUNS timed rounds (order alternates each round)"
round 0
timed_rounds "$RUNS"
paste "$WORK/snark_witness.us" "$WORK/snark_prove.us" | awk '{print $1 + $2}' >"$WORK/snark_witness_prove.us"
# per-round ratios (x1000 so that stats' ms scaling gives the plain ratio):
# each pairs runs seconds apart, so they resist drifting load better
paste "$WORK/tacit_prove.us" "$WORK/snark_witness_prove.us" | awk '{print 1000 * $1 / $2}' >"$WORK/ratio_prove.us"
paste "$WORK/tacit_verify.us" "$WORK/snark_verify.us" | awk '{print 1000 * $1 / $2}' >"$WORK/ratio_verify.us"

# --- report ----------------------------------------------------------------
median() { stats "$WORK/$1.us" | cut -d' ' -f1; }

peer_version() { node -p "require('$PEER/node_modules/$1/package.json').version"; }
tacit_constraints=$(sed -n 's/^ *"constraints": *\([0-9]*\).*/\1/p' "$T/keys/no-default-v2/manifest.json")
peer_constraints=$(sed -n 's/^non-linear constraints: *//p' "$PEER/results/compile.txt" 2>/dev/null | head -n 1)
echo
echo "tacit:   $TACIT; no-default/v2, ${tacit_constraints:-?} R1CS constraints (gnark Groth16, BN254)"
echo "peer:    circom2 $(peer_version circom2), snarkjs $(peer_version snarkjs), node $(node -v); nodefault24, ${peer_constraints:-?} R1CS constraints (--O2)"
echo "machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo
echo "whole-process wall time in ms over $RUNS rounds"
printf '  %-44s %9s %9s %9s\n' "" median min max
row "tacit prove (60-month credential, W=24)" tacit_prove
row "snarkjs: generate_witness.js (wasm)" snark_witness
row "snarkjs: groth16 prove" snark_prove
row "snarkjs: witness + prove (per-round sum)" snark_witness_prove
row "tacit verify" tacit_verify
row "snarkjs groth16 verify" snark_verify

tp=$(median tacit_prove)
sp=$(median snark_witness_prove)
tv=$(median tacit_verify)
sv=$(median snark_verify)
echo
awk -v tp="$tp" -v sp="$sp" -v tv="$tv" -v sv="$sv" 'BEGIN {
  r = tp / sp
  printf "  prove:  tacit / snarkjs(witness + prove) = %.1f / %.1f = %.3f (snarkjs is %.2fx slower)\n", tp, sp, r, sp / tp
  printf "  target: tacit prove <= 1/3 of snarkjs witness + prove: %s\n", (r <= 1 / 3 ? "MET" : "NOT MET")
  printf "  verify: tacit / snarkjs = %.1f / %.1f = %.3f (whole processes, start-up included)\n", tv, sv, tv / sv
}'
read -r -a rp <<<"$(stats "$WORK/ratio_prove.us")"
read -r -a rv <<<"$(stats "$WORK/ratio_verify.us")"
printf '  per-round ratios, median (min-max): prove %.3f (%.3f-%.3f), verify %.3f (%.3f-%.3f)\n' \
  "${rp[0]}" "${rp[1]}" "${rp[2]}" "${rv[0]}" "${rv[1]}" "${rv[2]}"
