package verifier

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	policycircuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/policydoc"
	"github.com/tacit-zk/tacit/registry"
)

// The checks VerifyPolicy can fail besides those Verify shares.
var (
	ErrWrongPolicy = errors.New("verifier: the attestation answers another policy")
	// ErrRetiredRoot is registry.ErrRetiredRoot: a credential was proven
	// against a root its issuer set no longer has (an issuer was removed).
	ErrRetiredRoot    = registry.ErrRetiredRoot
	ErrWrongIssuerSet = errors.New("verifier: not a root of the required issuer set")
	ErrPolicyRequired = errors.New("verifier: a policy/v1 attestation is verified against a policy")
)

// PolicyExpect is what a lender requires of a policy/v1 attestation.
type PolicyExpect struct {
	// Policy is the lender's own policy document; the rules, the credential
	// kinds and the policy hash come from it, never from the attestation.
	Policy *policydoc.Policy
	// Registry holds the current issuer sets; each credential's root must be
	// the current root of the set the policy names for it.
	Registry *registry.Registry
	// Lender is the verifier's own lender identifier.
	Lender string
	// Nonce is the challenge the verifier issued (64 hex).
	Nonce string
	// AsOf, if set, is the exact as-of month required; otherwise the
	// current month or at most the verifier's max age before it.
	AsOf *credential.Month
}

// Validate checks e.
func (e PolicyExpect) Validate() error {
	if e.Policy == nil {
		return errors.New("verifier: a policy is required")
	}
	if err := e.Policy.Validate(); err != nil {
		return err
	}
	if e.Registry == nil {
		return errors.New("verifier: an issuer registry is required")
	}
	if err := e.Policy.CheckRegistry(e.Registry); err != nil {
		return fmt.Errorf("verifier: %w", err)
	}
	if err := ValidateLender(e.Lender); err != nil {
		return err
	}
	if _, err := ParseNonce(e.Nonce); err != nil {
		return err
	}
	return nil
}

// PolicyResult describes a verified policy attestation.
type PolicyResult struct {
	Statement   string
	Policy      string   // the policy's id
	Hash        string   // the policy hash, 64 hex
	Rules       []string // each rule in words, "name: sentence"
	Credentials []string // each credential in words: its kind and issuer set
	AsOf        credential.Month
	Lender      string
	Pseudonym   string
}

// VerifyPolicy checks a policy/v1 attestation against exp and returns what
// it proves, or an error wrapping the sentinel of the first failed check.
// Like Verify it has no side effects.
func (v *Verifier) VerifyPolicy(att *Attestation, exp PolicyExpect) (*PolicyResult, error) {
	if err := exp.Validate(); err != nil {
		return nil, err
	}
	if att.Statement != policycircuit.ID {
		return nil, fmt.Errorf("%w %q: a policy is answered by %s attestations", ErrUnknownStatement, att.Statement, policycircuit.ID)
	}
	vk, err := v.keyFor(att)
	if err != nil {
		return nil, err
	}
	p := exp.Policy
	if att.Policy == nil {
		return nil, fmt.Errorf("%w: no policy section", ErrMalformed)
	}
	if att.Policy.Hash != p.HashHex() || att.Policy.ID != p.ID {
		return nil, fmt.Errorf("%w: it answers %q (hash %s), not %q (hash %s)", ErrWrongPolicy, att.Policy.ID, att.Policy.Hash, p.ID, p.HashHex())
	}
	if att.Public.Lender != exp.Lender {
		return nil, fmt.Errorf("%w: made for %q, not %q", ErrWrongLender, att.Public.Lender, exp.Lender)
	}
	if att.Public.Nonce != exp.Nonce {
		return nil, fmt.Errorf("%w: the attestation answers another challenge", ErrWrongNonce)
	}
	asOf, err := credential.ParseMonth(att.Public.AsOf)
	if err != nil {
		return nil, fmt.Errorf("%w: field \"public.asOf\": %v", ErrMalformed, err)
	}
	if err := v.checkAsOf(asOf, exp.AsOf); err != nil {
		return nil, err
	}
	roots, err := checkRoots(att.Policy.Roots, p, exp.Registry)
	if err != nil {
		return nil, err
	}
	lender, _ := LenderID(exp.Lender) // validated by exp.Validate
	nonce, _ := ParseNonce(exp.Nonce)
	pseudonym, err := credential.ParseFieldHex(att.Public.Pseudonym)
	if err != nil {
		return nil, fmt.Errorf("%w: field \"public.pseudonym\": %v", ErrMalformed, err)
	}
	pub, err := p.Public(roots, asOf, lender, nonce, pseudonym)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := checkProof(vk, att.Proof, pub.Assignment()); err != nil {
		return nil, err
	}
	res := &PolicyResult{
		Statement: policycircuit.ID, Policy: p.ID, Hash: p.HashHex(), AsOf: asOf,
		Lender: exp.Lender, Pseudonym: att.Public.Pseudonym,
	}
	for _, r := range p.Rules {
		res.Rules = append(res.Rules, r.Name+": "+r.Sentence())
	}
	for _, c := range p.Credentials {
		res.Credentials = append(res.Credentials, c.Sentence(exp.Registry))
	}
	return res, nil
}

// checkRoots parses the attestation's roots and checks that each is the
// current root of the issuer set the policy names for its credential.
func checkRoots(hexes []string, p *policydoc.Policy, reg *registry.Registry) ([]fr.Element, error) {
	if len(hexes) != len(p.Credentials) {
		return nil, fmt.Errorf("%w: field \"policy.roots\": %d roots for %d credentials", ErrMalformed, len(hexes), len(p.Credentials))
	}
	roots := make([]fr.Element, len(hexes))
	for k, h := range hexes {
		var err error
		if roots[k], err = credential.ParseFieldHex(h); err != nil {
			return nil, fmt.Errorf("%w: field \"policy.roots[%d]\": %v", ErrMalformed, k, err)
		}
		c := p.Credentials[k]
		err = reg.CheckRoot(c.IssuerSet, c.Kind, roots[k])
		switch {
		case errors.Is(err, ErrRetiredRoot):
			return nil, fmt.Errorf("verifier: credential %s: %w", c.Name, err)
		case err != nil:
			return nil, fmt.Errorf("%w: credential %s: %w", ErrWrongIssuerSet, c.Name, err)
		}
	}
	return roots, nil
}
