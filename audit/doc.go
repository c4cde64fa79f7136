// Package audit checks, from source, what a deployment says about its
// circuits and keys, and explains where a circuit's constraints go.
//
// Run takes what a key directory (FromKeys) or a running server's
// GET /v1/circuits (FromServer) publishes, recompiles every registered
// circuit from source, and checks for each:
//
//   - nothing unknown is published (a registered circuit that is not
//     published, or published but not among those audited, is noted, and
//     at least one audited circuit must be published);
//   - the constraint count and the constraint-system digest (sha256 of
//     gnark's serialization, identical on every machine) match the source;
//   - the verifying key's fingerprint is the sha256 of its bytes, and it
//     parses as a BN254 Groth16 key with the circuit's public inputs;
//   - for a key directory, also the gnark version, the circuit.ccs and
//     proving.key fingerprints and that the proving key pairs with the
//     verifying key;
//   - with a ceremony (Config.Ceremony), that the transcript verifies for
//     exactly the constraint system compiled from source, is sealed, and
//     that the verifying key is byte for byte the one the transcript and
//     its beacon give, and the published setup names that transcript's
//     hash and contributors.
//
// Without a ceremony, the report notes how the keys say they were made; a
// development setup lets whoever ran it forge proofs, and nothing in the
// keys can show otherwise.
//
// Explain compiles a circuit under gnark's profiler and groups the
// constraints by the gadget that created them (signature, hashing, bit
// decompositions, window selection, packing), without touching the
// circuit.
//
// Trust: the auditor trusts this source tree, gnark, and the Go toolchain;
// nothing the deployment sends is trusted. A server's JSON is only compared,
// never executed. The server fields used are id, constraints,
// constraintSystemDigest, verifyingKey.fingerprint, verifyingKey.data
// (base64 or hex of verifying.key) and, optionally, setup (kind,
// contributors, transcript) and gnark; unknown fields are ignored.
package audit
