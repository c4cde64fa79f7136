// Package circuits lists tacit's statements and compiles their circuits.
//
// Each statement lives in its own package (circuits/nodefault, ...) with the
// circuit, a pure function from domain values to an assignment, and a
// native Check that mirrors the constraints. This package is the registry:
// ids, descriptions, public inputs, and the one way to compile a circuit
// (Groth16 over BN254, R1CS, no commitments, so that the proofs are plain
// Groth16 that Solidity and snarkjs verifiers accept).
//
// Constraint counts and constraint-system digests are pinned in
// testdata/constraints.golden: a change to a circuit shows up there, and
// auditors must see it.
package circuits
