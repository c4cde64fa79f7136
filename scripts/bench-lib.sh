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
