package verifier

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/statement"
)

// The checks Verify can fail, one sentinel each. Those a statement decides
// are the statement kit's, re-exported here for lenders.
var (
	ErrMalformed        = statement.ErrMalformed
	ErrUnknownStatement = statement.ErrUnknown
	ErrKeyMismatch      = errors.New("verifier: verifying key fingerprint mismatch")
	ErrWrongIssuer      = statement.ErrWrongIssuer
	ErrWrongLender      = errors.New("verifier: wrong lender")
	ErrWrongNonce       = errors.New("verifier: wrong nonce")
	ErrStaleAsOf        = errors.New("verifier: stale as-of month")
	ErrFutureAsOf       = errors.New("verifier: future as-of month")
	ErrWindowTooShort   = statement.ErrWindowTooShort
	ErrWeakerStatement  = statement.ErrWeakerStatement
	ErrOtherStatement   = statement.ErrOtherStatement
	ErrWrongPolicy      = statement.ErrWrongPolicy
	ErrRetiredRoot      = statement.ErrRetiredRoot
	ErrWrongIssuerSet   = statement.ErrWrongIssuerSet
	ErrNeedsRequest     = statement.ErrNeedsRequest
	ErrBadProof         = errors.New("verifier: bad proof")
)

// Binding values, re-exported from the statement kit for lenders.
var (
	ValidateLender = statement.ValidateLender
	LenderID       = statement.LenderID
	ParseNonce     = statement.ParseNonce
	NewNonce       = statement.NewNonce
)

// Expect is what a lender requires of an attestation.
type Expect struct {
	// Request is what the lender asked for: the statement, its parameters
	// (a window, a policy) and the as-of month.
	Request statement.Request
	// Trust holds the issuer keys the lender trusts, or the issuer
	// registry whose current roots it accepts (policies).
	Trust statement.Trust
	// Lender is the verifier's own lender identifier.
	Lender string
	// Nonce is the challenge the verifier issued (64 hex).
	Nonce string
	// AsOf, if set, is the exact as-of month required. Otherwise the as-of
	// month must be the current month or at most MaxAge months before it.
	AsOf *credential.Month
	// Match: AtLeast accepts a stronger statement (a longer window, a
	// stricter severity); Exactly only the parameters asked for.
	Match statement.Match
}

// Validate checks e.
func (e Expect) Validate() error {
	if e.Request == nil {
		return errors.New("verifier: no request to verify against")
	}
	if err := ValidateLender(e.Lender); err != nil {
		return err
	}
	if _, err := ParseNonce(e.Nonce); err != nil {
		return err
	}
	return e.Request.Check(e.Trust)
}

// Result describes a verified attestation.
type Result struct {
	Statement string
	statement.Summary
	AsOf      credential.Month
	Lender    string
	Pseudonym string
}

// Verifier verifies attestations against loaded verifying keys.
type Verifier struct {
	keys   map[string]*keys.Verifying
	now    func() time.Time
	maxAge int
}

// Option configures a Verifier.
type Option func(*Verifier) error

// WithClock sets the clock used for staleness.
func WithClock(now func() time.Time) Option {
	return func(v *Verifier) error { v.now = now; return nil }
}

// WithMaxAge sets how many months before the current month an as-of month
// may be (default 1).
func WithMaxAge(months int) Option {
	return func(v *Verifier) error {
		if months < 0 || months > 12 {
			return errors.New("verifier: max age must be 0 to 12 months")
		}
		v.maxAge = months
		return nil
	}
}

// New loads the verifying keys in dir, checking their fingerprints.
func New(dir string, opts ...Option) (*Verifier, error) {
	v := &Verifier{keys: map[string]*keys.Verifying{}, now: time.Now, maxAge: 1}
	for _, o := range opts {
		if err := o(v); err != nil {
			return nil, err
		}
	}
	for _, info := range circuits.All() {
		k, err := keys.LoadVerifying(dir, info.ID)
		if errors.Is(err, keys.ErrMissing) {
			continue
		}
		if err != nil {
			return nil, err
		}
		v.keys[info.ID] = k
	}
	if len(v.keys) == 0 {
		return nil, fmt.Errorf("verifier: no verifying keys in %s (run `tacit keys setup --dir %s`)", dir, dir)
	}
	return v, nil
}

// Key returns the loaded verifying key of a statement.
func (v *Verifier) Key(id string) (*keys.Verifying, bool) {
	k, ok := v.keys[id]
	return k, ok
}

// Verify checks att against exp and returns what it proves, or an error
// wrapping the sentinel of the first failed check: the binding (lender,
// nonce, as-of month), then what the statement requires of its section,
// then the proof. It has no side effects.
func (v *Verifier) Verify(att *Attestation, exp Expect) (*Result, error) {
	if err := exp.Validate(); err != nil {
		return nil, err
	}
	if _, err := circuits.Lookup(att.Statement); err != nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownStatement, att.Statement)
	}
	req, err := forStatement(exp.Request, att.Statement)
	if err != nil {
		return nil, err
	}
	exp.Request = req
	vk, err := v.keyFor(att)
	if err != nil {
		return nil, err
	}
	b, err := att.Binding.Values()
	if err != nil {
		return nil, err
	}
	if att.Binding.Lender != exp.Lender {
		return nil, fmt.Errorf("%w: made for %q, not %q", ErrWrongLender, att.Binding.Lender, exp.Lender)
	}
	if att.Binding.Nonce != exp.Nonce {
		return nil, fmt.Errorf("%w: the attestation answers another challenge", ErrWrongNonce)
	}
	if err := v.checkAsOf(b.AsOf, exp.AsOf); err != nil {
		return nil, err
	}
	if err := exp.Request.Expect(att.Section, exp.Trust, exp.Match); err != nil {
		return nil, err
	}
	return v.check(vk, att, exp.Request, b, exp.Trust)
}

// Audit re-checks an archived attestation against its own public inputs:
// the key fingerprint and the proof, and nothing a lender decides (trust,
// lender, nonce, the clock). It says what the attestation proves. req is
// the request it answers; nil asks the statement to rebuild it from the
// attestation, which a statement whose public inputs need more (a policy's
// document) refuses with ErrNeedsRequest.
func (v *Verifier) Audit(att *Attestation, req statement.Request, t statement.Trust) (*Result, error) {
	info, err := circuits.Lookup(att.Statement)
	if err != nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownStatement, att.Statement)
	}
	vk, err := v.keyFor(att)
	if err != nil {
		return nil, err
	}
	b, err := att.Binding.Values()
	if err != nil {
		return nil, err
	}
	if req == nil {
		if req, err = info.Statement.Claim(att.Section, b.AsOf); err != nil {
			return nil, err
		}
	}
	if req, err = forStatement(req, att.Statement); err != nil {
		return nil, err
	}
	return v.check(vk, att, req, b, t)
}

// forStatement is req if it asks for statement id, or the same request for
// id when id is another version of req's statement that answers it
// (statement.Versioned: a no-default/v1 attestation answers a no-default
// request after v2 became the default).
func forStatement(req statement.Request, id string) (statement.Request, error) {
	if req.Statement().ID() == id {
		return req, nil
	}
	if v, ok := req.(statement.Versioned); ok {
		if r, ok := v.For(id); ok {
			return r, nil
		}
	}
	return nil, fmt.Errorf("%w: the attestation proves %s, %s was asked for", ErrOtherStatement, id, req.Statement().ID())
}

// check verifies the proof against the public witness rebuilt from the
// request, the section and the binding.
func (v *Verifier) check(vk *keys.Verifying, att *Attestation, req statement.Request, b statement.Values, t statement.Trust) (*Result, error) {
	public, err := req.Public(att.Section, b)
	if err != nil {
		return nil, err
	}
	if err := checkProof(vk, att.Proof, public); err != nil {
		return nil, err
	}
	return &Result{
		Statement: att.Statement, Summary: req.Summary(att.Section, t), AsOf: b.AsOf,
		Lender: att.Binding.Lender, Pseudonym: att.Binding.Pseudonym,
	}, nil
}

// keyFor returns the verifying key of the attestation's statement, checking
// the fingerprint the attestation names.
func (v *Verifier) keyFor(att *Attestation) (*keys.Verifying, error) {
	vk, ok := v.keys[att.Statement]
	if !ok {
		return nil, fmt.Errorf("%w %q: no verifying key loaded for it", ErrUnknownStatement, att.Statement)
	}
	if att.VerifyingKey != vk.Fingerprint {
		return nil, fmt.Errorf("%w: the attestation was made with %s, this verifier has %s", ErrKeyMismatch, att.VerifyingKey, vk.Fingerprint)
	}
	return vk, nil
}

// checkProof decodes a proof and checks it against the public inputs.
func checkProof(vk *keys.Verifying, proofHex string, public frontend.Circuit) error {
	proof, err := DecodeProof(proofHex)
	if err != nil {
		return err
	}
	w, err := frontend.NewWitness(public, fr.Modulus(), frontend.PublicOnly())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := groth16.Verify(proof, vk.Key, w); err != nil {
		return ErrBadProof
	}
	return nil
}

func (v *Verifier) checkAsOf(got credential.Month, want *credential.Month) error {
	if want != nil {
		switch {
		case got < *want:
			return fmt.Errorf("%w: %s, %s required", ErrStaleAsOf, got, *want)
		case got > *want:
			return fmt.Errorf("%w: %s, %s required", ErrFutureAsOf, got, *want)
		}
		return nil
	}
	now := credential.MonthOf(v.now())
	switch {
	case got > now:
		return fmt.Errorf("%w: %s is after the current month %s", ErrFutureAsOf, got, now)
	case got < now-credential.Month(v.maxAge):
		return fmt.Errorf("%w: %s is more than %d month(s) before %s", ErrStaleAsOf, got, v.maxAge, now)
	}
	return nil
}

// DecodeProof decodes an attestation's proof: lowercase hex of gnark's
// serialization of a BN254 Groth16 proof, with no trailing bytes.
func DecodeProof(s string) (groth16.Proof, error) {
	b, err := hex.DecodeString(s)
	if err != nil || hex.EncodeToString(b) != s {
		return nil, fmt.Errorf("%w: field \"proof\": must be lowercase hex", ErrMalformed)
	}
	proof := groth16.NewProof(circuits.Curve)
	n, err := proof.ReadFrom(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: field \"proof\": %v", ErrMalformed, err)
	}
	if n != int64(len(b)) {
		return nil, fmt.Errorf("%w: field \"proof\": trailing bytes", ErrMalformed)
	}
	return proof, nil
}

// PublicWitness is the public witness of an attestation that answers req,
// as field elements in circuit order (for exports to other verifiers). It
// checks the section's values, not the proof.
func PublicWitness(att *Attestation, req statement.Request) (fr.Vector, error) {
	b, err := att.Binding.Values()
	if err != nil {
		return nil, err
	}
	if req, err = forStatement(req, att.Statement); err != nil {
		return nil, err
	}
	public, err := req.Public(att.Section, b)
	if err != nil {
		return nil, err
	}
	w, err := frontend.NewWitness(public, fr.Modulus(), frontend.PublicOnly())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	vec, ok := w.Vector().(fr.Vector)
	if !ok {
		return nil, errors.New("verifier: unexpected witness type")
	}
	return vec, nil
}

// Claim is the request an attestation answers exactly, rebuilt from the
// attestation (ErrNeedsRequest for statements that need more).
func Claim(att *Attestation) (statement.Request, error) {
	info, err := circuits.Lookup(att.Statement)
	if err != nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownStatement, att.Statement)
	}
	b, err := att.Binding.Values()
	if err != nil {
		return nil, err
	}
	return info.Statement.Claim(att.Section, b.AsOf)
}
