// Package prover turns a credential and a holder secret into an
// attestation: a Groth16 proof of a statement, bound to one lender and one
// nonce.
//
// The prover checks the statement natively first (the circuit package's
// Check), so an unsatisfied statement is refused with a plain sentence
// before any proving work. gnark's solver errors contain witness values:
// they never leave this package; every proving failure becomes
// ErrUnsatisfied.
//
// Proving is gnark's Groth16 on BN254, scheduled for few cores
// (groth16.go): the witness is solved while the proving key is still
// decoding, and the multi-scalar multiplications that need only the wires
// run beside the FFTs of the quotient.
//
// Trust: the prover runs on the holder's side (or a service the holder
// trusts with its secret). The attestation reveals the public inputs and
// nothing else about the credential.
package prover
