package wallet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/statement"
)

// MaxRequestSize bounds a presentation request: a policy request carries
// the service's registry, which may be as large as registry.MaxFileSize,
// and a few KB more.
const MaxRequestSize = registry.MaxFileSize + 1<<16

// Request is a presentation request as GET /v1/requests/{id} returns it.
type Request struct {
	ID          string          `json:"id"`
	Lender      string          `json:"lender"`
	Statement   string          `json:"statement"`
	Params      json.RawMessage `json:"params"`
	Sentence    string          `json:"sentence"`
	AsOf        string          `json:"asOf"`
	Nonce       string          `json:"nonce"`
	ExpiresAt   time.Time       `json:"expiresAt"`
	ResponseURI string          `json:"responseUri"`
	Circuit     Circuit         `json:"circuit"`
	// Registry holds the accredited-issuer sets a policy names (the
	// registry's JSON); absent for statements that name their issuer.
	Registry json.RawMessage `json:"registry,omitempty"`
}

// Circuit is the request's circuit and its artefacts.
type Circuit struct {
	ID               string   `json:"id"`
	Constraints      int      `json:"constraints"`
	ProvingKey       Artefact `json:"provingKey"`
	ConstraintSystem Artefact `json:"constraintSystem"`
	// VerifyingKeySHA256 is the verifying key's fingerprint, which the
	// attestation names.
	VerifyingKeySHA256 string `json:"verifyingKeySha256"`
}

// Artefact is one downloadable key file: where, its sha256, its size.
type Artefact struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// ErrFingerprint is keys.ErrFingerprint: an artefact is not the one the
// request names.
var ErrFingerprint = keys.ErrFingerprint

// ParseRequest reads a presentation request and rebuilds the lender's
// statement.Request from it through the statement kit.
func ParseRequest(data []byte) (*Request, statement.Request, error) {
	if len(data) > MaxRequestSize {
		return nil, nil, fmt.Errorf("wallet: the request is larger than %d bytes", MaxRequestSize)
	}
	var r Request
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, nil, fmt.Errorf("wallet: reading the request: %w", err)
	}
	st, err := circuits.Resolve(r.Statement)
	if err != nil {
		return nil, nil, fmt.Errorf("wallet: %w", err)
	}
	if r.Circuit.ID != st.ID() {
		return nil, nil, fmt.Errorf("wallet: the request's circuit %q is not its statement's (%s)", r.Circuit.ID, st.ID())
	}
	for name, sum := range map[string]string{"proving key": r.Circuit.ProvingKey.SHA256, "constraint system": r.Circuit.ConstraintSystem.SHA256, "verifying key": r.Circuit.VerifyingKeySHA256} {
		if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
			return nil, nil, fmt.Errorf("wallet: the request gives no sha256 fingerprint for the %s", name)
		}
	}
	asOf, err := credential.ParseMonth(r.AsOf)
	if err != nil {
		return nil, nil, fmt.Errorf("wallet: the request's as-of month: %w", err)
	}
	req, err := st.DecodeRequest(st.ID(), r.Params, asOf)
	if err != nil {
		return nil, nil, fmt.Errorf("wallet: the request's parameters: %w", err)
	}
	if err := statement.ValidateLender(r.Lender); err != nil {
		return nil, nil, fmt.Errorf("wallet: %w", err)
	}
	if _, err := statement.ParseNonce(r.Nonce); err != nil {
		return nil, nil, fmt.Errorf("wallet: %w", err)
	}
	return &r, req, nil
}

// Trust is what the request's statement is proven against: its registry,
// if it carries one.
func (r *Request) Trust() (statement.Trust, error) {
	if len(r.Registry) == 0 || string(r.Registry) == "null" {
		return statement.Trust{}, nil
	}
	reg, err := registry.Parse(r.Registry)
	if err != nil {
		return statement.Trust{}, fmt.Errorf("wallet: the request's registry: %w", err)
	}
	return statement.Trust{Registry: reg}, nil
}

// manifest is the manifest the request's fingerprints make.
func (r *Request) manifest() *keys.Manifest {
	return &keys.Manifest{Circuit: r.Circuit.ID, Constraints: r.Circuit.Constraints, Files: map[string]string{
		keys.ProvingFile:   r.Circuit.ProvingKey.SHA256,
		keys.CircuitFile:   r.Circuit.ConstraintSystem.SHA256,
		keys.VerifyingFile: r.Circuit.VerifyingKeySHA256,
	}}
}

// CheckArtefact reports whether data is the artefact a names (its sha256).
func CheckArtefact(a Artefact, data []byte) error {
	if got := keys.Fingerprint(data); got != a.SHA256 {
		return fmt.Errorf("%w: the download has sha256 %s, the request names %s", ErrFingerprint, got, a.SHA256)
	}
	return nil
}

// LoadKeys checks the constraint system and proving key against the
// request's fingerprints, then parses them.
func (r *Request) LoadKeys(ccs, pk []byte) (*keys.Proving, error) {
	return keys.ParseProving(r.manifest(), ccs, pk)
}

// ParseHolder reads a holder secret file as `tacit holder keygen` writes
// it: 64 lowercase hex characters and a newline.
func ParseHolder(data []byte) (credential.HolderSecret, error) {
	if len(data) > 1024 {
		return credential.HolderSecret{}, errors.New("wallet: this is not a holder secret file (too large)")
	}
	return credential.ParseHolderSecret(strings.TrimSuffix(string(data), "\n"))
}

// NewHolder draws a holder secret from rnd and returns its file, as `tacit
// holder keygen` writes it, and its subject commitment.
func NewHolder(rnd io.Reader) (file []byte, subject string, err error) {
	s, err := credential.GenerateHolderSecret(rnd)
	if err != nil {
		return nil, "", err
	}
	return []byte(s.Hex() + "\n"), s.Subject().Hex(), nil
}

// Inputs reads the business's credential files and holder secret file.
func Inputs(creds [][]byte, holder []byte) (statement.Inputs, error) {
	h, err := ParseHolder(holder)
	if err != nil {
		return statement.Inputs{}, err
	}
	in := statement.Inputs{Holder: h}
	for i, data := range creds {
		c, err := credential.ParseCredential(data)
		if err != nil {
			return statement.Inputs{}, fmt.Errorf("wallet: credential %d: %w", i+1, err)
		}
		in.Credentials = append(in.Credentials, c)
	}
	return in, nil
}

// Precheck runs the statement's native check: nil, or an error wrapping
// statement.ErrUnsatisfied (an *statement.Unsatisfied names the first
// unmet rule) or saying why the inputs cannot be used. It is cheap and
// needs no keys, so the page runs it before any download.
func Precheck(r *Request, req statement.Request, in statement.Inputs) error {
	t, err := r.Trust()
	if err != nil {
		return err
	}
	task := prover.Task{Request: req, Lender: r.Lender, Nonce: r.Nonce, Inputs: in, Trust: t}
	if err := task.Validate(); err != nil {
		return err
	}
	lender, _ := statement.LenderID(r.Lender) // checked by Validate
	nonce, _ := statement.ParseNonce(r.Nonce)
	b := statement.Values{AsOf: req.AsOf(), Lender: lender, Nonce: nonce, Pseudonym: in.Holder.Pseudonym(lender)}
	if err := req.Check(t); err != nil {
		return err
	}
	_, _, err = req.Assign(b, in, t)
	return err
}

// Prove makes the attestation for the request, or returns an error
// wrapping statement.ErrUnsatisfied.
func Prove(ctx context.Context, r *Request, req statement.Request, k *keys.Proving, in statement.Inputs) ([]byte, error) {
	t, err := r.Trust()
	if err != nil {
		return nil, err
	}
	att, err := prover.Loaded(k).Prove(ctx, prover.Task{Request: req, Lender: r.Lender, Nonce: r.Nonce, Inputs: in, Trust: t})
	if err != nil {
		return nil, err
	}
	return att.MarshalIndent()
}
