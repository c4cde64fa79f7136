package policytest

import (
	"testing"

	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/registry"
)

// Padded is a policy over two credentials (bank A and bank B; slot 2 is
// padding) with two rules (rules 1 and 2 are disabled), in layout.
func Padded(t testing.TB, layout int) (policy.Public, policy.Witness) {
	p, w := Full(t, layout)
	p.Slots[2] = policy.SlotPublic{}
	w.Credentials[2], w.Membership[2] = nil, registry.Proof{}
	p.Rules = [policy.Rules]policy.RulePublic{
		NoDefault(0, 24, credential.StatusDefault),
		{},
		{},
		{Kind: policy.RuleHistory, Slot: 1, Window: 36},
	}
	return p, w
}

// Garbage is a well-formed credential that would fail every check in a
// padding slot: another holder, an unaccredited issuer, expired, and a
// default in every month.
func Garbage(t testing.TB, layout int) *credential.Credential {
	st := map[int]credential.Status{}
	for i := 0; i < 60; i++ {
		st[i] = credential.StatusDefault
	}
	return Sign(t, layout, Rogue, credential.KindPaymentHistory, fixture.Holder("policy/someone-else"), fixture.History("2021-11", 60, st), "2026-10-16")
}

// PaddingCase edits Padded's public inputs (Tamper, on the circuit's
// public slots and rules) or fills its padding slot with Garbage, and says
// whether the circuit must accept the result and what policy.Check says
// ("-": bypassed by a tamper).
type PaddingCase struct {
	Name    string
	Edit    Edit
	Tamper  func(slots *[policy.Slots]policy.Slot, rules *[policy.Rules]policy.Rule)
	Garbage bool
	Valid   bool
	Reason  policy.Reason
}

// PaddingCases: unused slots and disabled rules are ignored, and only
// they are.
var PaddingCases = func() []PaddingCase {
	bad := All(BankAHistory(Statuses(40, credential.StatusDefault)), SetRule(0, policy.RulePublic{Kind: policy.RuleHistory, Slot: 0, Window: 24}))
	cases := []PaddingCase{
		{Name: "two credentials, two rules", Valid: true},
		{Name: "garbage in the padding slot is ignored", Garbage: true, Valid: true, Reason: "-"},
		// The padding holds a clean, accredited credential of this holder;
		// a rule pointing at the unused slot still fails.
		{Name: "a rule cannot read the padding slot", Tamper: func(_ *[policy.Slots]policy.Slot, r *[policy.Rules]policy.Rule) {
			r[1].Kind, r[1].Slot, r[1].Window, r[1].Threshold = uint64(policy.RuleHistory), 2, 12, 0
		}, Reason: "-"},
		{Name: "an unused slot has no root", Tamper: func(s *[policy.Slots]policy.Slot, _ *[policy.Rules]policy.Rule) { s[2].Root = s[0].Root }, Reason: "-"},
		// Slot 1 (read by rule 3) marked unused: rule 3 now points at padding.
		{Name: "turning a used slot into padding drops its checks only with its rules", Tamper: func(s *[policy.Slots]policy.Slot, _ *[policy.Rules]policy.Rule) {
			s[1].Kind, s[1].Root = 0, 0
		}, Reason: "-"},
		{Name: "a disabled rule is ignored", Edit: bad, Valid: true},
		{Name: "the same rule enabled is not", Edit: All(bad, SetRule(1, NoDefault(0, 24, credential.StatusDefault))), Reason: policy.ReasonStatus},
		// Kind 3 would make the slot "unused" too (used = k(3-k)/2 = 0).
		{Name: "an unused slot is of kind 0", Tamper: func(s *[policy.Slots]policy.Slot, _ *[policy.Rules]policy.Rule) { s[2].Kind = 3 }, Reason: "-"},
	}
	for name, tamper := range map[string]func(r *policy.Rule){
		"slot": func(r *policy.Rule) { r.Slot = 1 }, "window": func(r *policy.Rule) { r.Window = 24 }, "threshold": func(r *policy.Rule) { r.Threshold = 4 },
	} {
		cases = append(cases, PaddingCase{Name: "a disabled rule has no " + name,
			Tamper: func(_ *[policy.Slots]policy.Slot, r *[policy.Rules]policy.Rule) { tamper(&r[1]) }, Reason: "-"})
	}
	return cases
}()
