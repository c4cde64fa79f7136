#!/usr/bin/env bash
# The three-issuer policy of examples/policy/ through the API: run `make run`
# in another terminal (from the repository root, so that .tacit-dev/ is
# shared), then `SERVE_LOG=/tmp/tacit-serve.log bash scripts/api-policy.sh`.
set -euo pipefail
TACIT=${TACIT:-bin/tacit}
API=${API:-http://127.0.0.1:8080}
SERVE_LOG=${SERVE_LOG:?set SERVE_LOG to a file holding the output of make run}
EX=examples/policy
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
key() { awk -v r="$1" '$1=="demo" && $2==r && $3=="key:" {print $4}' "$SERVE_LOG" | tail -1; }
LENDER=$(key lender) BUSINESS=$(key business)
json=(-H 'Content-Type: application/json')
field() { grep -o "\"$1\":\"[^\"]*\"" "$2" | head -1 | cut -d'"' -f4; }
ASOF=$(date -u +%Y-%m)

echo "== the accredited-issuer sets the service accepts"
curl -sf "$API/v1/registries" -H "Authorization: Bearer $LENDER"; echo

echo "== lender: a challenge carrying the policy"
printf '{"policy":%s,"asOf":"%s"}' "$(cat $EX/policy.json)" "$ASOF" > "$WORK/challenge-request.json"
curl -sf "$API/v1/challenges" -H "Authorization: Bearer $LENDER" "${json[@]}" -d @"$WORK/challenge-request.json" > "$WORK/challenge.json"
head -c 160 "$WORK/challenge.json"; echo " ..."

echo "== business: three credentials from three accredited issuers, bound to one holder secret"
SUBJECT=$("$TACIT" holder keygen --out "$WORK/holder.key")
sign() { # records-name issuer-key kind
  n=$(grep -c '"status"' "$EX/records-$1.json")
  start=$(date -u -d "$ASOF-01 -$n months" +%Y-%m)
  sed "s/\"periodStart\": *\"[0-9-]*\"/\"periodStart\": \"$start\"/" "$EX/records-$1.json" > "$WORK/records-$1.json"
  "$TACIT" credential sign --kind "$3" --key ".tacit-dev/$2" --subject "$SUBJECT" \
    --records "$WORK/records-$1.json" --expires 2027-06-01 --out "$WORK/$1.json"
}
sign main-bank issuer.key payment-history
sign second-bank bank2.key payment-history
sign revenue tax.key revenue

echo "== business: one proof job for the whole policy"
printf '{"challengeId":"%s","credentials":[%s,%s,%s],"holderSecret":"%s"}' "$(field id "$WORK/challenge.json")" \
  "$(cat "$WORK/revenue.json")" "$(cat "$WORK/main-bank.json")" "$(cat "$WORK/second-bank.json")" "$(cat "$WORK/holder.key")" > "$WORK/proof-request.json"
curl -sf "$API/v1/proofs" -H "Authorization: Bearer $BUSINESS" "${json[@]}" -d @"$WORK/proof-request.json" | tee "$WORK/job.json"; echo
JOB=$(field id "$WORK/job.json")
for _ in $(seq 100); do
  curl -sf "$API/v1/proofs/$JOB" -H "Authorization: Bearer $BUSINESS" > "$WORK/job.json"
  grep -q '"status":"\(done\|failed\)"' "$WORK/job.json" && break
  sleep 0.2
done
head -c 120 "$WORK/job.json"; echo " ..."

echo "== lender: verify against its policy and the current roots"
printf '{"attestation":%s}' "$(sed 's/.*"attestation":\({.*}\)}$/\1/' "$WORK/job.json")" > "$WORK/verify.json"
curl -sf "$API/v1/verifications" -H "Authorization: Bearer $LENDER" "${json[@]}" -d @"$WORK/verify.json"; echo
echo "== lender: a replay is refused"
curl -s "$API/v1/verifications" -H "Authorization: Bearer $LENDER" "${json[@]}" -d @"$WORK/verify.json"; echo
