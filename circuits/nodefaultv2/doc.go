// Package nodefaultv2 is the statement no-default/v2: the same statement as
// no-default/v1 (package nodefault), over layout v2 credentials, in at
// most 8,192 R1CS constraints at 60 months capacity, so that its FFT domain
// is half of v1's.
//
//	"In the W months before month T, the credential that issuer I signed
//	for this holder records no month at or above severity S."
//
// Public inputs are v1's, in the same order and with the same checks for
// the verifier (see package nodefault): Severity, Window, AsOf, AsOfDay,
// Issuer (X, Y), Lender, Nonce, Pseudonym. The statement plumbing
// (names, requests, attestation sections, the native check) is package
// nodefault's; this package adds the circuit and its witness. The short
// names no-default, no-late90, no-late60 and no-late30 resolve to v2.
//
// The circuit proves, for a private layout v2 credential and holder secret:
//
//   - the issuer's EdDSA signature over Hash(tacit/credential/v2, header,
//     subject, statuses, amountsDigest) is valid, with I on the curve and
//     not of small order (circuits/gadget/eddsa);
//   - the header says payment history, layout 2;
//   - the subject is H(tacit/subject/v1, secret);
//   - [T-W, T) lies inside the credential's months;
//   - the credential had not expired on the first day of T;
//   - no month in the window has status >= S;
//   - P = H(tacit/pseudonym/v1, secret, L): the same pseudonym as v1.
//
// What changed from v1, and why each step keeps v1's guarantees:
//
//   - Amounts are not hashed: the amounts digest is a private input that
//     enters only the signed message (the binding argument is in package
//     credential's doc). The issuer key is not in the message; EdDSA's
//     challenge H(R, A, M) binds it.
//   - Statuses are one private element, the packed part exactly as
//     signed, decomposed once into 180 bits: that is the range check of
//     every status (each is 3 bits, so the packing is injective) and gives
//     the bits the window reads.
//   - The window is a mask m_i = [lo <= i < hi], lo = T - W - start: the
//     60-bit binary expansion of 2^lo * (2^W - 1), with 2^lo
//     and 2^W computed from the range-check bits of lo and W - 1. A binary
//     expansion below 2^60 is unique, so m is exactly the window; lo
//     being 6 bits puts the window after the first month, and n - hi being
//     6 bits puts it before the end (n itself is 6 bits, as the header
//     needs, and the 60-bit expansion bounds hi, and so W, by 60).
//   - The severity check in month i is x = (S-1) - m_i * status_i in
//     {0,1,2,3}: outside the window x = S-1, inside it says status < S.
//     x is in {0,1,2,3} exactly when (x-1)(x-2)/2 is 0 or 1, two
//     constraints; with the product by m_i, three per month (v1: about 13).
//
// Every private value is range-checked before it is compared; every public
// input enters a constraint (Nonce through N*N). The circuit tests are
// package nodefault's: each case runs on v1 and v2, so every negative test
// of v1 has its v2 twin.
//
// Cost: see circuits/testdata/constraints.golden and `tacit circuits
// explain no-default/v2`. Of the total, the Poseidon2 sponges are 4
// permutations (subject, message x2, pseudonym; 964 constraints), the
// statuses' bits 181, the window mask about 90, the per-month checks 180,
// the other range checks about 100; the rest is the EdDSA verification.
package nodefaultv2
