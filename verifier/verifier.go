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
	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
)

// The checks Verify can fail, one sentinel each.
var (
	ErrMalformed        = errors.New("verifier: malformed attestation")
	ErrUnknownStatement = errors.New("verifier: unknown statement")
	ErrKeyMismatch      = errors.New("verifier: verifying key fingerprint mismatch")
	ErrWrongIssuer      = errors.New("verifier: wrong issuer")
	ErrWrongLender      = errors.New("verifier: wrong lender")
	ErrWrongNonce       = errors.New("verifier: wrong nonce")
	ErrStaleAsOf        = errors.New("verifier: stale as-of month")
	ErrFutureAsOf       = errors.New("verifier: future as-of month")
	ErrWindowTooShort   = errors.New("verifier: window shorter than required")
	ErrWeakerStatement  = errors.New("verifier: the statement is weaker than required")
	ErrBadProof         = errors.New("verifier: bad proof")
)

// Expect is what the verifier requires of an attestation.
type Expect struct {
	// Issuers are the trusted issuer keys; the attestation's issuer must be one.
	Issuers []credential.IssuerKey
	// Lender is the verifier's own lender identifier.
	Lender string
	// Nonce is the challenge the verifier issued (64 hex).
	Nonce string
	// AsOf, if set, is the exact as-of month required. Otherwise the as-of
	// month must be the current month or at most MaxAge months before it.
	AsOf *credential.Month
	// MinWindow is the shortest acceptable window in months (0: any).
	MinWindow int
	// MaxSeverity is the weakest acceptable severity (zero: default), so
	// that "no late60" also satisfies a "no default" requirement.
	MaxSeverity credential.Status
}

// Validate checks e.
func (e Expect) Validate() error {
	if len(e.Issuers) == 0 {
		return errors.New("verifier: at least one trusted issuer is required")
	}
	if err := ValidateLender(e.Lender); err != nil {
		return err
	}
	if _, err := ParseNonce(e.Nonce); err != nil {
		return err
	}
	if e.MinWindow < 0 || e.MinWindow > credential.MaxMonths {
		return fmt.Errorf("verifier: minimum window must be 0 to %d", credential.MaxMonths)
	}
	return nil
}

// Result describes a verified attestation.
type Result struct {
	Statement string
	Sentence  string // the statement in words, with its parameters
	Window    int
	AsOf      credential.Month
	Severity  credential.Status
	Issuer    credential.IssuerKey
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
// wrapping the sentinel of the first failed check.
func (v *Verifier) Verify(att *Attestation, exp Expect) (*Result, error) {
	if err := exp.Validate(); err != nil {
		return nil, err
	}
	if _, err := circuits.Lookup(att.Statement); err != nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownStatement, att.Statement)
	}
	if att.Statement == policyStatement {
		return nil, fmt.Errorf("%w (VerifyPolicy)", ErrPolicyRequired)
	}
	vk, err := v.keyFor(att)
	if err != nil {
		return nil, err
	}
	pub, res, err := decodePublic(att.Public)
	if err != nil {
		return nil, err
	}
	res.Statement = att.Statement
	if !trusted(exp.Issuers, pub.Issuer) {
		return nil, fmt.Errorf("%w: %s is not a trusted issuer", ErrWrongIssuer, pub.Issuer.Hex())
	}
	if att.Public.Lender != exp.Lender {
		return nil, fmt.Errorf("%w: made for %q, not %q", ErrWrongLender, att.Public.Lender, exp.Lender)
	}
	if att.Public.Nonce != exp.Nonce {
		return nil, fmt.Errorf("%w: the attestation answers another challenge", ErrWrongNonce)
	}
	if err := v.checkAsOf(pub.AsOf, exp.AsOf); err != nil {
		return nil, err
	}
	if pub.Window < exp.MinWindow {
		return nil, fmt.Errorf("%w: %d months, at least %d required", ErrWindowTooShort, pub.Window, exp.MinWindow)
	}
	maxSeverity := exp.MaxSeverity
	if maxSeverity == 0 {
		maxSeverity = credential.StatusDefault
	}
	if pub.Severity > maxSeverity {
		return nil, fmt.Errorf("%w: forbids %s, %s required", ErrWeakerStatement, pub.Severity, maxSeverity)
	}
	if err := checkProof(vk, att.Proof, pub.Assignment()); err != nil {
		return nil, err
	}
	return res, nil
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
	proof, err := decodeProof(proofHex)
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

func trusted(list []credential.IssuerKey, k credential.IssuerKey) bool {
	for _, t := range list {
		if t.Equal(k) {
			return true
		}
	}
	return false
}

func decodePublic(p Public) (nodefault.Public, *Result, error) {
	bad := func(field string, err error) error {
		return fmt.Errorf("%w: field \"public.%s\": %v", ErrMalformed, field, err)
	}
	var out nodefault.Public
	var err error
	if out.Severity, err = credential.ParseStatus(p.Severity); err != nil {
		return out, nil, bad("severity", err)
	}
	out.Window = p.Window
	if out.AsOf, err = credential.ParseMonth(p.AsOf); err != nil {
		return out, nil, bad("asOf", err)
	}
	if out.Issuer, err = credential.ParseIssuerKey(p.Issuer); err != nil {
		return out, nil, bad("issuer", err)
	}
	if out.Lender, err = LenderID(p.Lender); err != nil {
		return out, nil, bad("lender", err)
	}
	if out.Nonce, err = ParseNonce(p.Nonce); err != nil {
		return out, nil, bad("nonce", err)
	}
	if out.Pseudonym, err = credential.ParseFieldHex(p.Pseudonym); err != nil {
		return out, nil, bad("pseudonym", err)
	}
	if err := out.Validate(); err != nil {
		return out, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	res := &Result{
		Window: out.Window, AsOf: out.AsOf, Severity: out.Severity, Issuer: out.Issuer,
		Lender: p.Lender, Pseudonym: p.Pseudonym,
	}
	res.Sentence = Describe(out.Severity, out.Window, out.AsOf)
	return out, res, nil
}

// Describe puts a no-default statement in words.
func Describe(severity credential.Status, window int, asOf credential.Month) string {
	what := "no month in default"
	if severity != credential.StatusDefault {
		what = fmt.Sprintf("no month %s or worse", severity)
	}
	return fmt.Sprintf("%s in the %d months before %s (%s to %s)", what, window, asOf, asOf-credential.Month(window), asOf-1)
}

func decodeProof(s string) (groth16.Proof, error) {
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
