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
// Trust: Setup is a single-party development setup. Whoever runs it knows
// the toxic waste and can forge proofs for every statement. Production keys
// come from a multi-party ceremony, where one honest contributor suffices.
// A verifying key's fingerprint is the sha256 of verifying.key; relying
// parties should pin it out of band.
package keys
