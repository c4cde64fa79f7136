#!/usr/bin/env bash
# The README's curl walk-through, as a script: run `make run` in another
# terminal (from the repository root), then `bash scripts/api-walkthrough.sh`.
# It reads the demo API keys from the server's output in SERVE_LOG.
set -euo pipefail
TACIT=${TACIT:-bin/tacit}
API=${API:-http://127.0.0.1:8080}
SERVE_LOG=${SERVE_LOG:?set SERVE_LOG to a file holding the output of make run}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
key() { awk -v r="$1" '$1=="demo" && $2==r && $3=="key:" {print $4}' "$SERVE_LOG" | tail -1; }
LENDER=$(key lender) BUSINESS=$(key business) AUDITOR=$(key auditor) ADMIN=$(key admin)
json=(-H 'Content-Type: application/json')

echo "== lender: a challenge for 'no default in the last 24 months'"
curl -sf "$API/v1/challenges" -H "Authorization: Bearer $LENDER" "${json[@]}" \
  -d '{"statement":"no-default","params":{"window":24}}' | tee "$WORK/challenge.json"; echo
CHALLENGE=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$WORK/challenge.json")

echo "== business: a holder secret, and a credential from the demo issuer (the bank)"
SUBJECT=$("$TACIT" holder keygen --out "$WORK/holder.key")
START=$(date -u -d "$(date -u +%Y-%m)-01 -36 months" +%Y-%m)
sed "s/\"periodStart\": \"[0-9-]*\"/\"periodStart\": \"$START\"/" examples/records/acme-bank-a.json > "$WORK/records.json"
"$TACIT" credential sign --key .tacit-dev/issuer.key --subject "$SUBJECT" \
  --records "$WORK/records.json" --expires 2027-06-01 --out "$WORK/cred.json"

echo "== business: a proof job for the challenge"
printf '{"challengeId":"%s","credential":%s,"holderSecret":"%s"}' \
  "$CHALLENGE" "$(cat "$WORK/cred.json")" "$(cat "$WORK/holder.key")" > "$WORK/proof-request.json"
curl -sf "$API/v1/proofs" -H "Authorization: Bearer $BUSINESS" "${json[@]}" \
  -H 'Idempotency-Key: acme-application-1' -d @"$WORK/proof-request.json" | tee "$WORK/job.json"; echo
JOB=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$WORK/job.json")
for _ in $(seq 50); do
  curl -sf "$API/v1/proofs/$JOB" -H "Authorization: Bearer $BUSINESS" > "$WORK/job.json"
  grep -q '"status":"\(done\|failed\)"' "$WORK/job.json" && break
  sleep 0.2
done
head -c 120 "$WORK/job.json"; echo " ..."

echo "== lender: verify (consumes the challenge)"
printf '{"attestation":%s}' "$(sed 's/.*"attestation":\({.*}\)}$/\1/' "$WORK/job.json")" > "$WORK/verify.json"
curl -sf "$API/v1/verifications" -H "Authorization: Bearer $LENDER" "${json[@]}" -d @"$WORK/verify.json"; echo

echo "== lender: a replay is refused"
curl -s "$API/v1/verifications" -H "Authorization: Bearer $LENDER" "${json[@]}" -d @"$WORK/verify.json"; echo

echo "== auditor: re-check the archived attestation (consumes nothing)"
curl -sf "$API/v1/attestations/verify" -H "Authorization: Bearer $AUDITOR" "${json[@]}" -d @"$WORK/verify.json"; echo

echo "== admin: trust a second issuer, list, remove"
OTHER=$("$TACIT" issuer keygen --out "$WORK/bank2.key")
curl -sf "$API/v1/issuers" -H "Authorization: Bearer $ADMIN" "${json[@]}" -d "{\"key\":\"$OTHER\",\"name\":\"second-bank\"}"; echo
curl -sf "$API/v1/issuers" -H "Authorization: Bearer $ADMIN"; echo
curl -sf -X DELETE "$API/v1/issuers/$OTHER" -H "Authorization: Bearer $ADMIN" -o /dev/null -w 'DELETE -> %{http_code}\n'

echo "== presentation flow: the lender's challenge carries a request URI; the business proves on its own machine"
curl -sf "$API/v1/challenges" -H "Authorization: Bearer $LENDER" "${json[@]}" \
  -d '{"statement":"no-default","params":{"window":24}}' > "$WORK/challenge2.json"
CHALLENGE2=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$WORK/challenge2.json")
REQUEST=$(sed -n 's/.*"requestUri":"\([^"]*\)".*/\1/p' "$WORK/challenge2.json")
curl -sf "$REQUEST" | head -c 300; echo " ..."
XDG_CACHE_HOME="$WORK/cache" "$TACIT" present --request "$REQUEST" --credential "$WORK/cred.json" --holder "$WORK/holder.key"

echo "== lender: the verdict"
curl -sf "$API/v1/challenges/$CHALLENGE2" -H "Authorization: Bearer $LENDER" | head -c 300; echo " ..."
