// Package credential defines what an issuer signs: a business's monthly
// record history, bound to the business's subject commitment, and the
// EdDSA signature over it.
//
// Everything here is native Go (no circuit code). The circuits in
// circuits/ recompute exactly the same hashes, so every layout choice in
// this package is part of the statement an auditor checks:
//
//   - Records: 1 to MaxMonths consecutive months, each with a Status
//     (ok, late30, late60, late90, default) and an Amount in minor units
//     below 2^48.
//   - Hash: a width-3 Poseidon2 sponge over BN254's scalar field (rate 2,
//     capacity 1) whose capacity starts at a domain tag that also fixes the
//     input length (hash.go). Every hash in tacit is domain separated.
//   - Message: a fixed layout of MessageElements field elements (header,
//     subject, issuer key, packed statuses, packed amounts), always padded to
//     MaxMonths so that one circuit serves every history length.
//   - Signature: gnark-crypto's EdDSA on BN254's twisted Edwards curve with
//     the Poseidon2 Merkle-Damgard hasher, over the message hash.
//   - Holder: a secret field element; its subject commitment is
//     H("tacit/subject/v1", secret), and its pseudonym towards a lender is
//     H("tacit/pseudonym/v1", secret, lender).
//
// Decoders are strict: every value has exactly one accepted encoding
// (lowercase hex of canonical field elements and points, no unknown or
// duplicate JSON fields, no trailing data), and errors name the field.
//
// Trust: the signature says only that the issuer vouches for the records; a
// verifier still decides which issuer keys it trusts.
package credential
