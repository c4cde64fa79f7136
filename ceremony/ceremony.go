package ceremony

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/groth16/bn254/mpcsetup"
	"github.com/consensys/gnark/constraint"
	cs "github.com/consensys/gnark/constraint/bn254"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/keys"
)

// Kind is the keys.SetupInfo kind of sealed ceremony keys.
const Kind = keys.SetupCeremony

// MetaVersion is the only ceremony.json layout this package reads.
const MetaVersion = 1

// Option configures a ceremony step.
type Option func(*config) error

type config struct {
	log       io.Writer
	rand      io.Reader
	recompute bool
	tick      time.Duration
}

// WithLog sends progress lines to w (default: nowhere).
func WithLog(w io.Writer) Option {
	return func(c *config) error {
		if w == nil {
			return errors.New("ceremony: nil log writer")
		}
		c.log = w
		return nil
	}
}

// WithRand sets the randomness of the verifier's random linear
// combinations (default crypto/rand). Contributions always draw theirs
// from crypto/rand inside gnark.
func WithRand(r io.Reader) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("ceremony: nil randomness source")
		}
		c.rand = r
		return nil
	}
}

// WithRecompute makes verification redo the coordinator's two
// deterministic steps with gnark's own code and compare bytes, instead of
// checking them by random linear combinations. It is slow (minutes for a
// 2^14 domain) and independent of this package's checks.
func WithRecompute() Option {
	return func(c *config) error { c.recompute = true; return nil }
}

func newConfig(opts []Option) (*config, error) {
	c := &config{log: io.Discard, rand: rand.Reader, tick: 10 * time.Second}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// run prints what is being done, runs f, and prints how long it took. A
// step that runs longer than the tick interval prints a line per tick.
func (c *config) run(what string, f func() error) error {
	if c.log == io.Discard {
		return f()
	}
	fmt.Fprintf(c.log, "%s ...\n", what)
	start := time.Now()
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(c.tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(c.log, "  ... %s: still working (%s)\n", what, time.Since(start).Round(time.Second))
			}
		}
	}()
	err := f()
	close(done)
	<-exited
	if err != nil {
		fmt.Fprintf(c.log, "%s: FAILED after %s\n", what, time.Since(start).Round(10*time.Millisecond))
		return err
	}
	fmt.Fprintf(c.log, "%s: done (%s)\n", what, time.Since(start).Round(10*time.Millisecond))
	return nil
}

// r1csOf checks that ccs is a BN254 R1CS without commitments.
func r1csOf(ccs constraint.ConstraintSystem) (*cs.R1CS, error) {
	r, ok := ccs.(*cs.R1CS)
	if !ok {
		return nil, errors.New("ceremony: not a BN254 R1CS")
	}
	if c, ok := r.CommitmentInfo.(constraint.Groth16Commitments); !ok || len(c) != 0 {
		return nil, errors.New("ceremony: circuits with commitments are not supported")
	}
	return r, nil
}

// DomainSize is the FFT domain of a constraint system: the phase 1 size.
func DomainSize(ccs constraint.ConstraintSystem) uint64 {
	return ecc.NextPowerOfTwo(uint64(ccs.GetNbConstraints()))
}

// Init starts a ceremony for circuit id in dir: it writes
// dir/<folder>/ceremony.json. It refuses to overwrite a ceremony.
func Init(dir, id string, ccs constraint.ConstraintSystem) (*Meta, error) {
	if _, err := r1csOf(ccs); err != nil {
		return nil, err
	}
	digest, err := circuits.Digest(ccs)
	if err != nil {
		return nil, err
	}
	m := &Meta{
		Version: MetaVersion, Circuit: id, Gnark: circuits.GnarkVersion,
		Constraints: ccs.GetNbConstraints(), ConstraintSystemDigest: digest, DomainSize: DomainSize(ccs),
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	f := folder(dir, id)
	if err := os.MkdirAll(f, 0o755); err != nil {
		return nil, fmt.Errorf("ceremony: %w", err)
	}
	if err := writeNew(filepath.Join(f, MetaFile), append(data, '\n')); err != nil {
		return nil, err
	}
	return m, nil
}

// Contribute adds one contribution, by the contributor name, to the open
// phase of circuit id's ceremony: phase 1 until StartPhase2, phase 2
// after. It reads only the latest file, and checks its framing but not its
// proofs (Verify does). It returns the new step; the contributor should
// publish its hash.
func Contribute(dir, id, name string, opts ...Option) (Step, error) {
	c, err := newConfig(opts)
	if err != nil {
		return Step{}, err
	}
	if err := ValidateName(name); err != nil {
		return Step{}, err
	}
	f := folder(dir, id)
	l, err := list(f, id, false)
	if err != nil {
		return Step{}, err
	}
	if l.sealed {
		return Step{}, fmt.Errorf("ceremony: %s is sealed; it takes no more contributions", id)
	}
	meta, metaData, err := readMeta(f)
	if err != nil {
		return Step{}, err
	}
	if meta.Circuit != id {
		return Step{}, fmt.Errorf("ceremony: %s in %s is for %q", MetaFile, f, meta.Circuit)
	}
	phase, index, prev := l.next()
	previous := fingerprint(metaData)
	var body []byte
	if prev != nil {
		data, err := os.ReadFile(filepath.Join(f, prev.File))
		if err != nil {
			return Step{}, fmt.Errorf("ceremony: %w", err)
		}
		previous = fingerprint(data)
		h, b, err := decodeStep(data)
		if err != nil {
			return Step{}, &StepError{id, *prev, err}
		}
		if h.Circuit != id || h.Phase != prev.Phase || h.Index != prev.Index || h.Name != prev.Name {
			return Step{}, &StepError{id, *prev, errors.New("header does not match the file name")}
		}
		body = b
		if prev.Phase == 2 && prev.Index == 0 {
			parts, err := readSections(b, 3)
			if err != nil {
				return Step{}, &StepError{id, *prev, err}
			}
			body = parts[2]
		}
	}
	var obj interface {
		io.WriterTo
		Contribute()
	}
	what := fmt.Sprintf("%s: phase %d contribution %d by %s", id, phase, index, name)
	err = c.run(what+": reading the previous step", func() error {
		switch {
		case phase == 1 && prev == nil:
			obj = mpcsetup.NewPhase1(meta.DomainSize)
			return nil
		case phase == 1:
			p := new(mpcsetup.Phase1)
			obj = p
			if err := checkPhase1Layout(body, meta.DomainSize); err != nil {
				return err
			}
			return readExact(p, body)
		default:
			p := new(mpcsetup.Phase2)
			obj = p
			if err := checkPhase2Layout(body, meta.DomainSize, -1); err != nil {
				return err
			}
			return readExact(p, body)
		}
	})
	if err != nil {
		return Step{}, &StepError{id, *prev, err}
	}
	if err := c.run(what+": contributing", func() error { obj.Contribute(); return nil }); err != nil {
		return Step{}, err
	}
	var buf bytes.Buffer
	if _, err := obj.WriteTo(&buf); err != nil {
		return Step{}, fmt.Errorf("ceremony: serializing: %w", err)
	}
	out, err := encodeStep(header{Circuit: id, Phase: phase, Index: index, Name: name, Previous: previous}, buf.Bytes())
	if err != nil {
		return Step{}, err
	}
	s := Step{Phase: phase, Index: index, Name: name, File: stepName(phase, index, name), Hash: fingerprint(out)}
	if err := writeNew(filepath.Join(f, s.File), out); err != nil {
		return Step{}, err
	}
	return s, nil
}

// ErrZeroBeacon refuses a beacon of zero bytes only: it is what a
// coordinator who forgot to fetch the beacon would pass, and no public
// random source ever produces it.
var ErrZeroBeacon = errors.New("ceremony: the beacon is all zero bytes, not a public random value")

// ParseBeacon decodes a hex beacon of at least MinBeaconBytes bytes, not
// all zero.
func ParseBeacon(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || hex.EncodeToString(b) != s {
		return nil, errors.New("ceremony: beacon must be lowercase hex")
	}
	if err := checkBeacon(b); err != nil {
		return nil, err
	}
	return b, nil
}

// checkBeacon refuses a beacon shorter than MinBeaconBytes or all zero.
func checkBeacon(b []byte) error {
	if len(b) < MinBeaconBytes {
		return fmt.Errorf("ceremony: beacon must be at least %d bytes", MinBeaconBytes)
	}
	for _, c := range b {
		if c != 0 {
			return nil
		}
	}
	return ErrZeroBeacon
}

// StartPhase2 closes phase 1: it verifies it, seals it with the public
// random beacon, computes phase 2's starting point for ccs, and writes it
// as phase 2's step 0. The beacon must be unpredictable until after the
// last phase 1 contribution (a future drand round, say, named in advance).
func StartPhase2(dir, id string, ccs constraint.ConstraintSystem, beacon []byte, opts ...Option) (Step, error) {
	v, err := newVerifier(dir, id, ccs, opts)
	if err != nil {
		return Step{}, err
	}
	if err := checkBeacon(beacon); err != nil {
		return Step{}, err
	}
	if len(v.l.phase2) > 0 {
		return Step{}, fmt.Errorf("ceremony: phase 2 of %s has already started", id)
	}
	if len(v.l.phase1) == 0 {
		return Step{}, fmt.Errorf("ceremony: phase 1 of %s has no contribution yet", id)
	}
	if err := v.checkMeta(); err != nil {
		return Step{}, err
	}
	if err := v.checkPhase1(); err != nil {
		return Step{}, err
	}
	var commons mpcsetup.SrsCommons
	var evals mpcsetup.Phase2Evaluations
	p2 := new(mpcsetup.Phase2)
	err = v.cfg.run(id+": sealing phase 1 with the beacon", func() error {
		commons = v.last1.Seal(beacon)
		return nil
	})
	if err != nil {
		return Step{}, err
	}
	err = v.cfg.run(id+": initialising phase 2 (Lagrange basis and circuit polynomials; the slow part)", func() error {
		evals = p2.Initialize(v.r1cs, &commons)
		return nil
	})
	if err != nil {
		return Step{}, err
	}
	body, err := encodeStart(&commons, &evals, p2)
	if err != nil {
		return Step{}, err
	}
	h := header{Circuit: id, Phase: 2, Index: 0, Name: beaconName, Previous: v.prevHash, Beacon: hex.EncodeToString(beacon)}
	out, err := encodeStep(h, body)
	if err != nil {
		return Step{}, err
	}
	s := Step{Phase: 2, Index: 0, Name: beaconName, File: stepName(2, 0, beaconName), Hash: fingerprint(out)}
	if err := writeNew(filepath.Join(v.folder, s.File), out); err != nil {
		return Step{}, err
	}
	return s, nil
}

// encodeStart serializes phase 2's step 0: the sealed phase 1, the
// evaluations and the initial phase 2 object, as three sections.
func encodeStart(commons *mpcsetup.SrsCommons, evals *mpcsetup.Phase2Evaluations, p2 *mpcsetup.Phase2) ([]byte, error) {
	var cb, pb bytes.Buffer
	if _, err := commons.WriteTo(&cb); err != nil {
		return nil, fmt.Errorf("ceremony: serializing phase 1: %w", err)
	}
	eb, err := encodeEvals(evals)
	if err != nil {
		return nil, err
	}
	if _, err := p2.WriteTo(&pb); err != nil {
		return nil, fmt.Errorf("ceremony: serializing phase 2: %w", err)
	}
	var out bytes.Buffer
	if err := writeSections(&out, cb.Bytes(), eb, pb.Bytes()); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Result is a verified transcript.
type Result struct {
	Circuit      string
	Meta         Meta
	Steps        []Step   // ceremony.json, phase 1, phase 2, then seal.json if sealed
	Contributors []string // "phase1/alice", ..., "phase2/alice", ...
	Sealed       bool
	Listing      string // sha256sum-style lines, one per file of Steps
	Transcript   string // sha256 of Listing, hex
	// The public random beacons checked, hex: the one that closed phase 1
	// (phase 2's step 0) and the one that closed phase 2 (seal.json);
	// empty until that phase is closed.
	Phase1Beacon string
	Phase2Beacon string
	// The keys, when sealed.
	ProvingKey   groth16.ProvingKey
	VerifyingKey groth16.VerifyingKey
}

// Setup is how keys sealed from this transcript were made.
func (r *Result) Setup() keys.SetupInfo {
	return keys.SetupInfo{Kind: Kind, Contributors: append([]string(nil), r.Contributors...), Transcript: r.Transcript}
}

// Verify checks the whole transcript of circuit id's ceremony against ccs
// and returns it; when the ceremony is sealed, it also recomputes the
// keys from the transcript and the beacon. A failure is a *StepError
// naming the first step that does not verify.
func Verify(dir, id string, ccs constraint.ConstraintSystem, opts ...Option) (*Result, error) {
	v, err := newVerifier(dir, id, ccs, opts)
	if err != nil {
		return nil, err
	}
	if err := v.all(); err != nil {
		return nil, err
	}
	return v.result()
}

// Seal ends circuit id's ceremony with the public random beacon: it
// verifies the transcript, writes seal.json and returns the keys. The
// beacon must be unpredictable until after the last phase 2
// contribution. Sealing again with the same beacon recomputes the same
// keys; another beacon is refused.
func Seal(dir, id string, ccs constraint.ConstraintSystem, beacon []byte, opts ...Option) (*Result, error) {
	v, err := newVerifier(dir, id, ccs, opts)
	if err != nil {
		return nil, err
	}
	if err := checkBeacon(beacon); err != nil {
		return nil, err
	}
	if len(v.l.phase2) < 2 {
		return nil, fmt.Errorf("ceremony: phase 2 of %s has no contribution yet (run `tacit ceremony phase2`, then contribute)", id)
	}
	if v.l.sealed {
		if err := v.all(); err != nil {
			return nil, err
		}
		if v.sealRecord.Beacon != hex.EncodeToString(beacon) {
			return nil, fmt.Errorf("ceremony: %s is already sealed with another beacon (%s)", id, v.sealRecord.Beacon)
		}
		return v.result()
	}
	if err := v.unsealed(); err != nil {
		return nil, err
	}
	rec := SealRecord{Version: MetaVersion, Circuit: id, Beacon: hex.EncodeToString(beacon), Previous: v.prevHash}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, err
	}
	data = append(data, '\n')
	if err := writeNew(filepath.Join(v.folder, SealFile), data); err != nil {
		return nil, err
	}
	v.l.sealed = true
	if err := v.checkSeal(data); err != nil {
		return nil, err
	}
	return v.result()
}

func fingerprint(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
