package policy_test

import (
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/circuits/policy/policytest"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
)

// harness runs policy's circuit (policytest.Harness).
var harness = &policytest.Harness[*policy.Circuit]{
	Blank:  func() *policy.Circuit { return &policy.Circuit{} },
	Assign: policy.Assign,
	Layout: credential.LayoutV1,
	Shape: func(a *policy.Circuit) (*[policy.Slots]policy.Slot, *[policy.Rules]policy.Rule) {
		return &a.Slots, &a.Rules
	},
}

func expect(t *testing.T, p policy.Public, w policy.Witness, tamper func(*policy.Circuit), valid bool, reason policy.Reason) {
	t.Helper()
	harness.Expect(t, p, w, tamper, valid, reason)
}

// tampers are policytest.Tampers on policy/v1's witness: the native
// check is bypassed.
var tampers = map[string]func(*policy.Circuit){
	"tampered statuses":     func(a *policy.Circuit) { a.Credentials[0].Statuses = 1 },
	"tampered amounts":      func(a *policy.Circuit) { a.Credentials[2].Amounts[2] = 1 },
	"tampered months count": func(a *policy.Circuit) { a.Credentials[1].Months = 35 },
	"tampered expiry":       func(a *policy.Circuit) { a.Credentials[1].ExpiresAt = policytest.ExpiredDay },
	"forged signature":      func(a *policy.Circuit) { a.Credentials[1].Signature.S = 12345 },
	"off-curve R":           func(a *policy.Circuit) { a.Credentials[1].Signature.R.X = 1 },
	"another member's key": func(a *policy.Circuit) {
		banks, _ := policytest.Sets()
		k := fixture.Issuer("policy/other-bank-c").Public()
		proof, _ := banks.Prove(k)
		a.Credentials[1].Issuer.X, a.Credentials[1].Issuer.Y = k.Point()
		a.Credentials[1].Index = proof.Index
		for d := range proof.Siblings {
			a.Credentials[1].Path[d] = proof.Siblings[d]
		}
	},
	"wrong membership path":          func(a *policy.Circuit) { a.Credentials[2].Index = 1 },
	"wrong pseudonym":                func(a *policy.Circuit) { a.Pseudonym = holder.Pseudonym(fr.NewElement(1)) },
	"amounts read from another slot": func(a *policy.Circuit) { a.AmountSlot = 0 },
	"amount slot out of range":       func(a *policy.Circuit) { a.AmountSlot = 3 },
	"rule window 0":                  func(a *policy.Circuit) { a.Rules[0].Window = 0 },
	"rule window 61":                 func(a *policy.Circuit) { a.Rules[0].Window = 61 },
	"rule slot 3":                    func(a *policy.Circuit) { a.Rules[0].Slot = 3 },
	"rule kind 7":                    func(a *policy.Circuit) { a.Rules[0].Kind = 7 },
	"status 0 (forbids nothing)":     func(a *policy.Circuit) { a.Rules[0].Threshold = 0 },
	"status 5 (allows default)":      func(a *policy.Circuit) { a.Rules[0].Threshold = 5 },
	"threshold 2^54":                 func(a *policy.Circuit) { a.Rules[3].Threshold = new(big.Int).Lsh(big.NewInt(1), 54) },
	"negative threshold":             func(a *policy.Circuit) { a.Rules[3].Threshold = -1 },
	"slot kind 3":                    func(a *policy.Circuit) { a.Slots[1].Kind = 3 },
	"as-of day out of range":         func(a *policy.Circuit) { a.AsOfDay = 1 << 17 },
	"as-of day wrapping below zero":  func(a *policy.Circuit) { a.AsOfDay = -1 },
}

func TestCircuitBoundaries(t *testing.T) { harness.RunCases(t) }

func TestTamperedWitnesses(t *testing.T) { harness.RunTampers(t, tampers) }

// garbage fills padding slot k with policytest.Garbage.
func garbage(t *testing.T, a *policy.Circuit, k int) {
	var src policy.Witness
	src.Credentials[0] = policytest.Garbage(t, credential.LayoutV1)
	src.Holder = fixture.Holder("policy/someone-else")
	pub := policy.Public{AsOf: fixture.Month("2021-12"), Slots: [policy.Slots]policy.SlotPublic{{Kind: credential.KindPaymentHistory}},
		Rules: [policy.Rules]policy.RulePublic{{Kind: policy.RuleHistory, Slot: 0, Window: 1}}}
	g, err := policy.Assign(pub, src)
	if err != nil {
		t.Fatal(err)
	}
	a.Credentials[k] = g.Credentials[0]
	a.Credentials[k].Index = 17
}

// TestPaddingCannotCheat runs policytest.PaddingCases.
func TestPaddingCannotCheat(t *testing.T) { harness.RunPadding(t, garbage) }

// TestSmallOrderIssuerForgery runs policytest's cofactor attack on a
// private issuer key: the circuit refuses a key of order 2 even when the
// issuer set holds it.
func TestSmallOrderIssuerForgery(t *testing.T) {
	harness.RunSmallOrderForgery(t, func(a *policy.Circuit, f policytest.Forgery) {
		c := &a.Credentials[1]
		c.Issuer.X, c.Issuer.Y = f.IssuerX, f.IssuerY
		c.Signature.R.X, c.Signature.R.Y = f.RX, f.RY
		c.Signature.S = f.S
		c.Index = f.Index
		for d := range f.Path {
			c.Path[d] = f.Path[d]
		}
	})
}

func TestPublicValidate(t *testing.T) {
	for name, edit := range map[string]func(p *policy.Public){
		"no used slot":              func(p *policy.Public) { p.Slots = [policy.Slots]policy.SlotPublic{} },
		"no rule":                   func(p *policy.Public) { p.Rules = [policy.Rules]policy.RulePublic{} },
		"rule on an unused slot":    func(p *policy.Public) { p.Slots[2] = policy.SlotPublic{} },
		"disabled rule with a slot": func(p *policy.Public) { p.Rules[1] = policy.RulePublic{Slot: 1} },
		"unused slot with a root":   func(p *policy.Public) { p.Slots[2].Kind = 0 },
		"two amount slots":          func(p *policy.Public) { p.Rules[2] = policy.RulePublic{Kind: policy.RuleSum, Slot: 0, Window: 12} },
		"two minimum rules": func(p *policy.Public) {
			p.Rules[2] = policytest.Amounts(policy.RuleMinimum, 1)
			p.Rules[3] = policytest.Amounts(policy.RuleMinimum, 2)
		},
		"status late30..default": func(p *policy.Public) { p.Rules[0].Threshold = 5 },
		"per mille at most 1000": func(p *policy.Public) { p.Rules[2].Threshold = 1001 },
		"window 61":              func(p *policy.Public) { p.Rules[0].Window = 61 },
		"threshold below 2^54":   func(p *policy.Public) { p.Rules[3].Threshold = 1 << 54 },
		"history without threshold": func(p *policy.Public) {
			p.Rules[1] = policy.RulePublic{Kind: policy.RuleHistory, Slot: 1, Window: 3, Threshold: 1}
		},
		"unknown slot kind":         func(p *policy.Public) { p.Slots[0].Kind = 3 },
		"unknown rule kind":         func(p *policy.Public) { p.Rules[0].Kind = 7 },
		"as-of month out of range":  func(p *policy.Public) { p.AsOf = 0 },
		"rule on slot out of range": func(p *policy.Public) { p.Rules[0].Slot = 3 },
		"negative rule slot":        func(p *policy.Public) { p.Rules[0].Slot = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			p, _ := full(t)
			edit(&p)
			if err := p.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestRuleKindNames(t *testing.T) {
	for k := policy.RuleNoMonthAtOrAbove; k <= policy.RuleHistory; k++ {
		got, err := policy.ParseRuleKind(k.String())
		if err != nil || got != k {
			t.Fatalf("%s: %v %v", k, got, err)
		}
	}
	for _, s := range []string{"none", "", "On-time", "rule(7)"} {
		if _, err := policy.ParseRuleKind(s); err == nil {
			t.Fatalf("%q accepted", s)
		}
	}
}

// TestRegisteredAndWithinBudget: the registry describes every public input,
// and the circuit stays within its proving-time budget (the whole
// `tacit prove` process must take at most 1.5 s on a 2-core machine).
func TestRegisteredAndWithinBudget(t *testing.T) {
	info, err := circuits.Lookup(policy.ID)
	if err != nil {
		t.Fatal(err)
	}
	compiled := harness.Compiled(t)
	if n := compiled.GetNbPublicVariables() - 1; n != len(info.Inputs) || n != 28 {
		t.Fatalf("circuit has %d public inputs, registry describes %d", n, len(info.Inputs))
	}
	if n := compiled.GetNbConstraints(); n > 45000 {
		t.Fatalf("policy/v1 has %d constraints, budget 45000", n)
	}
}
