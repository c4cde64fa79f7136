// Package interop carries tacit's Groth16 verifying keys and attestations
// to other verifiers: a Solidity contract (gnark's exporter) with the
// ABI calldata that calls it, and snarkjs's Groth16 JSON (vk.json,
// proof.json, public.json).
//
// tacit's circuits use no gnark commitments, so a proof is plain Groth16
// over BN254: three points, checked by e(A, B) = e(α, β)·e(Σ xᵢ·ICᵢ, γ)·
// e(C, δ) with public inputs x₁..xₙ in the order the circuit declares its
// public fields (gnark's public witness order). That is the equation both
// the exported contract (through the EVM's BN254 precompiles) and snarkjs
// check.
//
// Trust: these are format conversions. They do not verify anything, and
// a relying party that verifies elsewhere must still check what tacit's
// verifier checks beyond the proof: that the issuer is one it trusts, the
// lender is itself, the nonce is the one it issued and unused, the as-of
// month is current and the window long enough (for a policy, that the
// issuer-set roots are the registry's current ones). The verifying key
// must be the one it pinned (its sha256, the attestation's verifyingKey).
//
// Every statement's attestations are converted, through the statement kit
// (verifier.PublicWitness): the public inputs are rebuilt from the
// attestation and the request it answers. For no-default/v1 the
// attestation alone gives them (pass a nil request); a policy/v1
// attestation's inputs hold the policy's rules, so its export takes the
// lender's policy document as the request (without it the error wraps
// verifier.ErrNeedsRequest).
//
// The node tooling in interop/js (pinned solc, @ethereumjs/evm, snarkjs)
// checks the outputs for real; see `make interop`.
package interop
