package ceremony

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/groth16/bn254/mpcsetup"
	"github.com/consensys/gnark/constraint"
	cs "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/logger"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/keys"
)

// smallCircuit is a few hundred constraints with public inputs, squaring
// chains (L and R terms), constants and a bit decomposition (O terms with
// large coefficients), so that every evaluation vector is exercised.
type smallCircuit struct {
	X frontend.Variable `gnark:",public"`
	Y frontend.Variable `gnark:",public"`
	Z frontend.Variable
}

const smallRounds = 150

func (c *smallCircuit) Define(api frontend.API) error {
	v := c.Z
	for i := 0; i < smallRounds; i++ {
		v = api.Add(api.Mul(v, v), api.Mul(c.X, 5), i)
	}
	api.AssertIsEqual(v, c.Y)
	api.ToBinary(c.Z, 32)
	return nil
}

func smallAssignment(x, z uint64) *smallCircuit {
	var v, xe, five, k fr.Element
	v.SetUint64(z)
	xe.SetUint64(x)
	five.SetUint64(5)
	xe.Mul(&xe, &five)
	for i := 0; i < smallRounds; i++ {
		k.SetUint64(uint64(i))
		v.Mul(&v, &v).Add(&v, &xe).Add(&v, &k)
	}
	return &smallCircuit{X: x, Y: v, Z: z}
}

const smallID = "test/small"

var (
	beacon1 = []byte("phase one beacon, 32 bytes long!")
	beacon2 = []byte("phase two beacon, 32 bytes long!")
)

func compileSmall(t testing.TB) constraint.ConstraintSystem {
	t.Helper()
	ccs, err := frontend.Compile(circuits.Curve.ScalarField(), r1cs.NewBuilder, &smallCircuit{})
	if err != nil {
		t.Fatal(err)
	}
	return ccs
}

var (
	sealedDir string // a sealed three-party ceremony of smallCircuit
	smallCCS  constraint.ConstraintSystem
)

func TestMain(m *testing.M) {
	logger.Disable()
	dir, err := os.MkdirTemp("", "tacit-ceremony-")
	if err != nil {
		panic(err)
	}
	smallCCS = compileSmall(&testing.B{})
	if err := runCeremony(dir, smallCCS, []string{"alice", "bob", "carol"}); err != nil {
		panic(err)
	}
	if _, err := Seal(dir, smallID, smallCCS, beacon2); err != nil {
		panic(err)
	}
	sealedDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runCeremony runs init, phase 1, phase 2 with the given contributors.
func runCeremony(dir string, ccs constraint.ConstraintSystem, names []string) error {
	if _, err := Init(dir, smallID, ccs); err != nil {
		return err
	}
	for _, n := range names {
		if _, err := Contribute(dir, smallID, n); err != nil {
			return err
		}
	}
	if _, err := StartPhase2(dir, smallID, ccs, beacon1); err != nil {
		return err
	}
	for _, n := range names {
		if _, err := Contribute(dir, smallID, n); err != nil {
			return err
		}
	}
	return nil
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func smallFile(dir, name string) string { return filepath.Join(dir, keys.Folder(smallID), name) }

func TestThreePartyCeremonySealsWorkingKeys(t *testing.T) {
	res, err := Verify(sealedDir, smallID, smallCCS)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"phase1/alice", "phase1/bob", "phase1/carol", "phase2/alice", "phase2/bob", "phase2/carol"}
	if strings.Join(res.Contributors, ",") != strings.Join(want, ",") || !res.Sealed {
		t.Fatalf("contributors %v, sealed %v", res.Contributors, res.Sealed)
	}
	if len(res.Steps) != 1+3+4+1 {
		t.Fatalf("%d steps", len(res.Steps))
	}
	if res.Phase1Beacon != hex.EncodeToString(beacon1) || res.Phase2Beacon != hex.EncodeToString(beacon2) {
		t.Fatalf("beacons %q, %q", res.Phase1Beacon, res.Phase2Beacon)
	}

	// The transcript hash is `sha256sum ceremony.json phase1-*.bin phase2-*.bin seal.json | sha256sum`.
	var listing strings.Builder
	names := []string{MetaFile}
	for _, glob := range []string{"phase1-*.bin", "phase2-*.bin"} {
		m, _ := filepath.Glob(smallFile(sealedDir, glob))
		sort.Strings(m)
		for _, p := range m {
			names = append(names, filepath.Base(p))
		}
	}
	names = append(names, SealFile)
	for _, n := range names {
		data, err := os.ReadFile(smallFile(sealedDir, n))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&listing, "%x  %s\n", sum, n)
	}
	sum := sha256.Sum256([]byte(listing.String()))
	if res.Listing != listing.String() || res.Transcript != hex.EncodeToString(sum[:]) {
		t.Fatalf("listing\n%s\nwant\n%s", res.Listing, listing.String())
	}

	// The keys prove and verify, and belong together.
	if err := keys.Match(res.ProvingKey, res.VerifyingKey); err != nil {
		t.Fatal(err)
	}
	w, _ := frontend.NewWitness(smallAssignment(3, 11), fr.Modulus())
	proof, err := groth16.Prove(smallCCS, res.ProvingKey, w)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := w.Public()
	if err := groth16.Verify(proof, res.VerifyingKey, pub); err != nil {
		t.Fatal(err)
	}
	wrong, _ := frontend.NewWitness(smallAssignment(4, 11), fr.Modulus(), frontend.PublicOnly())
	if err := groth16.Verify(proof, res.VerifyingKey, wrong); err == nil {
		t.Fatal("a proof verified for other public inputs")
	}

	// Sealing again with the same beacon gives the same keys; another is refused.
	again, err := Seal(sealedDir, smallID, smallCCS, beacon2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(vkBytes(t, again.VerifyingKey), vkBytes(t, res.VerifyingKey)) || again.Transcript != res.Transcript {
		t.Fatal("resealing changed the keys or the transcript")
	}
	if _, err := Seal(sealedDir, smallID, smallCCS, []byte("another beacon of 32 bytes......")); err == nil || !strings.Contains(err.Error(), "another beacon") {
		t.Fatalf("second beacon: %v", err)
	}
	if _, err := Contribute(sealedDir, smallID, "dave"); err == nil || !strings.Contains(err.Error(), "sealed") {
		t.Fatalf("contribution after the seal: %v", err)
	}
}

// TestKeysEqualGnarksReferencePath replays the transcript through gnark's
// own VerifyPhase1 and VerifyPhase2, which recompute everything: the keys
// must be byte for byte the ones Verify derives.
func TestKeysEqualGnarksReferencePath(t *testing.T) {
	res, err := Verify(sealedDir, smallID, smallCCS)
	if err != nil {
		t.Fatal(err)
	}
	var p1 []*mpcsetup.Phase1
	var p2 []*mpcsetup.Phase2
	for _, s := range res.Steps {
		if s.Phase == 0 || s.Phase == 3 || (s.Phase == 2 && s.Index == 0) {
			continue
		}
		data, _ := os.ReadFile(smallFile(sealedDir, s.File))
		_, body, err := decodeStep(data)
		if err != nil {
			t.Fatal(err)
		}
		if s.Phase == 1 {
			p := new(mpcsetup.Phase1)
			if err := readExact(p, body); err != nil {
				t.Fatal(err)
			}
			p1 = append(p1, p)
		} else {
			p := new(mpcsetup.Phase2)
			if err := readExact(p, body); err != nil {
				t.Fatal(err)
			}
			p2 = append(p2, p)
		}
	}
	commons, err := mpcsetup.VerifyPhase1(res.Meta.DomainSize, beacon1, p1...)
	if err != nil {
		t.Fatal(err)
	}
	_, vk, err := mpcsetup.VerifyPhase2(smallCCS.(*cs.R1CS), &commons, beacon2, p2...)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(vkBytes(t, vk), vkBytes(t, res.VerifyingKey)) {
		t.Fatal("gnark's reference path derives another verifying key")
	}
}

func TestRecomputeAgreesWithTheChecks(t *testing.T) {
	var log bytes.Buffer
	res, err := Verify(sealedDir, smallID, smallCCS, WithRecompute(), WithLog(&log))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Sealed || !strings.Contains(log.String(), "recomputing") || !strings.Contains(log.String(), "done (") {
		t.Fatalf("log:\n%s", log.String())
	}
}

func vkBytes(t *testing.T, vk groth16.VerifyingKey) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := vk.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rewriteStep replaces a step file's header and/or body.
func rewriteStep(t *testing.T, path string, edit func(h *header, body []byte) []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, body, err := decodeStep(data)
	if err != nil {
		t.Fatal(err)
	}
	body = edit(&h, body)
	out, err := encodeStep(h, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func hashOf(t *testing.T, path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fingerprint(data)
}

func flipByte(t *testing.T, path string, fromEnd int) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-fromEnd] ^= 0x01
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func rename(t *testing.T, dir, from, to string) {
	if err := os.Rename(smallFile(dir, from), smallFile(dir, to)); err != nil {
		t.Fatal(err)
	}
}

// TestBrokenTranscriptsNameTheStep damages a sealed transcript one way at
// a time; Verify must fail and name the step.
func TestBrokenTranscriptsNameTheStep(t *testing.T) {
	cases := []struct {
		name         string
		damage       func(t *testing.T, dir string)
		phase, index int
		says         string
	}{
		{"tampered phase 1 contribution", func(t *testing.T, dir string) {
			flipByte(t, smallFile(dir, "phase1-0002-bob.bin"), 200)
		}, 1, 2, ""}, // a decoding error or a failed check, depending on the bit
		{"changed point in a phase 1 contribution", func(t *testing.T, dir string) {
			rewriteStep(t, smallFile(dir, "phase1-0002-bob.bin"), func(h *header, body []byte) []byte {
				const proofs, challenge = 3 * 96, 1 + 32
				c, err := phase1Parameters(body)
				if err != nil {
					t.Fatal(err)
				}
				bump1(&c.G1.Tau[5])
				var b bytes.Buffer
				c.WriteTo(&b)
				out := append(append([]byte(nil), body[:proofs]...), b.Bytes()...)
				return append(out, body[len(body)-challenge:]...)
			})
		}, 1, 2, "pairing"},
		{"tampered phase 1 proof", func(t *testing.T, dir string) {
			rewriteStep(t, smallFile(dir, "phase1-0002-bob.bin"), func(h *header, body []byte) []byte {
				// The first update proof (τ) is the start of the body; swap in carol's.
				other, _ := os.ReadFile(smallFile(dir, "phase1-0003-carol.bin"))
				_, ob, _ := decodeStep(other)
				return append(append([]byte(nil), ob[:96]...), body[96:]...)
			})
		}, 1, 2, "τ"},
		{"renamed contributor", func(t *testing.T, dir string) {
			rewriteStep(t, smallFile(dir, "phase1-0002-bob.bin"), func(h *header, body []byte) []byte { h.Name = "mallory"; return body })
		}, 1, 2, "contributor"},
		{"reordered phase 1 files", func(t *testing.T, dir string) {
			rename(t, dir, "phase1-0002-bob.bin", "tmp")
			rename(t, dir, "phase1-0003-carol.bin", "phase1-0002-carol.bin")
			rename(t, dir, "tmp", "phase1-0003-bob.bin")
		}, 1, 2, "reordered"},
		{"reordered phase 1 with rewritten headers", func(t *testing.T, dir string) {
			rename(t, dir, "phase1-0002-bob.bin", "tmp")
			rename(t, dir, "phase1-0003-carol.bin", "phase1-0002-carol.bin")
			rename(t, dir, "tmp", "phase1-0003-bob.bin")
			rewriteStep(t, smallFile(dir, "phase1-0002-carol.bin"), func(h *header, b []byte) []byte {
				h.Index, h.Previous = 2, hashOf(t, smallFile(dir, "phase1-0001-alice.bin"))
				return b
			})
		}, 1, 2, "challenge"},
		{"skipped phase 1 contribution", func(t *testing.T, dir string) {
			os.Remove(smallFile(dir, "phase1-0002-bob.bin"))
		}, 1, 2, "missing"},
		{"skipped and renumbered", func(t *testing.T, dir string) {
			os.Remove(smallFile(dir, "phase1-0002-bob.bin"))
			rename(t, dir, "phase1-0003-carol.bin", "phase1-0002-carol.bin")
			rewriteStep(t, smallFile(dir, "phase1-0002-carol.bin"), func(h *header, b []byte) []byte {
				h.Index, h.Previous = 2, hashOf(t, smallFile(dir, "phase1-0001-alice.bin"))
				return b
			})
		}, 1, 2, "challenge"},
		{"duplicate step", func(t *testing.T, dir string) {
			data, _ := os.ReadFile(smallFile(dir, "phase1-0002-bob.bin"))
			os.WriteFile(smallFile(dir, "phase1-0002-mallory.bin"), data, 0o644)
		}, 1, 2, "second file"},
		{"huge domain declared in a contribution", func(t *testing.T, dir string) {
			rewriteStep(t, smallFile(dir, "phase1-0002-bob.bin"), func(h *header, body []byte) []byte {
				binary.BigEndian.PutUint64(body[3*96:], 1<<40)
				return body
			})
		}, 1, 2, "domain"},
		{"huge vector declared in a phase 2 contribution", func(t *testing.T, dir string) {
			rewriteStep(t, smallFile(dir, "phase2-0002-bob.bin"), func(h *header, body []byte) []byte {
				binary.BigEndian.PutUint32(body[2+32:], 0xffffffff)
				return body
			})
		}, 2, 2, "points"},
		{"huge vector declared in the evaluations", func(t *testing.T, dir string) {
			rewriteStep(t, smallFile(dir, "phase2-0000-beacon.bin"), func(h *header, body []byte) []byte {
				sec, _ := readSections(body, 3)
				binary.BigEndian.PutUint32(sec[1], 0xffffffff)
				var out bytes.Buffer
				writeSections(&out, sec...)
				return out.Bytes()
			})
		}, 2, 0, "evaluations"},
		{"huge domain in ceremony.json", func(t *testing.T, dir string) {
			var m Meta
			data, _ := os.ReadFile(smallFile(dir, MetaFile))
			json.Unmarshal(data, &m)
			m.DomainSize = 1 << 40
			data, _ = json.Marshal(m)
			os.WriteFile(smallFile(dir, MetaFile), data, 0o644)
		}, 0, 0, "do not fit"},
		{"tampered beacon of phase 1", func(t *testing.T, dir string) {
			rewriteStep(t, smallFile(dir, "phase2-0000-beacon.bin"), func(h *header, b []byte) []byte {
				h.Beacon = hex.EncodeToString([]byte("a beacon chosen after the fact!!"))
				return b
			})
		}, 2, 0, "sealed phase 1"},
		{"tampered phase 2 contribution", func(t *testing.T, dir string) {
			flipByte(t, smallFile(dir, "phase2-0002-bob.bin"), 300)
		}, 2, 2, ""},
		{"skipped phase 2 contribution", func(t *testing.T, dir string) {
			os.Remove(smallFile(dir, "phase2-0002-bob.bin"))
		}, 2, 2, "missing"},
		{"reordered phase 2 files", func(t *testing.T, dir string) {
			rename(t, dir, "phase2-0001-alice.bin", "tmp")
			rename(t, dir, "phase2-0002-bob.bin", "phase2-0001-bob.bin")
			rename(t, dir, "tmp", "phase2-0002-alice.bin")
		}, 2, 1, "reordered"},
		{"phase 2 built on another phase 1", func(t *testing.T, dir string) {
			rewriteStep(t, smallFile(dir, "phase2-0000-beacon.bin"), func(h *header, b []byte) []byte {
				h.Previous = hashOf(t, smallFile(dir, "phase1-0002-bob.bin"))
				return b
			})
		}, 2, 0, "does not follow"},
		{"seal names another phase 2 file", func(t *testing.T, dir string) {
			var rec SealRecord
			data, _ := os.ReadFile(smallFile(dir, SealFile))
			json.Unmarshal(data, &rec)
			rec.Previous = hashOf(t, smallFile(dir, "phase2-0002-bob.bin"))
			data, _ = json.Marshal(rec)
			os.WriteFile(smallFile(dir, SealFile), data, 0o644)
		}, 3, 0, "does not follow"},
		{"changed circuit in ceremony.json", func(t *testing.T, dir string) {
			var m Meta
			data, _ := os.ReadFile(smallFile(dir, MetaFile))
			json.Unmarshal(data, &m)
			m.Constraints++
			data, _ = json.Marshal(m)
			os.WriteFile(smallFile(dir, MetaFile), data, 0o644)
		}, 0, 0, "constraint system"},
		{"edited ceremony.json", func(t *testing.T, dir string) {
			data, _ := os.ReadFile(smallFile(dir, MetaFile))
			os.WriteFile(smallFile(dir, MetaFile), append(data, ' '), 0o644)
		}, 1, 1, "does not follow"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, sealedDir)
			tc.damage(t, dir)
			_, err := Verify(dir, smallID, smallCCS)
			var se *StepError
			if !errors.As(err, &se) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify = %v, want a StepError", err)
			}
			if se.Step.Phase != tc.phase || se.Step.Index != tc.index {
				t.Fatalf("failed at %s, want phase %d step %d: %v", se.Step, tc.phase, tc.index, err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("error %q does not say %q", err, tc.says)
			}
			if !strings.Contains(err.Error(), smallID) {
				t.Fatalf("error %q does not name the circuit", err)
			}
		})
	}
}

// TestEveryCoordinatorValueIsChecked changes one point at a time in phase
// 2's step 0 (re-encoded, so that it still decodes); the random linear
// combinations must catch each.
func TestEveryCoordinatorValueIsChecked(t *testing.T) {
	type parts struct {
		commons *mpcsetup.SrsCommons
		evals   *mpcsetup.Phase2Evaluations
		init    *mpcsetup.Phase2
	}
	cases := []struct {
		name, says string
		edit       func(p *parts)
	}{
		{"[τⁱ]₁", "[τⁱ]₁", func(p *parts) { bump1(&p.commons.G1.Tau[7]) }},
		{"[τⁱ]₁ last", "[τⁱ]₁", func(p *parts) { bump1(&p.commons.G1.Tau[len(p.commons.G1.Tau)-1]) }},
		{"[τⁱ]₂", "[τⁱ]₂", func(p *parts) { bump2(&p.commons.G2.Tau[3]) }},
		{"[ατⁱ]₁", "[ατⁱ]₁", func(p *parts) { bump1(&p.commons.G1.AlphaTau[2]) }},
		{"[βτⁱ]₁", "[βτⁱ]₁", func(p *parts) { bump1(&p.commons.G1.BetaTau[9]) }},
		{"[β]₂", "[β]₂", func(p *parts) { bump2(&p.commons.G2.Beta) }},
		{"A", "[A_w(τ)]₁", func(p *parts) { bump1(&p.evals.G1.A[5]) }},
		{"B", "[B_w(τ)]₁", func(p *parts) { bump1(&p.evals.G1.B[len(p.evals.G1.B)-1]) }},
		{"B₂", "[B_w(τ)]₂", func(p *parts) { bump2(&p.evals.G2.B[4]) }},
		{"VKK", "(VKK, PKK)", func(p *parts) { bump1(&p.evals.G1.VKK[1]) }},
		{"PKK", "(VKK, PKK)", func(p *parts) { bump1(&p.init.Parameters.G1.PKK[10]) }},
		{"Z", "initial phase 2 object", func(p *parts) { bump1(&p.init.Parameters.G1.Z[0]) }},
		{"δ₁", "initial phase 2 object", func(p *parts) { bump1(&p.init.Parameters.G1.Delta) }},
		{"δ₂", "initial phase 2 object", func(p *parts) { bump2(&p.init.Parameters.G2.Delta) }},
		{"challenge", "initial phase 2 object", func(p *parts) { p.init.Challenge = []byte("x") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, sealedDir)
			rewriteStep(t, smallFile(dir, "phase2-0000-beacon.bin"), func(h *header, body []byte) []byte {
				sec, err := readSections(body, 3)
				if err != nil {
					t.Fatal(err)
				}
				p := parts{new(mpcsetup.SrsCommons), nil, new(mpcsetup.Phase2)}
				if err := readExact(p.commons, sec[0]); err != nil {
					t.Fatal(err)
				}
				if p.evals, err = decodeEvals(sec[1]); err != nil {
					t.Fatal(err)
				}
				if err := readExact(p.init, sec[2]); err != nil {
					t.Fatal(err)
				}
				tc.edit(&p)
				out, err := encodeStart(p.commons, p.evals, p.init)
				if err != nil {
					t.Fatal(err)
				}
				return out
			})
			_, err := Verify(dir, smallID, smallCCS)
			var se *StepError
			if !errors.As(err, &se) || se.Step.Phase != 2 || se.Step.Index != 0 || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Verify = %v, want a failure at phase 2 step 0 naming %s", err, tc.says)
			}
		})
	}
}

func bump1(p *curve.G1Affine) {
	_, _, g1, _ := curve.Generators()
	p.Add(p, &g1)
}

func bump2(p *curve.G2Affine) {
	_, _, _, g2 := curve.Generators()
	p.Add(p, &g2)
}

func withTick(d time.Duration) Option { return func(c *config) error { c.tick = d; return nil } }

func TestStepRules(t *testing.T) {
	dir := t.TempDir()
	if _, err := Init(dir, smallID, smallCCS); err != nil {
		t.Fatal(err)
	}
	if _, err := Init(dir, smallID, smallCCS); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second init: %v", err)
	}
	for _, bad := range []string{"", "Alice", "a b", "../x", "-x", strings.Repeat("a", 33)} {
		if _, err := Contribute(dir, smallID, bad); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	if _, err := StartPhase2(dir, smallID, smallCCS, beacon1); err == nil || !strings.Contains(err.Error(), "no contribution") {
		t.Fatalf("phase 2 without phase 1: %v", err)
	}
	s, err := Contribute(dir, smallID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if s.File != "phase1-0001-alice.bin" || s.Hash != hashOf(t, smallFile(dir, s.File)) {
		t.Fatalf("step %+v", s)
	}
	// A contributor is not made to allocate what a crafted file declares.
	crafted := copyDir(t, dir)
	rewriteStep(t, smallFile(crafted, s.File), func(h *header, body []byte) []byte {
		binary.BigEndian.PutUint64(body[3*96:], 1<<40)
		return body
	})
	if _, err := Contribute(crafted, smallID, "bob"); err == nil || !strings.Contains(err.Error(), "domain") {
		t.Fatalf("contribution on a crafted file: %v", err)
	}
	if _, err := StartPhase2(dir, smallID, smallCCS, []byte("short")); err == nil {
		t.Fatal("short beacon accepted")
	}
	if _, err := Seal(dir, smallID, smallCCS, beacon2); err == nil || !strings.Contains(err.Error(), "phase 2") {
		t.Fatalf("seal in phase 1: %v", err)
	}
	if _, err := StartPhase2(dir, smallID, smallCCS, beacon1); err != nil {
		t.Fatal(err)
	}
	if _, err := StartPhase2(dir, smallID, smallCCS, beacon1); err == nil || !strings.Contains(err.Error(), "already started") {
		t.Fatalf("second phase 2 start: %v", err)
	}
	if _, err := Seal(dir, smallID, smallCCS, beacon2); err == nil || !strings.Contains(err.Error(), "no contribution") {
		t.Fatalf("seal without phase 2 contributions: %v", err)
	}
	s, err = Contribute(dir, smallID, "bob")
	if err != nil || s.File != "phase2-0001-bob.bin" {
		t.Fatalf("phase 2 contribution: %+v, %v", s, err)
	}

	// A contributor needs only ceremony.json and the latest file.
	alone := t.TempDir()
	os.MkdirAll(smallFile(alone, ""), 0o755)
	for _, name := range []string{MetaFile, s.File} {
		data, _ := os.ReadFile(smallFile(dir, name))
		os.WriteFile(smallFile(alone, name), data, 0o644)
	}
	s, err = Contribute(alone, smallID, "carol")
	if err != nil || s.File != "phase2-0002-carol.bin" {
		t.Fatalf("contribution from the latest file alone: %+v, %v", s, err)
	}
	data, _ := os.ReadFile(smallFile(alone, s.File))
	os.WriteFile(smallFile(dir, s.File), data, 0o644)
	res, err := Verify(dir, smallID, smallCCS)
	if err != nil || res.Sealed || res.VerifyingKey != nil {
		t.Fatalf("unsealed verify: %+v, %v", res, err)
	}
	other := compileOther(t)
	if _, err := Verify(dir, smallID, other); err == nil || !strings.Contains(err.Error(), "ceremony.json") {
		t.Fatalf("verify against another circuit: %v", err)
	}
	if _, err := Verify(t.TempDir(), smallID, smallCCS); err == nil || !strings.Contains(err.Error(), "tacit ceremony init") {
		t.Fatalf("verify without ceremony: %v", err)
	}
	for _, b := range []string{"", "00", "ABCDEF0123456789ABCDEF0123456789", "zz", strings.Repeat("00", 32)} {
		if _, err := ParseBeacon(b); err == nil {
			t.Errorf("beacon %q accepted", b)
		}
	}
	if _, err := ParseBeacon(strings.Repeat("00", 31) + "01"); err != nil {
		t.Errorf("a beacon ending in 01: %v", err)
	}
	zero := make([]byte, 32)
	if _, err := StartPhase2(dir, smallID, smallCCS, zero); !errors.Is(err, ErrZeroBeacon) {
		t.Errorf("phase 2 with an all-zero beacon: %v", err)
	}
	if _, err := Seal(sealedDir, smallID, smallCCS, zero); !errors.Is(err, ErrZeroBeacon) {
		t.Errorf("seal with an all-zero beacon: %v", err)
	}
}

type otherCircuit struct {
	X frontend.Variable `gnark:",public"`
}

func (c *otherCircuit) Define(api frontend.API) error {
	api.AssertIsEqual(api.Mul(c.X, c.X), 4)
	return nil
}

func compileOther(t *testing.T) constraint.ConstraintSystem {
	ccs, err := frontend.Compile(circuits.Curve.ScalarField(), r1cs.NewBuilder, &otherCircuit{})
	if err != nil {
		t.Fatal(err)
	}
	return ccs
}

func TestProgressGoesToTheLog(t *testing.T) {
	dir := t.TempDir()
	if _, err := Init(dir, smallID, smallCCS); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if _, err := Contribute(dir, smallID, "alice", WithLog(&log), withTick(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "phase 1 contribution 1 by alice: contributing ...") || !strings.Contains(log.String(), "done (") {
		t.Fatalf("log:\n%s", log.String())
	}
}
