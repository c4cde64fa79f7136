// Package verifier checks tacit attestations. It is all a lender needs to
// import: it pulls in neither the prover nor any HTTP or Redis library (a
// test checks this with `go list -deps`).
//
// An Attestation names its statement, the fingerprint of the verifying key
// it was proven against, its public inputs as readable values, and the
// Groth16 proof. Verify recomputes every public input from those values and
// from what the verifier expects (trusted issuers, its own lender id, the
// nonce it issued, the as-of month, a minimum window), and names the first
// check that fails. Verify has no side effects: remembering that a nonce was
// used is the caller's job (the service consumes challenges atomically).
//
// Trust: a valid proof shows the statement holds for some credential that a
// listed issuer signed for the prover's holder secret, under the loaded
// verifying key. It is only as good as that key's setup (see package keys).
package verifier
