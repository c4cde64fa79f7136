package nodefault

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	edwards "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/tacit-zk/tacit/credential"
)

// Public holds the statement's public inputs as domain values.
type Public struct {
	Severity  credential.Status
	Window    int
	AsOf      credential.Month
	Issuer    credential.IssuerKey
	Lender    fr.Element
	Nonce     fr.Element
	Pseudonym fr.Element
}

// Validate checks the public inputs' ranges.
func (p Public) Validate() error {
	switch {
	case p.Severity < credential.StatusLate30 || p.Severity > credential.StatusDefault:
		return fmt.Errorf("nodefault: severity must be late30..default, got %s", p.Severity)
	case p.Window < 1 || p.Window > Capacity:
		return fmt.Errorf("nodefault: window must be 1 to %d months, got %d", Capacity, p.Window)
	case !p.AsOf.Valid():
		return fmt.Errorf("nodefault: as-of month outside %d-%d", credential.MinYear, credential.MaxYear)
	case p.Issuer.IsZero():
		return errors.New("nodefault: missing issuer key")
	}
	return nil
}

// Assignment returns the public part of a witness (for verification).
func (p Public) Assignment() *Circuit {
	x, y := p.Issuer.Point()
	c := &Circuit{
		Severity: uint64(p.Severity),
		Window:   p.Window,
		AsOf:     int64(p.AsOf),
		AsOfDay:  int64(p.AsOf.FirstDay()),
		Lender:   p.Lender,
		Nonce:    p.Nonce,

		Pseudonym: p.Pseudonym,
	}
	c.Issuer.X, c.Issuer.Y = x, y
	return c
}

// Rule names a rule of the statement that a credential can fail.
type Rule string

const (
	RuleSignature = Rule("the issuer signature does not verify")
	RuleKind      = Rule("the credential is not a payment history")
	RuleIssuer    = Rule("the credential was signed by another issuer")
	RuleHolder    = Rule("the holder secret does not match the credential's subject")
	RuleCoverage  = Rule("the window is not inside the credential's months")
	RuleExpired   = Rule("the credential had expired at the as-of month")
	RuleSeverity  = Rule("a month in the window is at or above the severity")
)

// Unsatisfied reports which rule a credential fails. Its message names the
// rule and never a private value.
type Unsatisfied struct{ Rule Rule }

func (e *Unsatisfied) Error() string { return "nodefault: " + string(e.Rule) }

// Check evaluates the statement natively: nil if the credential and secret
// satisfy it for p, an *Unsatisfied otherwise. It mirrors Define rule by
// rule, so the prover can refuse before proving.
func Check(p Public, c *credential.Credential, secret credential.HolderSecret) error {
	if err := p.Validate(); err != nil {
		return err
	}
	switch {
	case c.Verify() != nil:
		return &Unsatisfied{RuleSignature}
	case c.Kind != credential.KindPaymentHistory:
		return &Unsatisfied{RuleKind}
	case !c.Issuer.Equal(p.Issuer):
		return &Unsatisfied{RuleIssuer}
	case !secret.Subject().Equal(c.Subject):
		return &Unsatisfied{RuleHolder}
	}
	start := p.AsOf - credential.Month(p.Window)
	if start < c.PeriodStart || p.AsOf > c.End() {
		return &Unsatisfied{RuleCoverage}
	}
	if c.ExpiredAt(p.AsOf.FirstDay()) {
		return &Unsatisfied{RuleExpired}
	}
	for m := start; m < p.AsOf; m++ {
		if c.Months[m-c.PeriodStart].Status >= p.Severity {
			return &Unsatisfied{RuleSeverity}
		}
	}
	return nil
}

// Assign builds a full witness. It does not check the statement (see Check);
// an unsatisfying witness fails in the solver.
func Assign(p Public, c *credential.Credential, secret credential.HolderSecret) (*Circuit, error) {
	w := p.Assignment()
	w.Secret = secret.Element()
	w.PeriodStart = int64(c.PeriodStart)
	w.Months = len(c.Months)
	w.IssuedAt = int64(c.IssuedAt)
	w.ExpiresAt = int64(c.ExpiresAt)
	statuses := c.Statuses()
	for i, s := range statuses {
		w.Status[i] = uint64(s)
	}
	packs := credential.PackAmounts(c.Amounts())
	for i := range packs {
		w.Amounts[i] = packs[i]
	}
	sig, err := Signature(c)
	if err != nil {
		return nil, err
	}
	w.Signature.R.X, w.Signature.R.Y = sig.R.X, sig.R.Y
	w.Signature.S = sig.S[:]
	return w, nil
}

// Signature decodes the credential's signature for a witness: R's
// coordinates and S, big endian.
func Signature(c *credential.Credential) (*edwards.Signature, error) {
	var sig edwards.Signature
	if _, err := sig.SetBytes(c.Signature[:]); err != nil {
		return nil, fmt.Errorf("nodefault: malformed signature: %w", err)
	}
	return &sig, nil
}
