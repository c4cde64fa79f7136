// Package nodefault is the statement no-default/v1:
//
//	"In the W months before month T, the credential that issuer I signed
//	for this holder records no month at or above severity S."
//
// With S = default (4) this is "no default in the last W months"; a lower S
// gives "never 90/60/30+ days late" with the same circuit and keys.
//
// Public inputs, in order, and what a verifier must check about each:
//
//	Severity  S: the status the statement forbids (1..4); the verifier
//	          checks it is the one its policy names.
//	Window    W: months in the window (1..60); at least the verifier's minimum.
//	AsOf      T: month index (year*12 + month-1); the window is [T-W, T).
//	          The verifier checks T is the month it asked for, or not stale.
//	AsOfDay   the day number of the first day of T; the verifier recomputes
//	          it from T (the circuit cannot convert months to days cheaply).
//	Issuer    I = (X, Y): the issuer's public key; the verifier checks it is a
//	          key it trusts.
//	Lender    L: the lender's identifier as a field element (statement.LenderID).
//	Nonce     N: the lender's fresh challenge; binds the proof to one request.
//	Pseudonym P = H(tacit/pseudonym/v1, secret, L): a public output.
//
// The circuit proves, for a private credential and holder secret:
//
//   - the issuer's EdDSA signature over the credential's message hash is
//     valid, I is on the curve and not of small order;
//   - the credential is a payment-history credential of schema version 1;
//   - its subject is H(tacit/subject/v1, secret);
//   - [T-W, T) lies inside the credential's months;
//   - the credential had not expired on the first day of T;
//   - no month in the window has status >= S;
//   - P is derived from the same secret and L.
//
// Every private value is range-checked before it is compared. Amounts enter
// only the signed hash, packed 5 per element.
//
// Credentials must be in layout v1 (package credential); a layout v2
// credential is refused with a sentence naming no-default/v2, the default
// version, which reads v2 (package nodefaultv2).
//
// The statement plumbing here (short names and presets, requests,
// attestation sections, the native Check, Precheck) serves every version:
// NewStatement takes a Version (circuit, witness builder, layout). The
// circuit tests run each case on v1 and v2.
//
// Cost: see circuits/testdata/constraints.golden (10.6k R1CS constraints at
// 60 months capacity, of which the EdDSA verification is about 7k).
package nodefault
