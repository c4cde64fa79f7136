package policy

import (
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	edwards "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/registry"
)

// SlotPublic is one credential slot as domain values.
type SlotPublic struct {
	Kind credential.Kind // 0 for an unused slot
	Root fr.Element      // the issuer set's root; zero for an unused slot
}

// Used reports whether the slot holds a credential.
func (s SlotPublic) Used() bool { return s.Kind != 0 }

// RulePublic is one rule slot as domain values.
type RulePublic struct {
	Kind      RuleKind
	Slot      int
	Window    int
	Threshold uint64
}

// Public holds the statement's public inputs as domain values.
type Public struct {
	Policy    fr.Element
	AsOf      credential.Month
	Lender    fr.Element
	Nonce     fr.Element
	Pseudonym fr.Element
	Slots     [Slots]SlotPublic
	Rules     [Rules]RulePublic
}

// Validate checks what the circuit requires of the public inputs, and what
// a prover needs for the circuit to be satisfiable: at least one used slot
// and one rule, rules only on used slots, amount rules on one slot, and at
// most one RuleMinimum (the circuit adds minimum bounds month by month, so
// two would demand their sum).
func (p Public) Validate() error {
	if !p.AsOf.Valid() {
		return fmt.Errorf("policy: as-of month outside %d-%d", credential.MinYear, credential.MaxYear)
	}
	used := 0
	for k, s := range p.Slots {
		switch {
		case s.Kind == 0 && !s.Root.IsZero():
			return fmt.Errorf("policy: slot %d is unused but has a root", k)
		case s.Kind != 0 && s.Kind != credential.KindPaymentHistory && s.Kind != credential.KindRevenue:
			return fmt.Errorf("policy: slot %d: unknown credential kind", k)
		case s.Kind != 0:
			used++
		}
	}
	if used == 0 {
		return errors.New("policy: no credential slot is used")
	}
	rules, minimums, amountSlot := 0, 0, -1
	for j, r := range p.Rules {
		if r.Kind == RuleNone {
			if r.Slot != 0 || r.Window != 0 || r.Threshold != 0 {
				return fmt.Errorf("policy: rule %d is disabled but has parameters", j)
			}
			continue
		}
		rules++
		if r.Kind >= numRuleKinds {
			return fmt.Errorf("policy: rule %d: unknown kind", j)
		}
		if r.Slot < 0 || r.Slot >= Slots || !p.Slots[r.Slot].Used() {
			return fmt.Errorf("policy: rule %d reads slot %d, which is not used", j, r.Slot)
		}
		if r.Window < 1 || r.Window > Capacity {
			return fmt.Errorf("policy: rule %d: window must be 1 to %d months", j, Capacity)
		}
		if r.Threshold >= 1<<ThresholdBits {
			return fmt.Errorf("policy: rule %d: threshold must be below 2^%d", j, ThresholdBits)
		}
		switch r.Kind {
		case RuleNoMonthAtOrAbove:
			if r.Threshold < uint64(credential.StatusLate30) || r.Threshold > uint64(credential.StatusDefault) {
				return fmt.Errorf("policy: rule %d: status must be late30..default", j)
			}
		case RuleOnTime:
			if r.Threshold > 1000 {
				return fmt.Errorf("policy: rule %d: per mille must be at most 1000", j)
			}
		case RuleHistory:
			if r.Threshold != 0 {
				return fmt.Errorf("policy: rule %d: a history rule has no threshold", j)
			}
		}
		if r.Kind.ReadsAmounts() {
			if amountSlot >= 0 && amountSlot != r.Slot {
				return fmt.Errorf("policy: rule %d: every amount rule must read the same credential", j)
			}
			amountSlot = r.Slot
		}
		if r.Kind == RuleMinimum {
			minimums++
		}
	}
	if rules == 0 {
		return errors.New("policy: no rule")
	}
	if minimums > 1 {
		return errors.New("policy: at most one minimum rule")
	}
	return nil
}

// Assignment returns the public part of a witness (for verification).
func (p Public) Assignment() *Circuit {
	c := &Circuit{
		Policy: p.Policy, AsOf: int64(p.AsOf), AsOfDay: int64(p.AsOf.FirstDay()),
		Lender: p.Lender, Nonce: p.Nonce, Pseudonym: p.Pseudonym,
	}
	for k, s := range p.Slots {
		c.Slots[k] = Slot{Kind: uint64(s.Kind), Root: s.Root}
	}
	for j, r := range p.Rules {
		c.Rules[j] = Rule{Kind: uint64(r.Kind), Slot: r.Slot, Window: r.Window, Threshold: r.Threshold}
	}
	return c
}

// AmountSlot is the slot every amount rule reads (0 if there is none).
func (p Public) AmountSlot() int {
	for _, r := range p.Rules {
		if r.Kind.ReadsAmounts() {
			return r.Slot
		}
	}
	return 0
}

// Witness is the prover's private input: one credential and its issuer's
// membership proof per used slot (nil and zero for unused slots), and the
// holder secret.
type Witness struct {
	Credentials [Slots]*credential.Credential
	Membership  [Slots]registry.Proof
	Holder      credential.HolderSecret
}

// Reason names what a credential or a rule fails.
type Reason string

const (
	ReasonMissing   = Reason("no credential for the slot")
	ReasonSignature = Reason("the issuer signature does not verify")
	ReasonKind      = Reason("the credential is of another kind than the slot requires")
	ReasonIssuerSet = Reason("the issuer is not in the slot's issuer set")
	ReasonHolder    = Reason("the holder secret does not match the credential's subject")
	ReasonDistinct  = Reason("another credential comes from the same issuer")
	ReasonExpired   = Reason("the credential had expired at the as-of month")
	ReasonPseudonym = Reason("the pseudonym is not the holder's for this lender")
	ReasonCoverage  = Reason("the window is not inside the credential's months")
	ReasonStatus    = Reason("a month in the window is at or above the status")
	ReasonOnTime    = Reason("too few months in the window are on time")
	ReasonSum       = Reason("the amounts in the window sum to less than the threshold")
	ReasonAverage   = Reason("the average amount in the window is below the threshold")
	ReasonMinimum   = Reason("an amount in the window is below the threshold")
)

// Unsatisfied says which slot or rule fails, and why. Its message never
// holds a private value.
type Unsatisfied struct {
	Slot   int // -1 when a rule fails
	Rule   int // -1 when a slot fails
	Reason Reason
}

func (e *Unsatisfied) Error() string {
	if e.Rule >= 0 {
		return fmt.Sprintf("policy: rule %d: %s", e.Rule, e.Reason)
	}
	if e.Slot >= 0 {
		return fmt.Sprintf("policy: credential %d: %s", e.Slot, e.Reason)
	}
	return "policy: " + string(e.Reason)
}

func slotFails(k int, r Reason) error { return &Unsatisfied{Slot: k, Rule: -1, Reason: r} }
func ruleFails(j int, r Reason) error { return &Unsatisfied{Slot: -1, Rule: j, Reason: r} }

// Check evaluates the statement natively: nil if the witness satisfies it
// for p, an *Unsatisfied otherwise. It mirrors Define check by check, so the
// prover can refuse before proving.
func Check(p Public, w Witness) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Pseudonym != w.Holder.Pseudonym(p.Lender) {
		return &Unsatisfied{Slot: -1, Rule: -1, Reason: ReasonPseudonym}
	}
	subject := w.Holder.Subject()
	for k, s := range p.Slots {
		if !s.Used() {
			continue
		}
		c := w.Credentials[k]
		switch {
		case c == nil:
			return slotFails(k, ReasonMissing)
		case c.Verify() != nil:
			return slotFails(k, ReasonSignature)
		case c.Kind != s.Kind:
			return slotFails(k, ReasonKind)
		case !subject.Equal(c.Subject):
			return slotFails(k, ReasonHolder)
		case w.Membership[k].Root(registry.Leaf(c.Issuer)) != s.Root:
			return slotFails(k, ReasonIssuerSet)
		case c.ExpiredAt(p.AsOf.FirstDay()):
			return slotFails(k, ReasonExpired)
		}
		for l := 0; l < k; l++ {
			if p.Slots[l].Used() && w.Credentials[l].Issuer.Equal(c.Issuer) {
				return slotFails(k, ReasonDistinct)
			}
		}
	}
	for j, r := range p.Rules {
		if r.Kind == RuleNone {
			continue
		}
		if reason := checkRule(p.AsOf, r, w.Credentials[r.Slot]); reason != "" {
			return ruleFails(j, reason)
		}
	}
	return nil
}

// checkRule evaluates one rule on its credential, exactly (integers only),
// and returns why it fails, or "".
func checkRule(asOf credential.Month, r RulePublic, c *credential.Credential) Reason {
	start := asOf - credential.Month(r.Window)
	if start < c.PeriodStart || asOf > c.End() {
		return ReasonCoverage
	}
	window := c.Months[start-c.PeriodStart : asOf-c.PeriodStart]
	var ok, sum uint64
	for _, m := range window {
		if m.Status == credential.StatusOK {
			ok++
		}
		sum += m.Amount
		switch {
		case r.Kind == RuleNoMonthAtOrAbove && uint64(m.Status) >= r.Threshold:
			return ReasonStatus
		case r.Kind == RuleMinimum && m.Amount < r.Threshold:
			return ReasonMinimum
		}
	}
	w := uint64(r.Window)
	switch {
	case r.Kind == RuleOnTime && 1000*ok < r.Threshold*w:
		return ReasonOnTime
	case r.Kind == RuleSum && sum < r.Threshold:
		return ReasonSum
	case r.Kind == RuleAverage && sum < r.Threshold*w:
		return ReasonAverage
	}
	return ""
}

// Assign builds a full witness. It does not check the statement (see
// Check); an unsatisfying witness fails in the solver. Unused slots are
// padded with a copy of the first used slot's witness: the circuit ignores
// them, but every value must still be well formed for the solver.
func Assign(p Public, w Witness) (*Circuit, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	a := p.Assignment()
	a.Secret = w.Holder.Element()
	a.AmountSlot = p.AmountSlot()
	err := w.Fill(p, func(k int, c *credential.Credential, proof registry.Proof) error {
		return assignCredential(&a.Credentials[k], c, proof)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Fill calls fill for every slot with the credential and membership proof
// the witness puts there. An unused slot gets a copy of the first used
// slot's: the circuit ignores it, but every value must still be well
// formed for the solver.
func (w Witness) Fill(p Public, fill func(k int, c *credential.Credential, proof registry.Proof) error) error {
	first := -1
	for k, s := range p.Slots {
		if s.Used() {
			if w.Credentials[k] == nil {
				return fmt.Errorf("policy: no credential for slot %d", k)
			}
			if first < 0 {
				first = k
			}
		}
	}
	for k, s := range p.Slots {
		src := k
		if !s.Used() {
			src = first
		}
		if err := fill(k, w.Credentials[src], w.Membership[src]); err != nil {
			return err
		}
	}
	return nil
}

// SignatureOf returns a credential's signature as R and the big-endian
// bytes of S, for a witness.
func SignatureOf(c *credential.Credential) (r [2]fr.Element, s []byte, err error) {
	var sig edwards.Signature
	if _, err := sig.SetBytes(c.Signature[:]); err != nil {
		return r, nil, fmt.Errorf("policy: malformed signature: %w", err)
	}
	return [2]fr.Element{sig.R.X, sig.R.Y}, sig.S[:], nil
}

func assignCredential(dst *Credential, c *credential.Credential, proof registry.Proof) error {
	dst.PeriodStart = int64(c.PeriodStart)
	dst.Months = len(c.Months)
	dst.IssuedAt = int64(c.IssuedAt)
	dst.ExpiresAt = int64(c.ExpiresAt)
	dst.Statuses = credential.PackStatuses(c.Statuses())
	packs := credential.PackAmounts(c.Amounts())
	for i := range packs {
		dst.Amounts[i] = packs[i]
	}
	x, y := c.Issuer.Point()
	dst.Issuer.X, dst.Issuer.Y = x, y
	r, sig, err := SignatureOf(c)
	if err != nil {
		return err
	}
	dst.Signature.R.X, dst.Signature.R.Y = r[0], r[1]
	dst.Signature.S = sig
	dst.Index = proof.Index
	for d := range proof.Siblings {
		dst.Path[d] = proof.Siblings[d]
	}
	return nil
}
