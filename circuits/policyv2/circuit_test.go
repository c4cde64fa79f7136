package policyv2_test

import (
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	edwardseddsa "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/circuits/policy/policytest"
	"github.com/tacit-zk/tacit/circuits/policyv2"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
)

// harness runs policyv2's circuit (policytest.Harness).
var harness = &policytest.Harness[*policyv2.Circuit]{
	Blank:  func() *policyv2.Circuit { return &policyv2.Circuit{} },
	Assign: policyv2.Assign,
	Layout: credential.LayoutV2,
	Shape: func(a *policyv2.Circuit) (*[policy.Slots]policy.Slot, *[policy.Rules]policy.Rule) {
		return &a.Slots, &a.Rules
	},
}

func expect(t *testing.T, p policy.Public, w policy.Witness, tamper func(*policyv2.Circuit), valid bool, reason policy.Reason) {
	t.Helper()
	harness.Expect(t, p, w, tamper, valid, reason)
}

func full(t testing.TB) (policy.Public, policy.Witness) {
	t.Helper()
	return policytest.Full(t, credential.LayoutV2)
}

func TestCircuitBoundaries(t *testing.T) { harness.RunCases(t) }

// tampers are policytest.Tampers on policy/v2's witness.
var tampers = map[string]func(*policyv2.Circuit){
	"tampered statuses":     func(a *policyv2.Circuit) { a.Credentials[0].Statuses = 1 },
	"tampered amounts":      func(a *policyv2.Circuit) { a.Amounts[2] = 1 },
	"tampered months count": func(a *policyv2.Circuit) { a.Credentials[1].Months = 35 },
	"tampered expiry":       func(a *policyv2.Circuit) { a.Credentials[1].ExpiresAt = policytest.ExpiredDay },
	"forged signature":      func(a *policyv2.Circuit) { a.Credentials[1].Signature.S = 12345 },
	"off-curve R":           func(a *policyv2.Circuit) { a.Credentials[1].Signature.R.X = 1 },
	"another member's key": func(a *policyv2.Circuit) {
		banks, _ := policytest.Sets()
		k := fixture.Issuer("policy/other-bank-c").Public()
		proof, _ := banks.Prove(k)
		a.Credentials[1].Issuer.X, a.Credentials[1].Issuer.Y = k.Point()
		a.Credentials[1].Index = proof.Index
		for d := range proof.Siblings {
			a.Credentials[1].Path[d] = proof.Siblings[d]
		}
	},
	"wrong membership path":          func(a *policyv2.Circuit) { a.Credentials[2].Index = 1 },
	"wrong pseudonym":                func(a *policyv2.Circuit) { a.Pseudonym = policytest.Holder.Pseudonym(fr.NewElement(1)) },
	"amounts read from another slot": readAmountsOf(0),
	"amount slot out of range":       func(a *policyv2.Circuit) { a.AmountSlot = 3 },
	"rule window 0":                  func(a *policyv2.Circuit) { a.Rules[0].Window = 0 },
	"rule window 61":                 func(a *policyv2.Circuit) { a.Rules[0].Window = 61 },
	"rule slot 3":                    func(a *policyv2.Circuit) { a.Rules[0].Slot = 3 },
	"rule kind 7":                    func(a *policyv2.Circuit) { a.Rules[0].Kind = 7 },
	"status 0 (forbids nothing)":     func(a *policyv2.Circuit) { a.Rules[0].Threshold = 0 },
	"status 5 (allows default)":      func(a *policyv2.Circuit) { a.Rules[0].Threshold = 5 },
	"threshold 2^54":                 func(a *policyv2.Circuit) { a.Rules[3].Threshold = new(big.Int).Lsh(big.NewInt(1), 54) },
	"negative threshold":             func(a *policyv2.Circuit) { a.Rules[3].Threshold = -1 },
	"slot kind 3":                    func(a *policyv2.Circuit) { a.Slots[1].Kind = 3 },
	"as-of day out of range":         func(a *policyv2.Circuit) { a.AsOfDay = 1 << 17 },
	"as-of day wrapping below zero":  func(a *policyv2.Circuit) { a.AsOfDay = -1 },
}

// readAmountsOf points the amount rules at slot 0 (bank A) and hands in
// bank A's amounts (well above the revenue's), as a prover reading another
// credential's amounts would.
func readAmountsOf(k int) func(*policyv2.Circuit) {
	return func(a *policyv2.Circuit) {
		a.AmountSlot = k
		packs := credential.PackAmounts(fixture.History("2022-11", 48, nil).Amounts())
		for i := range packs {
			a.Amounts[i] = packs[i]
		}
	}
}

func TestTamperedWitnesses(t *testing.T) { harness.RunTampers(t, tampers) }

// garbage fills padding slot k with policytest.Garbage.
func garbage(t *testing.T, a *policyv2.Circuit, k int) {
	var src policy.Witness
	src.Credentials[0] = policytest.Garbage(t, credential.LayoutV2)
	src.Holder = fixture.Holder("policy/someone-else")
	pub := policy.Public{AsOf: fixture.Month("2021-12"), Slots: [policy.Slots]policy.SlotPublic{{Kind: credential.KindPaymentHistory}},
		Rules: [policy.Rules]policy.RulePublic{{Kind: policy.RuleHistory, Slot: 0, Window: 1}}}
	g, err := policyv2.Assign(pub, src)
	if err != nil {
		t.Fatal(err)
	}
	a.Credentials[k] = g.Credentials[0]
	a.Credentials[k].Index = 17
	a.Credentials[k].Signature.S = 12345 // not even a valid signature
}

// TestPaddingCannotCheat runs policytest.PaddingCases.
func TestPaddingCannotCheat(t *testing.T) { harness.RunPadding(t, garbage) }

// TestSmallOrderIssuerForgery runs policytest's cofactor attack on a
// private issuer key: the circuit refuses a key of order 2 even when the
// issuer set holds it.
func TestSmallOrderIssuerForgery(t *testing.T) {
	harness.RunSmallOrderForgery(t, func(a *policyv2.Circuit, f policytest.Forgery) {
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

// TestRegisteredAndWithinBudget: the registry describes every public
// input, and the circuit fits a proving domain of 2^15.
func TestRegisteredAndWithinBudget(t *testing.T) {
	info, err := circuits.Lookup(policyv2.ID)
	if err != nil {
		t.Fatal(err)
	}
	compiled := harness.Compiled(t)
	if n := compiled.GetNbPublicVariables() - 1; n != len(info.Inputs) || n != 28 {
		t.Fatalf("circuit has %d public inputs, registry describes %d", n, len(info.Inputs))
	}
	if n := compiled.GetNbConstraints(); n > 1<<15 {
		t.Fatalf("policy/v2 has %d constraints, budget %d", n, 1<<15)
	}
}

// TestCheatingAttempts are attacks on what policy/v2 does differently from
// policy/v1: the split layout, the gated padding signature, the shared
// minimum bound. Each starts from a witness the circuit accepts, so the
// tamper alone is refused.
func TestCheatingAttempts(t *testing.T) {
	rich := policytest.Revenue("2024-11", 24, 99000000)
	cases := []struct {
		name   string
		edit   policytest.Edit
		tamper func(*policyv2.Circuit)
	}{
		{"richer amounts under their own digest, with the signed header and statuses", nil, func(a *policyv2.Circuit) {
			packs := credential.PackAmounts(rich.Amounts())
			for i := range packs {
				a.Amounts[i] = packs[i]
			}
			a.Credentials[2].AmountsDigest = credential.AmountsDigest(rich.Amounts())
		}},
		{"richer amounts against the signed digest", nil, func(a *policyv2.Circuit) {
			packs := credential.PackAmounts(rich.Amounts())
			for i := range packs {
				a.Amounts[i] = packs[i]
			}
		}},
		{"the padding signature in a used slot", nil, func(a *policyv2.Circuit) {
			k := fixture.Issuer("tacit/policy/v2/padding")
			sig, err := k.SignHash(fr.Element{})
			if err != nil {
				t.Fatal(err)
			}
			var s tedwardsSig
			s.set(t, sig[:])
			a.Credentials[1].Issuer.X, a.Credentials[1].Issuer.Y = k.Public().Point()
			a.Credentials[1].Signature.R.X, a.Credentials[1].Signature.R.Y, a.Credentials[1].Signature.S = s.rx, s.ry, s.s
		}},
		{"a layout-v1 signature over the same records", nil, func(a *policyv2.Circuit) {
			c := policytest.Sign(t, credential.LayoutV1, policytest.BankB, credential.KindPaymentHistory, policytest.Holder, fixture.History("2023-11", 36, nil), "2027-06-01")
			var s tedwardsSig
			s.set(t, c.Signature[:])
			a.Credentials[1].Signature.R.X, a.Credentials[1].Signature.R.Y, a.Credentials[1].Signature.S = s.rx, s.ry, s.s
		}},
		{"two minimum rules", policytest.SetRule(3, policytest.Amounts(policy.RuleMinimum, 6000000)), func(a *policyv2.Circuit) {
			a.Rules[2] = policy.Rule{Kind: uint64(policy.RuleMinimum), Slot: 2, Window: 1, Threshold: 1}
		}},
		{"a minimum rule on another slot than the amounts'", policytest.SetRule(3, policytest.Amounts(policy.RuleMinimum, 1)), func(a *policyv2.Circuit) {
			a.Rules[3].Slot = 0
		}},
		{"a minimum rule reading bank A's amounts", policytest.SetRule(3, policytest.Amounts(policy.RuleMinimum, 6000000)), readAmountsOf(0)},
		{"a used slot marked as padding keeps its rules' slot", nil, func(a *policyv2.Circuit) {
			a.Slots[2].Kind, a.Slots[2].Root = 0, 0
			a.Credentials[2].Signature.S = 1
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, w := full(t)
			if tc.edit != nil {
				tc.edit(t, credential.LayoutV2, &p, &w)
			}
			expect(t, p, w, nil, true, "")
			expect(t, p, w, tc.tamper, false, "-")
		})
	}
}

// tedwardsSig holds a signature's R and S as witness values.
type tedwardsSig struct {
	rx, ry fr.Element
	s      []byte
}

func (s *tedwardsSig) set(t *testing.T, raw []byte) {
	var sig edwardseddsa.Signature
	if _, err := sig.SetBytes(raw); err != nil {
		t.Fatal(err)
	}
	s.rx, s.ry, s.s = sig.R.X, sig.R.Y, sig.S[:]
}
