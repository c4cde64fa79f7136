package policy

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/policydoc"
)

// RuleKind is a rule's predicate; the policy language (package policydoc)
// defines the kinds and this circuit numbers them the same way.
type RuleKind = policydoc.RuleKind

// The predicates, as the circuit numbers them.
const (
	RuleNone             = policydoc.RuleNone
	RuleNoMonthAtOrAbove = policydoc.RuleNoMonthAtOrAbove
	RuleOnTime           = policydoc.RuleOnTime
	RuleSum              = policydoc.RuleSum
	RuleAverage          = policydoc.RuleAverage
	RuleMinimum          = policydoc.RuleMinimum
	RuleHistory          = policydoc.RuleHistory
	numRuleKinds         = policydoc.NumRuleKinds
	// NumRuleKinds is the number of rule kinds, RuleNone included.
	NumRuleKinds = policydoc.NumRuleKinds
)

// ParseRuleKind parses a predicate name (not "none").
var ParseRuleKind = policydoc.ParseRuleKind

// PublicOf returns the circuit's public inputs for a policy, given the
// issuer-set roots (one per credential, in order) and the per-request
// values. It does not check the roots: the prover uses the current roots
// of its registry, the verifier checks them against its own.
func PublicOf(p *policydoc.Policy, roots []fr.Element, asOf credential.Month, lender, nonce, pseudonym fr.Element) (Public, error) {
	if len(roots) != len(p.Credentials) {
		return Public{}, fmt.Errorf("policy: %d roots for %d credentials", len(roots), len(p.Credentials))
	}
	pub := Public{Policy: p.Hash(), AsOf: asOf, Lender: lender, Nonce: nonce, Pseudonym: pseudonym}
	slot := map[string]int{}
	for k, c := range p.Credentials {
		pub.Slots[k] = SlotPublic{Kind: c.Kind, Root: roots[k]}
		slot[c.Name] = k
	}
	for j, r := range p.Rules {
		rp := RulePublic{Kind: r.Predicate, Slot: slot[r.Credential], Window: r.Window}
		switch r.Predicate {
		case RuleNoMonthAtOrAbove:
			rp.Threshold = uint64(r.Status)
		case RuleOnTime:
			rp.Threshold = uint64(r.PerMille)
		case RuleSum, RuleAverage, RuleMinimum:
			rp.Threshold = r.AtLeast
		case RuleHistory:
			rp.Window = r.Months
		}
		pub.Rules[j] = rp
	}
	if err := pub.Validate(); err != nil {
		return Public{}, err
	}
	return pub, nil
}
