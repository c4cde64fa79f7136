#!/usr/bin/env bash
# The scripted end-to-end demo behind `make run`: an issuer signs, a business
# proves, a lender verifies, and every attempt to cheat is refused.
set -euo pipefail
TACIT=$(realpath "${1:-bin/tacit}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK="$ROOT/.demo"
mkdir -p "$WORK"
cd "$WORK"
rm -f issuer.key holder.key cred.json cred-bad.json att.json att-b.json

# Bold headings only on a terminal, and never with NO_COLOR set (no-color.org).
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
step() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }
run()  { printf '$ %s\n' "$*"; "$@"; }
refused() { # a command that must fail
  printf '$ %s\n' "$*"
  if "$@"; then echo "DEMO FAILED: that should have been refused"; exit 1; fi
  echo "(refused, as it should be)"
}

step "operator: development keys (single-party setup; never for production)"
if [ -f keys/no-default-v2/manifest.json ] && "$TACIT" keys verify --dir keys >/dev/null 2>&1; then
  echo "reusing $WORK/keys (checked with tacit keys verify)"
else
  rm -rf keys
  run "$TACIT" keys setup --dir keys --circuit no-default/v2
fi
run "$TACIT" circuits list

# The example histories cover the 36 months before the current month.
ASOF=$(date -u +%Y-%m)
START=$(date -u -d "$ASOF-01 -36 months" +%Y-%m)
for f in acme-bank-a acme-defaulted; do
  sed "s/\"periodStart\": *\"[0-9-]*\"/\"periodStart\": \"$START\"/" "$ROOT/examples/records/$f.json" > "$f.json"
done

step "business: a holder secret; it gives only the subject commitment to its bank"
SUBJECT=$(run "$TACIT" holder keygen --out holder.key | tail -1)
echo "subject commitment: $SUBJECT"

step "issuer (bank A): a signing key, then a signed 36-month payment history"
ISSUER=$(run "$TACIT" issuer keygen --out issuer.key | tail -1)
echo "issuer public key: $ISSUER"
run "$TACIT" credential sign --key issuer.key --subject "$SUBJECT" \
  --records acme-bank-a.json --expires 2027-06-01 --out cred.json
run "$TACIT" credential verify --credential cred.json

step "lender (bank-b): a fresh nonce for this application"
NONCE=$(run "$TACIT" nonce | tail -1)
echo "nonce: $NONCE"

step "business: prove 'no default in the 24 months before $ASOF' for bank-b"
run "$TACIT" prove --keys keys --statement no-default --window 24 --as-of "$ASOF" \
  --credential cred.json --holder holder.key --lender bank-b --nonce "$NONCE" --out att.json
echo "the attestation carries only public inputs and a $(( $(sed -n 's/.*"proof": "\([0-9a-f]*\)".*/\1/p' att.json | tr -d '\n' | wc -c) / 2 ))-byte proof:"
sed -n '1,14p' att.json

step "lender: verify"
run "$TACIT" verify --keys keys --attestation att.json --issuer "$ISSUER" \
  --lender bank-b --nonce "$NONCE" --as-of "$ASOF" --min-window 24

step "cheating attempts"
echo "- another lender replays the attestation:"
refused "$TACIT" verify --keys keys --attestation att.json --issuer "$ISSUER" --lender bank-c --nonce "$NONCE"
echo "- the lender's next application uses a new nonce; the old attestation does not answer it:"
refused "$TACIT" verify --keys keys --attestation att.json --issuer "$ISSUER" --lender bank-b --nonce "$("$TACIT" nonce)"
echo "- the lender asks for 36 months; the attestation covers 24:"
refused "$TACIT" verify --keys keys --attestation att.json --issuer "$ISSUER" --lender bank-b --nonce "$NONCE" --min-window 36
echo "- the lender trusts a different issuer:"
refused "$TACIT" verify --keys keys --attestation att.json --issuer "$("$TACIT" issuer keygen --out other-issuer.key.$$)" --lender bank-b --nonce "$NONCE"
rm -f other-issuer.key.$$
echo "- a history with a default inside the window cannot be proven:"
run "$TACIT" credential sign --key issuer.key --subject "$SUBJECT" \
  --records acme-defaulted.json --expires 2027-06-01 --out cred-bad.json
refused "$TACIT" prove --keys keys --window 24 --as-of "$ASOF" --credential cred-bad.json \
  --holder holder.key --lender bank-b --nonce "$NONCE" --out att-b.json
test ! -e att-b.json && echo "(no attestation file was written)"
echo "- someone who copied the credential but not the holder secret:"
"$TACIT" holder keygen --out thief.key.$$ >/dev/null
refused "$TACIT" prove --keys keys --window 24 --as-of "$ASOF" --credential cred.json \
  --holder thief.key.$$ --lender bank-b --nonce "$NONCE" --out att-b.json
rm -f thief.key.$$

step "done: the lender learned the statement holds, and nothing else"
