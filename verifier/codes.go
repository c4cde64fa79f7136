package verifier

import "errors"

// codes gives each check a stable code, the same in the HTTP API's
// error bodies and the CLI's --json output.
var codes = []struct {
	err  error
	code string
}{
	{ErrMalformed, "malformed_attestation"},
	{ErrUnknownStatement, "unknown_statement"},
	{ErrKeyMismatch, "key_fingerprint_mismatch"},
	{ErrWrongIssuer, "untrusted_issuer"},
	{ErrWrongLender, "wrong_lender"},
	{ErrWrongNonce, "wrong_nonce"},
	{ErrStaleAsOf, "stale_as_of"},
	{ErrFutureAsOf, "future_as_of"},
	{ErrWindowTooShort, "window_too_short"},
	{ErrWeakerStatement, "statement_mismatch"},
	{ErrOtherStatement, "statement_mismatch"},
	{ErrBadProof, "bad_proof"},
	{ErrWrongPolicy, "wrong_policy"},
	{ErrRetiredRoot, "retired_issuer_set_root"},
	{ErrWrongIssuerSet, "wrong_issuer_set"},
	{ErrNeedsRequest, "request_required"},
}

// Code is the stable code of the check err failed ("bad_proof",
// "wrong_nonce", ...), or "" when err is none of the verifier's checks.
func Code(err error) string {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return ""
}
