#!/usr/bin/env bash
# Whole-process timing of `tacit prove --policy` for the three-issuer,
# four-rule example (3 credentials, 4 rules), policy/v2 (the default) side
# by side with policy/v1. It runs examples/policy/run.sh once to make keys,
# issuers and credentials in .demo/policy, rebuilds the registry with every
# issuer (the example ends with one removed), signs the same records again
# in layout v1 for policy/v1, then times RUNS proofs of each, alternating
# v1 and v2, and prints the medians and their ratio.
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
reg=$(mktemp) att=$(mktemp) v1=$(mktemp -d)
trap 'rm -rf "$reg" "$att" "$v1"' EXIT
rm -f "$reg"
"$TACIT" registry build --registry "$reg" --set accredited-banks --kind payment-history "${banks[@]}" > /dev/null
"$TACIT" registry build --registry "$reg" --set tax-authorities --kind revenue "${taxes[@]}" > /dev/null
subject=$(sed -n 's/.*"subject": *"\([0-9a-f]*\)".*/\1/p' cred-main.json | head -1)
for c in main:main-bank:payment-history:main-bank second:second-bank:payment-history:second-bank revenue:tax-bureau:revenue:revenue; do
  IFS=: read -r name issuer kind records <<< "$c"
  "$TACIT" credential sign --layout v1 --key "issuers/$issuer.key" --kind "$kind" --subject "$subject" \
    --records "records-$records.json" --expires 2099-12-31 --out "$v1/cred-$name.json" > /dev/null
done
nonce=$("$TACIT" nonce)
asof=$(date -u +%Y-%m)
# prove ID DIR: one whole `tacit prove` of the policy by statement ID with DIR's credentials; prints
# the wall-clock ms, then the process's CPU ms (user + system: less disturbed by other load).
prove() {
  local start end cpu
  start=$EPOCHREALTIME
  cpu=$( { /usr/bin/time -f '%U %S' "$TACIT" prove --keys keys --statement "$1" --policy policy.json --registry "$reg" \
    --as-of "$asof" --holder holder.key --lender bank-c --nonce "$nonce" --credential "$2/cred-revenue.json" \
    --credential "$2/cred-main.json" --credential "$2/cred-second.json" --out "$att" > /dev/null; } 2>&1 | tail -1)
  end=$EPOCHREALTIME
  awk -v a="$start" -v b="$end" -v c="$cpu" 'BEGIN { split(c, u, " "); print (b - a) * 1000, (u[1] + u[2]) * 1000 }'
  "$TACIT" verify --keys keys --policy policy.json --registry "$reg" --attestation "$att" \
    --lender bank-c --nonce "$nonce" --as-of "$asof" > /dev/null
}
t1=() t2=() c1=() c2=()
for _ in $(seq "$RUNS"); do
  read -r w c < <(prove policy/v1 "$v1"); t1+=("$w") c1+=("$c")
  read -r w c < <(prove policy/v2 .); t2+=("$w") c2+=("$c")
done
median() { printf '%s\n' "$@" | sort -n | awk '{t[NR]=$1} END { printf "%.0f", t[int((NR+1)/2)] }'; }
sorted() { printf '%s\n' "$@" | sort -n | awk '{printf "%.0f ", $1}'; }
m1=$(median "${t1[@]}") m2=$(median "${t2[@]}") u1=$(median "${c1[@]}") u2=$(median "${c2[@]}")
printf 'tacit prove --policy (3 credentials, 4 rules), %d runs each, alternating:\n' "$RUNS"
printf '  policy/v1: wall median %s ms (%s); CPU median %s ms (%s)\n' "$m1" "$(sorted "${t1[@]}")" "$u1" "$(sorted "${c1[@]}")"
printf '  policy/v2: wall median %s ms (%s); CPU median %s ms (%s)\n' "$m2" "$(sorted "${t2[@]}")" "$u2" "$(sorted "${c2[@]}")"
awk -v a="$m1" -v b="$m2" -v c="$u1" -v d="$u2" 'BEGIN { r = b / a; printf "  v2/v1 = %.2f wall, %.2f CPU; target at most 0.55 (wall): %s\n", r, d / c, (r <= 0.55 ? "MET" : "NOT MET") }'
