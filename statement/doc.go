// Package statement is the statement kit: what every provable statement is.
//
// A statement (no-default/v1, policy/v1, ...) is one package under
// circuits/ that implements [Statement]; circuits.go registers it in one
// line. Every layer above (prover, verifier, server, interop, cmd) is
// generic: it asks the statement to decode what a lender asks for (a
// [Request]), to turn a business's credentials and holder secret into a
// witness, to decode and encode its section of an attestation (a
// [Section]), and to check that section against the request.
//
// What every proof is bound to, whatever the statement, is the [Binding]:
// the as-of month T, the lender's identifier L, the lender's nonce N and the
// pseudonym P = H(holder secret, L). Each circuit takes them as public
// inputs (AsOf, AsOfDay, Lender, Nonce, Pseudonym).
//
// Trust assumptions: a statement's Expect is the only place that decides
// whether an attestation proves at least what a lender asked for; the
// verifier runs it before the pairing check, and the public witness it
// checks the proof against is rebuilt from the lender's request and the
// attestation's decoded values, never taken from the attestation as field
// elements.
package statement
