#!/usr/bin/env bash
# The worked policy example: a lender's policy over three credentials from
# three issuers, proven in one policy/v2 proof (the default policy statement).
#
#   "No default in 24 months at either of two banks, at least 95% of
#    payments on time over 36 months at the main bank, and an average
#    monthly revenue of at least 50,000.00 over 12 months according to the
#    tax bureau."
#
# Usage: examples/policy/run.sh [path/to/tacit]
# Without an argument it uses bin/tacit (make build) if that binary knows
# policies, and otherwise builds one with `go build`. Work files go to
# .demo/policy; the development keys there are reused while
# `tacit keys verify` accepts them.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/examples/policy"
WORK="$ROOT/.demo/policy"
mkdir -p "$WORK"

if [ -n "${1:-}" ]; then
  TACIT=$(realpath "$1")
elif [ -x "$ROOT/bin/tacit" ] && "$ROOT/bin/tacit" policy hash "$HERE/policy.json" >/dev/null 2>&1; then
  TACIT="$ROOT/bin/tacit"
else
  echo "building tacit (go build ./cmd/tacit)"
  (cd "$ROOT" && go build -trimpath -o "$WORK/tacit" ./cmd/tacit)
  TACIT="$WORK/tacit"
fi
cd "$WORK"
rm -rf issuers registry.json ./*.key cred-*.json att*.json policy-*.json records-*.json

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run()  { printf '$ %s\n' "$*"; "$@"; }
refused() { # a command that must fail
  printf '$ %s\n' "$*"
  if "$@"; then echo "EXAMPLE FAILED: that should have been refused"; exit 1; fi
  echo "(refused, as it should be)"
}

step "operator: development keys (single-party setup; never for production)"
if [ -f keys/policy-v2/manifest.json ] && "$TACIT" keys verify --dir keys >/dev/null 2>&1; then
  echo "reusing $WORK/keys (checked with tacit keys verify)"
else
  rm -rf keys
  run "$TACIT" keys setup --dir keys
fi

step "issuers: two banks the business uses, 38 other banks, a tax bureau and two accounting firms"
mkdir -p issuers
key() { "$TACIT" issuer keygen --out "issuers/$1.key"; }
MAIN=$(key main-bank); SECOND=$(key second-bank); TAX=$(key tax-bureau)
BANKS=(--issuer "$MAIN" --issuer "$SECOND")
for i in $(seq -w 1 38); do BANKS+=(--issuer "$(key "bank-$i")"); done
TAXES=(--issuer "$TAX" --issuer "$(key accountant-1)" --issuer "$(key accountant-2)")
echo "main bank   $MAIN"
echo "second bank $SECOND"
echo "tax bureau  $TAX"

step "registry operator: publish the accredited-issuer sets (Poseidon2 Merkle roots, depth 6)"
printf '$ %s\n' "$TACIT registry build --registry registry.json --set accredited-banks --kind payment-history --issuer ... (40 banks)"
"$TACIT" registry build --registry registry.json --set accredited-banks --kind payment-history "${BANKS[@]}"
run "$TACIT" registry build --registry registry.json --set tax-authorities --kind revenue "${TAXES[@]}"
run "$TACIT" registry show --registry registry.json

step "lender: the policy, its hash (a public input of every proof) and what it says"
cp "$HERE/policy.json" policy.json
run "$TACIT" policy check policy.json --registry registry.json
run "$TACIT" policy hash policy.json
run "$TACIT" policy explain policy.json --registry registry.json

# The example histories end with the month before the current one.
ASOF=$(date -u +%Y-%m)
for f in main-bank second-bank second-bank-defaulted revenue; do
  n=$(grep -c '"status"' "$HERE/records-$f.json")
  start=$(date -u -d "$ASOF-01 -$n months" +%Y-%m)
  sed "s/\"periodStart\": *\"[0-9-]*\"/\"periodStart\": \"$start\"/" "$HERE/records-$f.json" > "records-$f.json"
done

step "business: a holder secret; each issuer binds its credential to the subject commitment"
SUBJECT=$(run "$TACIT" holder keygen --out holder.key | tail -1)
sign() { # issuer kind records out
  run "$TACIT" credential sign --key "issuers/$1.key" --kind "$2" --subject "$SUBJECT" \
    --records "records-$3.json" --expires 2099-12-31 --out "$4"
}
sign main-bank payment-history main-bank cred-main.json
sign second-bank payment-history second-bank cred-second.json
sign tax-bureau revenue revenue cred-revenue.json

step "lender (bank-c): a fresh nonce for this application"
NONCE=$(run "$TACIT" nonce | tail -1)

step "business: one proof of the whole policy, for bank-c"
PROVE=(prove --keys keys --policy policy.json --registry registry.json --as-of "$ASOF"
  --holder holder.key --lender bank-c --nonce "$NONCE")
printf '$ %s\n' "$TACIT ${PROVE[*]} --credential cred-revenue.json --credential cred-main.json --credential cred-second.json --out att.json"
start=$(date +%s%N)
"$TACIT" "${PROVE[@]}" --credential cred-revenue.json --credential cred-main.json --credential cred-second.json --out att.json
echo "(the whole process took $(( ($(date +%s%N) - start) / 1000000 )) ms; the credentials may come in any order)"
echo "the attestation carries the policy's hash, the issuer-set roots and a $(( $(sed -n 's/.*"proof": "\([0-9a-f]*\)".*/\1/p' att.json | tr -d '\n' | wc -c) / 2 ))-byte proof:"
sed -n '1,20p' att.json

step "lender: verify against its own policy and the registry's current roots"
run "$TACIT" verify --keys keys --policy policy.json --registry registry.json --attestation att.json \
  --lender bank-c --nonce "$NONCE" --as-of "$ASOF"

step "cheating attempts"
echo "- the lender's policy is stricter (97.5% on time); the attestation answers the old one:"
sed 's/"perMille": 950/"perMille": 975/' policy.json > policy-strict.json
refused "$TACIT" verify --keys keys --policy policy-strict.json --registry registry.json --attestation att.json \
  --lender bank-c --nonce "$NONCE"
echo "- a second bank that defaulted 3 months ago cannot satisfy the policy:"
sign second-bank payment-history second-bank-defaulted cred-second-bad.json
refused "$TACIT" "${PROVE[@]}" --credential cred-main.json --credential cred-second-bad.json --credential cred-revenue.json --out att-bad.json
echo "- a 'bank' outside the accredited set signs a clean history:"
"$TACIT" issuer keygen --out issuers/shadow-bank.key >/dev/null
sign shadow-bank payment-history second-bank cred-shadow.json
refused "$TACIT" "${PROVE[@]}" --credential cred-main.json --credential cred-shadow.json --credential cred-revenue.json --out att-bad.json
echo "- the main bank's credential presented twice, as both banks:"
refused "$TACIT" "${PROVE[@]}" --credential cred-main.json --credential cred-main.json --credential cred-revenue.json --out att-bad.json
test ! -e att-bad.json && echo "(no attestation file was written)"
echo "- the registry withdraws the main bank's accreditation; its old root is retired:"
printf '$ %s\n' "$TACIT registry build --registry registry.json --set accredited-banks --kind payment-history --issuer ... (39 banks)"
"$TACIT" registry build --registry registry.json --set accredited-banks --kind payment-history "${BANKS[@]:2}"
refused "$TACIT" verify --keys keys --policy policy.json --registry registry.json --attestation att.json \
  --lender bank-c --nonce "$NONCE" --as-of "$ASOF"
refused "$TACIT" "${PROVE[@]}" --credential cred-main.json --credential cred-second.json --credential cred-revenue.json --out att-bad.json

step "done: bank-c learned that the policy holds, and nothing else"
