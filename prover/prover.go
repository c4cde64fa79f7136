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

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/verifier"
)

// ErrUnsatisfied is wrapped by every refusal to prove because the
// credential does not satisfy the statement.
var ErrUnsatisfied = errors.New("prover: the credential does not satisfy the statement")

// UnsatisfiedError says which statement did not hold. Its message is a
// plain sentence with no private value; Rule is for the holder's own eyes.
type UnsatisfiedError struct {
	Statement string
	Window    int
	Rule      nodefault.Rule // empty when the solver, not Check, refused
}

func (e *UnsatisfiedError) Error() string {
	return fmt.Sprintf("the credential does not satisfy %s over %d months", e.Statement, e.Window)
}

func (e *UnsatisfiedError) Unwrap() error { return ErrUnsatisfied }

// Statement names accepted by Request.Statement, with the severity each forbids.
var Statements = map[string]credential.Status{
	"no-default": credential.StatusDefault,
	"no-late90":  credential.StatusLate90,
	"no-late60":  credential.StatusLate60,
	"no-late30":  credential.StatusLate30,
}

// Request is one proof to make.
type Request struct {
	Statement  string // a key of Statements
	Window     int
	AsOf       credential.Month
	Credential *credential.Credential
	Holder     credential.HolderSecret
	Lender     string
	Nonce      string // 64 hex
}

// Validate checks the request's own fields (not the statement).
func (r Request) Validate() error {
	if _, ok := Statements[r.Statement]; !ok {
		return fmt.Errorf("prover: unknown statement %q (want no-default, no-late90, no-late60 or no-late30)", r.Statement)
	}
	if r.Window < 1 || r.Window > nodefault.Capacity {
		return fmt.Errorf("prover: window must be 1 to %d months", nodefault.Capacity)
	}
	if r.Credential == nil {
		return errors.New("prover: missing credential")
	}
	return validateBinding(r.AsOf, r.Holder, r.Lender, r.Nonce)
}

// validateBinding checks what every proof is bound to: the as-of month, the
// holder secret, the lender and its nonce.
func validateBinding(asOf credential.Month, holder credential.HolderSecret, lender, nonce string) error {
	if !asOf.Valid() {
		return errors.New("prover: as-of month is out of range")
	}
	if holder == (credential.HolderSecret{}) {
		return errors.New("prover: missing holder secret")
	}
	if err := verifier.ValidateLender(lender); err != nil {
		return err
	}
	if _, err := verifier.ParseNonce(nonce); err != nil {
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

// Load loads (once) and returns the proving artefacts of a circuit.
func (p *Prover) Load(id string) (*keys.Proving, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k, ok := p.loaded[id]; ok {
		return k, nil
	}
	k, err := keys.LoadProving(p.dir, id)
	if err != nil {
		return nil, err
	}
	p.loaded[id] = k
	return k, nil
}

// Prove makes an attestation, or returns an error wrapping ErrUnsatisfied.
func (p *Prover) Prove(ctx context.Context, r Request) (*verifier.Attestation, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	lender, _ := verifier.LenderID(r.Lender)
	nonce, _ := verifier.ParseNonce(r.Nonce)
	pub := nodefault.Public{
		Severity: Statements[r.Statement], Window: r.Window, AsOf: r.AsOf,
		Issuer: r.Credential.Issuer, Lender: lender, Nonce: nonce,
		Pseudonym: r.Holder.Pseudonym(lender),
	}
	unsatisfied := &UnsatisfiedError{Statement: r.Statement, Window: r.Window}
	if err := nodefault.Check(pub, r.Credential, r.Holder); err != nil {
		var u *nodefault.Unsatisfied
		if errors.As(err, &u) {
			unsatisfied.Rule = u.Rule
			return nil, unsatisfied
		}
		return nil, fmt.Errorf("prover: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k, err := p.Load(nodefault.ID)
	if err != nil {
		return nil, err
	}
	assignment, err := nodefault.Assign(pub, r.Credential, r.Holder)
	if err != nil {
		return nil, unsatisfied
	}
	proof, err := prove(k, assignment)
	if err != nil {
		return nil, unsatisfied
	}
	return &verifier.Attestation{
		Version:      verifier.AttestationVersion,
		Statement:    nodefault.ID,
		VerifyingKey: k.Manifest.Files[keys.VerifyingFile],
		Public: verifier.Public{
			Severity:  pub.Severity.String(),
			Window:    r.Window,
			AsOf:      r.AsOf.String(),
			Issuer:    r.Credential.Issuer.Hex(),
			Lender:    r.Lender,
			Nonce:     r.Nonce,
			Pseudonym: credential.FieldHex(pub.Pseudonym),
		},
		Proof: hex.EncodeToString(proof),
	}, nil
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
