// Package ceremony runs gnark's Groth16 multi-party setup
// (backend/groth16/bn254/mpcsetup) as a transcript of files, and turns a
// verified transcript into keys that package keys writes and every other
// package loads.
//
// A ceremony directory holds one folder per circuit (keys.Folder of its id).
// The steps, in order, each adding one file:
//
//	Init          ceremony.json: circuit id, gnark version, constraint count,
//	              constraint-system digest and the FFT domain size N.
//	Contribute    phase1-0001-alice.bin, phase1-0002-bob.bin, ...: powers of
//	              tau (circuit independent), any number of contributors.
//	StartPhase2   phase2-0000-beacon.bin: phase 1 sealed with a public random
//	              beacon, and phase 2 initialised for the constraint system.
//	Contribute    phase2-0001-alice.bin, ...: the circuit-specific δ.
//	Seal          seal.json: the second beacon; the keys follow from it.
//
// Every step file starts with the line "tacit-ceremony/v1", then one JSON
// header line (circuit, phase, index, contributor name, the sha256 of the
// previous file of the transcript, and the beacon for step 0 of phase 2),
// then gnark's serialization. The headers form a hash chain from
// ceremony.json to seal.json; gnark's own challenge (the hash of the
// previous contribution) binds each contribution to its predecessor.
//
// Verify checks the whole transcript and names the first step that fails:
// the chain (a skipped, reordered or renamed step), each contribution's
// proof of knowledge and well-formedness (gnark's Verify), and the two
// deterministic steps the coordinator ran. Those are checked without
// redoing them: the sealed phase 1 against the last contribution and the
// beacon, and phase 2's starting point (the Lagrange-basis evaluations of
// the circuit's polynomials) against the sealed phase 1, each by a random
// linear combination of the points (two multi-scalar multiplications per
// vector; a wrong point passes with probability at most N/r, r ≈ 2^254).
// WithRecompute redoes both steps with gnark's own code instead and
// compares the bytes; it takes minutes rather than seconds. The transcript
// hash is the sha256 of its sha256sum-style listing, so anyone can
// recompute it with
//
//	cd C/no-default-v1 && sha256sum ceremony.json phase1-*.bin phase2-*.bin seal.json | sha256sum
//
// Trust: the keys are sound (nobody can forge proofs) if at least one
// contributor in phase 1 and at least one in phase 2 generated their
// randomness honestly and destroyed it, and if the beacons were
// unpredictable until after the last contribution of their phase. gnark
// draws each contribution's randomness from crypto/rand. Contributor names
// are labels, not signatures: each contributor should publish the sha256
// that Contribute prints and check that it appears in the final listing.
// Circuits with gnark commitments are refused (tacit's have none).
package ceremony
