#!/usr/bin/env bash
# Process start-up of tacit against a baseline build, side by side in one
# session (alternating, order flipped each round), medians:
#   - the sum of package initialisation times (GODEBUG=inittrace=1)
#   - whole `tacit version` and `tacit verify` processes (the v1 fixture
#     attestation in verifier/testdata/v1)
#
#   bash scripts/bench-startup.sh BASE_REF [RUNS]
#   bash scripts/bench-startup.sh a41c92a 31
#
# BASE_REF is a commit of this repository; it is built from `git archive`
# into a temporary folder. The current tree is built too.
set -euo pipefail
export LC_ALL=C
[ $# -ge 1 ] || { echo "usage: bash scripts/bench-startup.sh BASE_REF [RUNS]" >&2; exit 2; }
BASE=$1
RUNS=${2:-21}
ROOT=$(git rev-parse --show-toplevel)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/base"
git -C "$ROOT" archive "$BASE" | tar -x -C "$TMP/base"
(cd "$TMP/base" && go build -o "$TMP/tacit-base" ./cmd/tacit)
(cd "$ROOT" && go build -o "$TMP/tacit-head" ./cmd/tacit)

V1=$ROOT/verifier/testdata/v1
VERIFY=(verify -keys "$V1/keys" -attestation "$V1/att-no-default.json"
	-issuer 08342849445aa791e8a6f5fbff79828a0553b688eb2962c28049d68148edc0a3
	-lender bank-a -nonce 140b68d856b4ad39e4d5cc9867fab5739d2f53d01709a9e17921ab84332a90d1 -as-of 2026-11)

ms() { echo $(( ($2 - $1) / 1000 )); } # ns -> us
sample() { # bin label
	local bin=$1 label=$2 t0 t1
	GODEBUG=inittrace=1 "$bin" version 2>&1 >/dev/null |
		awk -v l="$label" '/^init / { s += $5 } END { printf "%s init %.3f\n", l, s }'
	t0=$(date +%s%N); "$bin" version >/dev/null; t1=$(date +%s%N)
	echo "$label version $(ms "$t0" "$t1" | awk '{ printf "%.3f", $1 / 1000 }')"
	t0=$(date +%s%N); "$bin" "${VERIFY[@]}" >/dev/null; t1=$(date +%s%N)
	echo "$label verify $(ms "$t0" "$t1" | awk '{ printf "%.3f", $1 / 1000 }')"
}
for i in $(seq "$RUNS"); do
	if [ $((i % 2)) -eq 0 ]; then
		sample "$TMP/tacit-base" base; sample "$TMP/tacit-head" head
	else
		sample "$TMP/tacit-head" head; sample "$TMP/tacit-base" base
	fi
done >"$TMP/samples"
echo "start-up, medians of $RUNS alternating rounds (ms); base $BASE, head $(git -C "$ROOT" rev-parse --short HEAD)"
for m in init version verify; do
	b=$(awk -v m=$m '$1 == "base" && $2 == m { print $3 }' "$TMP/samples" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	h=$(awk -v m=$m '$1 == "head" && $2 == m { print $3 }' "$TMP/samples" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	awk -v m=$m -v b="$b" -v h="$h" 'BEGIN { printf "%-8s base %8.1f  head %8.1f  head/base %.2f\n", m, b, h, h / b }'
done
