package ceremony

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/groth16/bn254/mpcsetup"
	"github.com/consensys/gnark/constraint"
	cs "github.com/consensys/gnark/constraint/bn254"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/internal/strictjson"
)

// verifier walks one circuit's transcript in order.
type verifier struct {
	cfg    *config
	id     string
	folder string
	ccs    constraint.ConstraintSystem
	r1cs   *cs.R1CS
	l      *listing

	meta     *Meta
	steps    []Step // verified so far
	prevHash string // sha256 of the last verified file

	last1      *mpcsetup.Phase1
	last1Body  []byte
	commons    *mpcsetup.SrsCommons
	evals      *mpcsetup.Phase2Evaluations
	last2      *mpcsetup.Phase2
	sealRecord *SealRecord
	beacon1    string // hex, from phase 2's step 0
	pk         groth16.ProvingKey
	vk         groth16.VerifyingKey
}

func newVerifier(dir, id string, ccs constraint.ConstraintSystem, opts []Option) (*verifier, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	r, err := r1csOf(ccs)
	if err != nil {
		return nil, err
	}
	f := folder(dir, id)
	l, err := list(f, id, true)
	if err != nil {
		return nil, err
	}
	return &verifier{cfg: c, id: id, folder: f, ccs: ccs, r1cs: r, l: l}, nil
}

// all verifies every file present.
func (v *verifier) all() error {
	if err := v.unsealed(); err != nil {
		return err
	}
	if !v.l.sealed {
		return nil
	}
	data, err := strictjson.ReadFile(filepath.Join(v.folder, SealFile), maxJSONFile)
	if err != nil {
		return fmt.Errorf("ceremony: %w", err)
	}
	return v.checkSeal(data)
}

// unsealed verifies everything but seal.json.
func (v *verifier) unsealed() error {
	if err := v.checkMeta(); err != nil {
		return err
	}
	if err := v.checkPhase1(); err != nil {
		return err
	}
	if len(v.l.phase2) == 0 {
		return nil
	}
	if err := v.checkStart2(); err != nil {
		return err
	}
	return v.checkPhase2()
}

func (v *verifier) fail(s Step, err error) error { return &StepError{v.id, s, err} }

// wires is the number of wires of the constraint system.
func (v *verifier) wires() int {
	return v.r1cs.GetNbPublicVariables() + v.r1cs.GetNbSecretVariables() + v.r1cs.GetNbInternalVariables()
}

// checkMeta compares ceremony.json with the constraint system compiled
// from source.
func (v *verifier) checkMeta() error {
	s := Step{Phase: 0, File: MetaFile}
	m, data, err := readMeta(v.folder)
	if err != nil {
		return v.fail(s, err)
	}
	digest, err := circuits.Digest(v.ccs)
	if err != nil {
		return err
	}
	switch {
	case m.Version != MetaVersion:
		err = fmt.Errorf("version %d, want %d", m.Version, MetaVersion)
	case m.Circuit != v.id:
		err = fmt.Errorf("is for circuit %q", m.Circuit)
	case m.Gnark != circuits.GnarkVersion:
		err = fmt.Errorf("gnark %s, source uses %s", m.Gnark, circuits.GnarkVersion)
	case m.ConstraintSystemDigest != digest || m.Constraints != v.ccs.GetNbConstraints():
		err = fmt.Errorf("constraint system %s (%d constraints), source gives %s (%d)", short(m.ConstraintSystemDigest), m.Constraints, short(digest), v.ccs.GetNbConstraints())
	case m.DomainSize != DomainSize(v.ccs):
		err = fmt.Errorf("domain size %d, want %d", m.DomainSize, DomainSize(v.ccs))
	}
	if err != nil {
		return v.fail(s, err)
	}
	v.meta = m
	s.Hash = fingerprint(data)
	v.steps = append(v.steps, s)
	v.prevHash = s.Hash
	return nil
}

// readStep reads a step file and checks its header against its place.
func (v *verifier) readStep(s Step) (header, []byte, string, error) {
	data, err := os.ReadFile(filepath.Join(v.folder, s.File))
	if err != nil {
		return header{}, nil, "", v.fail(s, err)
	}
	h, body, err := decodeStep(data)
	if err != nil {
		return h, nil, "", v.fail(s, err)
	}
	if err := checkHeader(h, v.id, s, v.prevHash); err != nil {
		return h, nil, "", v.fail(s, err)
	}
	return h, body, fingerprint(data), nil
}

// contribution is gnark's Phase1 or Phase2.
type contribution[T any] interface {
	*T
	io.ReaderFrom
	Verify(next *T) error
}

// verifyChain verifies each contribution of steps with gnark, from prev,
// and returns the last one and the body of its file.
func verifyChain[T any, P contribution[T]](v *verifier, steps []Step, prev P, layout func([]byte) error) (P, []byte, error) {
	var last []byte
	for _, s := range steps {
		h, body, hash, err := v.readStep(s)
		if err != nil {
			return nil, nil, err
		}
		if h.Beacon != "" {
			return nil, nil, v.fail(s, errors.New("a contribution must not carry a beacon"))
		}
		next := P(new(T))
		err = v.cfg.run(fmt.Sprintf("%s: verifying %s", v.id, s), func() error {
			if err := layout(body); err != nil {
				return err
			}
			if err := readExact(next, body); err != nil {
				return err
			}
			return prev.Verify((*T)(next))
		})
		if err != nil {
			return nil, nil, v.fail(s, err)
		}
		prev, last = next, body
		s.Hash = hash
		v.steps = append(v.steps, s)
		v.prevHash = hash
	}
	return prev, last, nil
}

// checkPhase1 verifies phase 1 from the initial powers of tau.
func (v *verifier) checkPhase1() error {
	n := v.meta.DomainSize
	last, body, err := verifyChain(v, v.l.phase1, mpcsetup.NewPhase1(n), func(b []byte) error { return checkPhase1Layout(b, n) })
	if err != nil {
		return err
	}
	if body != nil {
		v.last1, v.last1Body = last, body
	}
	return nil
}

// checkStart2 verifies phase 2's step 0 against the last phase 1
// contribution, the beacon and the constraint system.
func (v *verifier) checkStart2() error {
	s := v.l.phase2[0]
	if v.last1 == nil {
		return v.fail(s, errors.New("phase 1 has no contribution"))
	}
	h, body, hash, err := v.readStep(s)
	if err != nil {
		return err
	}
	beacon, err := ParseBeacon(h.Beacon)
	if err != nil {
		return v.fail(s, err)
	}
	v.beacon1 = h.Beacon
	parts, err := readSections(body, 3)
	if err != nil {
		return v.fail(s, err)
	}
	commons, evals, init := new(mpcsetup.SrsCommons), new(mpcsetup.Phase2Evaluations), new(mpcsetup.Phase2)
	err = v.cfg.run(fmt.Sprintf("%s: reading %s", v.id, s), func() error {
		n, wires, public := v.meta.DomainSize, v.wires(), v.r1cs.GetNbPublicVariables()
		if err := checkCommonsLayout(parts[0], n); err != nil {
			return fmt.Errorf("sealed phase 1: %w", err)
		}
		if err := checkEvalsLayout(parts[1], wires, public); err != nil {
			return fmt.Errorf("evaluations: %w", err)
		}
		if err := checkPhase2Layout(parts[2], n, int64(wires-public)); err != nil {
			return fmt.Errorf("initial phase 2: %w", err)
		}
		if err := readExact(commons, parts[0]); err != nil {
			return fmt.Errorf("sealed phase 1: %w", err)
		}
		e, err := decodeEvals(parts[1])
		if err != nil {
			return fmt.Errorf("evaluations: %w", err)
		}
		*evals = *e
		if err := readExact(init, parts[2]); err != nil {
			return fmt.Errorf("initial phase 2: %w", err)
		}
		return nil
	})
	if err != nil {
		return v.fail(s, err)
	}
	if v.cfg.recompute {
		err = v.cfg.run(fmt.Sprintf("%s: recomputing %s with gnark (slow)", v.id, s), func() error {
			return v.recomputeStart2(beacon, parts)
		})
	} else {
		err = v.cfg.run(fmt.Sprintf("%s: checking %s by random linear combinations", v.id, s), func() error {
			last, err := phase1Parameters(v.last1Body)
			if err != nil {
				return err
			}
			var lastHash bytes.Buffer
			if _, err := v.last1.WriteTo(&lastHash); err != nil {
				return err
			}
			sum := sha256.Sum256(lastHash.Bytes())
			if err := checkSealedPhase1(last, commons, sum[:], beacon, v.cfg.rand); err != nil {
				return fmt.Errorf("the sealed phase 1 does not follow from the last contribution and the beacon: %w", err)
			}
			if err := checkInitialPhase2(v.r1cs, commons, evals, init, parts[2], v.cfg.rand); err != nil {
				return fmt.Errorf("phase 2's starting point does not follow from phase 1 and the circuit: %w", err)
			}
			return nil
		})
	}
	if err != nil {
		return v.fail(s, err)
	}
	evals.PublicAndCommitmentCommitted = [][]int{}
	v.commons, v.evals, v.last2 = commons, evals, init
	s.Hash = hash
	v.steps = append(v.steps, s)
	v.prevHash = hash
	return nil
}

// recomputeStart2 redoes the phase 1 seal and the phase 2 initialisation
// with gnark and compares the bytes with the file's sections.
func (v *verifier) recomputeStart2(beacon []byte, parts [][]byte) error {
	last := new(mpcsetup.Phase1)
	if err := readExact(last, v.last1Body); err != nil {
		return err
	}
	// gnark's Verify set the challenge; do the same so the hash matches.
	last.Challenge = v.last1.Challenge
	commons := last.Seal(beacon)
	var evals mpcsetup.Phase2Evaluations
	p2 := new(mpcsetup.Phase2)
	evals = p2.Initialize(v.r1cs, &commons)
	want, err := encodeStart(&commons, &evals, p2)
	if err != nil {
		return err
	}
	got, err := readSections(want, 3)
	if err != nil {
		return err
	}
	for i, what := range []string{"sealed phase 1", "evaluations", "initial phase 2"} {
		if !bytes.Equal(got[i], parts[i]) {
			return fmt.Errorf("the %s differs from gnark's recomputation", what)
		}
	}
	return nil
}

// checkPhase2 verifies phase 2 from its starting point.
func (v *verifier) checkPhase2() error {
	n, pkk := v.meta.DomainSize, int64(v.wires()-v.r1cs.GetNbPublicVariables())
	last, _, err := verifyChain(v, v.l.phase2[1:], v.last2, func(b []byte) error { return checkPhase2Layout(b, n, pkk) })
	if err != nil {
		return err
	}
	v.last2 = last
	return nil
}

// checkSeal verifies seal.json and derives the keys with gnark.
func (v *verifier) checkSeal(data []byte) error {
	s := Step{Phase: 3, File: SealFile}
	var rec SealRecord
	if err := strictjson.Decode(data, &rec, SealFile); err != nil {
		return v.fail(s, err)
	}
	beacon, err := ParseBeacon(rec.Beacon)
	switch {
	case err != nil:
	case rec.Version != MetaVersion:
		err = fmt.Errorf("version %d, want %d", rec.Version, MetaVersion)
	case rec.Circuit != v.id:
		err = fmt.Errorf("is for circuit %q", rec.Circuit)
	case len(v.l.phase2) < 2:
		err = errors.New("phase 2 has no contribution")
	case rec.Previous != v.prevHash:
		err = fmt.Errorf("does not follow the last phase 2 file (names sha256 %s, the file has %s)", short(rec.Previous), short(v.prevHash))
	}
	if err != nil {
		return v.fail(s, err)
	}
	err = v.cfg.run(v.id+": sealing phase 2 with the beacon and deriving the keys", func() error {
		v.pk, v.vk = v.last2.Seal(v.commons, v.evals, beacon)
		return nil
	})
	if err != nil {
		return v.fail(s, err)
	}
	v.sealRecord = &rec
	s.Hash = fingerprint(data)
	v.steps = append(v.steps, s)
	v.prevHash = s.Hash
	return nil
}

func (v *verifier) result() (*Result, error) {
	r := &Result{Circuit: v.id, Meta: *v.meta, Steps: append([]Step(nil), v.steps...), Sealed: v.sealRecord != nil, ProvingKey: v.pk, VerifyingKey: v.vk, Phase1Beacon: v.beacon1}
	if v.sealRecord != nil {
		r.Phase2Beacon = v.sealRecord.Beacon
	}
	var b strings.Builder
	for _, s := range v.steps {
		fmt.Fprintf(&b, "%s  %s\n", s.Hash, s.File)
		if (s.Phase == 1 || s.Phase == 2) && s.Index > 0 {
			r.Contributors = append(r.Contributors, fmt.Sprintf("phase%d/%s", s.Phase, s.Name))
		}
	}
	r.Listing = b.String()
	sum := sha256.Sum256([]byte(r.Listing))
	r.Transcript = hex.EncodeToString(sum[:])
	return r, nil
}
