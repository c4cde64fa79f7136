#!/usr/bin/env bash
# Whole-process timing of `tacit prove --policy` for the three-issuer,
# four-rule example (3 credentials, policy/v1). It runs examples/policy/run.sh
# once to make keys, issuers and credentials in .demo/policy, rebuilds the
# registry with every issuer (the example ends with one removed), then times
# RUNS proofs and prints the median.
set -euo pipefail
TACIT=$(realpath "${1:-bin/tacit}")
RUNS=${RUNS:-9}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/examples/policy/run.sh" "$TACIT" > /dev/null 2>&1
cd "$ROOT/.demo/policy"
pub() { sed -n 's/.*"public":"\([0-9a-f]*\)".*/\1/p' "$1"; }
banks=() taxes=()
for f in issuers/main-bank.key issuers/second-bank.key issuers/bank-*.key; do banks+=(--issuer "$(pub "$f")"); done
for f in issuers/tax-bureau.key issuers/accountant-*.key; do taxes+=(--issuer "$(pub "$f")"); done
reg=$(mktemp) att=$(mktemp)
trap 'rm -f "$reg" "$att"' EXIT
rm -f "$reg"
"$TACIT" registry build --registry "$reg" --set accredited-banks --kind payment-history "${banks[@]}" > /dev/null
"$TACIT" registry build --registry "$reg" --set tax-authorities --kind revenue "${taxes[@]}" > /dev/null
nonce=$("$TACIT" nonce)
asof=$(date -u +%Y-%m)
times=()
for _ in $(seq "$RUNS"); do
  start=$EPOCHREALTIME
  "$TACIT" prove --keys keys --policy policy.json --registry "$reg" --as-of "$asof" --holder holder.key \
    --lender bank-c --nonce "$nonce" --credential cred-revenue.json --credential cred-main.json \
    --credential cred-second.json --out "$att" > /dev/null
  end=$EPOCHREALTIME
  times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { print (b - a) * 1000 }')")
done
"$TACIT" verify --keys keys --policy policy.json --registry "$reg" --attestation "$att" \
  --lender bank-c --nonce "$nonce" --as-of "$asof" > /dev/null
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$RUNS" '{t[NR]=$1} END {
  printf "tacit prove --policy (3 credentials, 4 rules), %d runs: median %.0f ms (min %.0f, max %.0f); target 1500 ms: %s\n",
    n, t[int((n+1)/2)], t[1], t[n], (t[int((n+1)/2)] <= 1500 ? "MET" : "NOT MET") }'
