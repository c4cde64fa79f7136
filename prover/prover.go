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
	loaded map[string]*keys.Proving
}

// New returns a prover over the key directory dir.
func New(dir string) *Prover { return &Prover{dir: dir, loaded: map[string]*keys.Proving{}} }

// Loaded returns a prover over artefacts already loaded and checked (by
// keys.ParseProving, say), one per circuit; it reads no directory.
func Loaded(ks ...*keys.Proving) *Prover {
	p := &Prover{loaded: map[string]*keys.Proving{}}
	for _, k := range ks {
		p.loaded[k.Manifest.Circuit] = k
	}
	return p
}

// Load loads (once) and returns the proving artefacts of a circuit.
func (p *Prover) Load(id string) (*keys.Proving, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k, ok := p.loaded[id]; ok {
		return k, nil
	}
	if p.dir == "" {
		return nil, fmt.Errorf("%w: no proving key loaded for %s", keys.ErrMissing, id)
	}
	k, err := keys.LoadProving(p.dir, id)
	if err != nil {
		return nil, err
	}
	p.loaded[id] = k
	return k, nil
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
	k, err := p.Load(id)
	if err != nil {
		return nil, err
	}
	proof, err := proveCtx(ctx, k, assignment)
	if err != nil {
		if errors.Is(err, ErrUnsatisfied) {
			return nil, refusal(t.Request)
		}
		return nil, err
	}
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
func proveCtx(ctx context.Context, k *keys.Proving, assignment frontend.Circuit) ([]byte, error) {
	type result struct {
		proof []byte
		err   error
	}
	done := make(chan result, 1)
	go func() {
		proof, err := prove(k, assignment)
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
// proof. Any failure is ErrUnsatisfied alone: the solver's message names
// witness values and must not travel further.
func prove(k *keys.Proving, assignment frontend.Circuit) ([]byte, error) {
	w, err := frontend.NewWitness(assignment, fr.Modulus())
	if err != nil {
		return nil, ErrUnsatisfied
	}
	proof, err := groth16.Prove(k.CCS, k.Key, w)
	if err != nil {
		return nil, ErrUnsatisfied
	}
	var buf bytes.Buffer
	if _, err := proof.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("prover: serializing proof: %w", err)
	}
	return buf.Bytes(), nil
}
