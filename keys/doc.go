// Package keys writes, loads and checks Groth16 setup artefacts.
//
// A key directory holds one folder per circuit (its id with "/" replaced by
// "-"), each with:
//
//	circuit.ccs     the compiled constraint system (gnark serialization)
//	proving.key     the Groth16 proving key (raw, uncompressed points)
//	verifying.key   the Groth16 verifying key (compressed points)
//	manifest.json   circuit id, gnark version, constraint count, the digest
//	                of the constraint system, how the keys were made, and
//	                the sha256 of each file above
//
// Every load checks the file's sha256 against the manifest before parsing
// it, so a corrupt or swapped file is refused. Package audit additionally
// recompiles each circuit from source and compares the digest and the
// constraint count, and checks (with Match) that the proving and verifying
// keys belong together.
//
// Loading a proving key is on the path of every fresh `tacit prove`, so it
// takes the fast road, and this is why that is safe. proving.key is written
// raw (uncompressed points: no square roots on load) and decoded with
// gnark's UnsafeReadFrom, which skips the on-curve and subgroup checks of
// ReadFrom. Those checks would add nothing here: the bytes are decoded only
// after their sha256 matched the manifest, so they are exactly the bytes the
// setup or ceremony wrote, which `tacit keys verify` audits. Someone who
// can rewrite the key directory can rewrite the manifest too, and could
// then write a key of valid points that is just as wrong, so the checks
// would not stop that attacker either. And a wrong proving key cannot make
// a false statement verify: the verifier checks every proof against the
// verifying key. The constraint system has no curve points; its decoding
// is gnark's only one. The verifying key, small and what a lender trusts,
// is still read with every check.
//
// Trust: Setup is a single-party development setup. Whoever runs it knows
// the toxic waste and can forge proofs for every statement. Production keys
// come from a multi-party ceremony, where one honest contributor suffices.
// A verifying key's fingerprint is the sha256 of verifying.key; relying
// parties should pin it out of band.
package keys
