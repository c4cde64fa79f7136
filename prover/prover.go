package prover

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// ErrUnsatisfied is wrapped by every refusal to prove because the
// credentials do not satisfy the statement (*statement.Unsatisfied says
// which rule failed).
var ErrUnsatisfied = statement.ErrUnsatisfied

// Task is one proof to make: what the lender asked for, whom it is bound
// to, and the business's private inputs.
type Task struct {
	// Request is the statement with its parameters and as-of month.
	Request statement.Request
	// Lender and Nonce are the lender's identifier and its challenge (64 hex).
	Lender string
	Nonce  string
	// Inputs are the business's credentials and holder secret.
	Inputs statement.Inputs
	// Trust holds the issuer registry a policy's sets come from.
	Trust statement.Trust
}

// Validate checks the task's own fields (not the statement).
func (t Task) Validate() error {
	if t.Request == nil {
		return errors.New("prover: missing request")
	}
	if !t.Request.AsOf().Valid() {
		return errors.New("prover: as-of month is out of range")
	}
	if t.Inputs.Holder == (credential.HolderSecret{}) {
		return errors.New("prover: missing holder secret")
	}
	if n := t.Request.Credentials(); len(t.Inputs.Credentials) != n {
		return fmt.Errorf("prover: %s takes %d credential(s), got %d", t.Request.Statement().ID(), n, len(t.Inputs.Credentials))
	}
	for i, c := range t.Inputs.Credentials {
		if c == nil {
			return fmt.Errorf("prover: credential %d is missing", i)
		}
	}
	if err := statement.ValidateLender(t.Lender); err != nil {
		return err
	}
	if _, err := statement.ParseNonce(t.Nonce); err != nil {
		return err
	}
	return nil
}

// Prover proves statements with the keys in one directory. It is safe for
// concurrent use; keys are loaded once per statement.
type Prover struct {
	dir    string
	mu     sync.Mutex
	loaded map[string]*loading
}

// loading is one circuit's artefacts as they load: its constraint system
// first, so that a proof can solve the witness while the proving key is
// still decoding.
type loading struct {
	ccsReady chan struct{} // closed when ccs or err is set
	ccs      constraint.ConstraintSystem
	done     chan struct{} // closed when k or err is set
	k        *keys.Proving
	err      error
}

// New returns a prover over the key directory dir.
func New(dir string) *Prover { return &Prover{dir: dir, loaded: map[string]*loading{}} }

// Loaded returns a prover over artefacts already loaded and checked (by
// keys.ParseProving, say), one per circuit; it reads no directory.
func Loaded(ks ...*keys.Proving) *Prover {
	p := &Prover{loaded: map[string]*loading{}}
	for _, k := range ks {
		l := &loading{ccsReady: make(chan struct{}), ccs: k.CCS, done: make(chan struct{}), k: k}
		close(l.ccsReady)
		close(l.done)
		p.loaded[k.Manifest.Circuit] = l
	}
	return p
}

// Load loads (once) and returns the proving artefacts of a circuit.
func (p *Prover) Load(id string) (*keys.Proving, error) {
	l := p.start(id)
	<-l.done
	return l.k, l.err
}

// start returns the circuit's loading, starting it if no call has. The two
// artefacts load side by side, each checked against the manifest before it
// is decoded. A failed load is forgotten, so that a later call tries again
// (keys installed meanwhile, say).
func (p *Prover) start(id string) *loading {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.loaded[id]; ok {
		return l
	}
	l := &loading{ccsReady: make(chan struct{}), done: make(chan struct{})}
	p.loaded[id] = l
	forget := func() {
		p.mu.Lock()
		delete(p.loaded, id)
		p.mu.Unlock()
	}
	go func() {
		defer close(l.done)
		if p.dir == "" {
			l.err = fmt.Errorf("%w: no proving key loaded for %s", keys.ErrMissing, id)
			close(l.ccsReady)
			forget()
			return
		}
		m, err := keys.ReadManifest(p.dir, id)
		if err != nil {
			l.err = err
			close(l.ccsReady)
			forget()
			return
		}
		type key struct {
			pk  groth16.ProvingKey
			err error
		}
		pk := make(chan key, 1)
		go func() {
			k, err := keys.LoadProvingKey(p.dir, m)
			pk <- key{k, err}
		}()
		l.ccs, l.err = keys.LoadConstraintSystem(p.dir, m)
		close(l.ccsReady)
		k := <-pk
		if l.err == nil && k.err != nil {
			l.err = k.err // the constraint system's error first, as keys.LoadProving
		}
		if l.err != nil {
			forget()
			return
		}
		l.k = &keys.Proving{Manifest: m, CCS: l.ccs, Key: k.pk}
	}()
	return l
}

// Prove makes an attestation, or returns an error wrapping ErrUnsatisfied.
// The statement's native check runs first, so an unsatisfied request is
// refused before any proving, with the first unmet rule named. ctx is
// honoured to the end: a cancelled or expired context stops the wait for
// the Groth16 prover and returns ctx's error.
func (p *Prover) Prove(ctx context.Context, t Task) (*verifier.Attestation, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	lender, _ := statement.LenderID(t.Lender) // checked by Validate
	nonce, _ := statement.ParseNonce(t.Nonce)
	b := statement.Values{AsOf: t.Request.AsOf(), Lender: lender, Nonce: nonce, Pseudonym: t.Inputs.Holder.Pseudonym(lender)}
	sec, assignment, err := t.Request.Assign(b, t.Inputs, t.Trust)
	if err != nil {
		if errors.Is(err, ErrUnsatisfied) {
			return nil, err
		}
		return nil, fmt.Errorf("prover: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := t.Request.Statement().ID()
	l := p.start(id)
	proof, err := proveCtx(ctx, l, assignment)
	if err != nil {
		if errors.Is(err, ErrUnsatisfied) {
			return nil, refusal(t.Request)
		}
		return nil, err
	}
	k := l.k // set: a proof waited for the key
	return &verifier.Attestation{
		Version:      verifier.AttestationVersion,
		Statement:    id,
		VerifyingKey: k.Manifest.Files[keys.VerifyingFile],
		Binding: statement.Binding{
			AsOf: b.AsOf.String(), Lender: t.Lender, Nonce: t.Nonce, Pseudonym: credential.FieldHex(b.Pseudonym),
		},
		Section: sec,
		Proof:   hex.EncodeToString(proof),
	}, nil
}

// refusal is the request's refusal when the solver refuses a witness the
// native check passed: the statement's own wording if it has one.
func refusal(r statement.Request) *statement.Unsatisfied {
	if rf, ok := r.(statement.Refuser); ok {
		return rf.Refusal()
	}
	return &statement.Unsatisfied{Message: "the credentials do not satisfy " + r.Sentence(), Input: -1, Code: statement.CodeUnsatisfied}
}

// proveCtx runs prove and waits for it or for ctx, whichever ends first.
func proveCtx(ctx context.Context, l *loading, assignment frontend.Circuit) ([]byte, error) {
	type result struct {
		proof []byte
		err   error
	}
	done := make(chan result, 1)
	go func() {
		proof, err := prove(l, assignment)
		done <- result{proof, err}
	}()
	select {
	case r := <-done:
		return r.proof, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// prove runs the solver and the Groth16 prover and returns the serialized
// proof. The solver starts as soon as the constraint system is loaded,
// while the proving key may still be decoding. A witness the system
// refuses is ErrUnsatisfied alone: the solver's message names witness
// values and must not travel further.
func prove(l *loading, assignment frontend.Circuit) ([]byte, error) {
	w, err := frontend.NewWitness(assignment, fr.Modulus())
	if err != nil {
		return nil, ErrUnsatisfied
	}
	<-l.ccsReady
	if l.ccs == nil {
		<-l.done
		return nil, l.err
	}
	proof, err := proveGroth16(l.ccs, func() (groth16.ProvingKey, error) {
		<-l.done
		if l.err != nil {
			return nil, l.err
		}
		return l.k.Key, nil
	}, w)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := proof.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("prover: serializing proof: %w", err)
	}
	return buf.Bytes(), nil
}
