// Package bench measures tacit's circuits: constraint counts, proving and
// verification time, in process and as a fresh process would pay them.
//
// It holds only benchmarks; `go test ./...` runs none of their work (the
// Groth16 setup they need happens on the first benchmark, not in TestMain).
// `make bench` runs them, keys' BenchmarkLoadProving (the key loading of a
// fresh `tacit prove`), and then two whole-process comparisons:
// scripts/bench-peer.sh times `tacit prove` and `tacit verify` against the
// circom 2 + snarkjs peer baseline, and scripts/bench-rapidsnark.sh times
// `tacit prove` against iden3's rapidsnark prover with the witness
// precomputed. BENCHMARKS.md records the figures and how they were taken.
//
// For every circuit in circuits.All():
//
//	BenchmarkProve/<id>       prover.Prove with keys already loaded (a
//	                          long-running prover); reports the R1CS
//	                          constraint count as "constraints"
//	BenchmarkProveCold/<id>   load and check the constraint system and
//	                          proving key, then prove (a fresh process)
//	BenchmarkVerify/<id>      verifier.Verify of a real attestation with the
//	                          verifying key loaded
//	BenchmarkVerifyCold/<id>  parse the attestation, load the verifying
//	                          keys, verify (a fresh `tacit verify`)
//
// The workload for no-default/v1 is a 60-month credential and a 24-month
// window. The keys come from a single-party development setup in a
// temporary directory, made once per `go test` process and excluded from
// every timing.
package bench
