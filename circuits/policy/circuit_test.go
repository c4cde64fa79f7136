package policy_test

import (
	"errors"
	"math/big"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	tedwards "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/logger"
	"github.com/consensys/gnark/test"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/registry"
)

var (
	compileOnce sync.Once
	compiled    constraint.ConstraintSystem
	compileErr  error
)

// solves reports whether a satisfies the circuit (a nil a only compiles). It asks gnark's test
// engine and the R1CS solver (the two checks test.Assert.CheckCircuit makes
// without the prover_checks tag) and fails the test if they disagree. The
// constraint system is compiled once: CheckCircuit compiles twice per call,
// which for this circuit costs seconds per case under -race. The real
// Groth16 prover runs in prover/policy_test.go.
func solves(t *testing.T, a *policy.Circuit) bool {
	t.Helper()
	compileOnce.Do(func() {
		logger.Disable()
		compiled, compileErr = frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &policy.Circuit{})
	})
	if compileErr != nil {
		t.Fatal(compileErr)
	}
	if a == nil {
		return false
	}
	engine := test.IsSolved(&policy.Circuit{}, a, ecc.BN254.ScalarField())
	w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
	if err != nil {
		t.Fatal(err)
	}
	solver := compiled.IsSolved(w)
	if (engine == nil) != (solver == nil) {
		t.Fatalf("the test engine (%v) and the R1CS solver (%v) disagree", engine, solver)
	}
	return engine == nil
}

// expect checks the native Check (reason "" means satisfied; "-" means
// Check is bypassed by a tamper) and then the circuit.
func expect(t *testing.T, p policy.Public, w policy.Witness, tamper func(*policy.Circuit), valid bool, reason policy.Reason) {
	t.Helper()
	err := policy.Check(p, w)
	switch {
	case reason == "" && err != nil:
		t.Fatalf("Check: %v", err)
	case reason != "" && reason != "-":
		var u *policy.Unsatisfied
		if !errors.As(err, &u) || u.Reason != reason {
			t.Fatalf("Check = %v, want %q", err, reason)
		}
	}
	a, err := policy.Assign(p, w)
	if err != nil {
		t.Fatal(err)
	}
	if tamper != nil {
		tamper(a)
	}
	if got := solves(t, a); got != valid {
		t.Fatalf("circuit satisfied = %v, want %v", got, valid)
	}
}

// Edits of the worked example (see full).

func statuses(kv ...any) map[int]credential.Status {
	m := map[int]credential.Status{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(int)] = kv[i+1].(credential.Status)
	}
	return m
}

// bankAHistory re-signs slot 0 (bank A, 48 months 2022-11..2026-10; a
// 24-month window is indices 24..47).
func bankAHistory(st map[int]credential.Status) func(*testing.T, *policy.Public, *policy.Witness) {
	return func(t *testing.T, p *policy.Public, w *policy.Witness) {
		w.Credentials[0] = sign(t, bankA, credential.KindPaymentHistory, holder, fixture.History("2022-11", 48, st), "2027-06-01")
	}
}

// taxAmounts re-signs slot 2 (24 months 2024-11..2026-10 at 60,000.00; a
// 12-month window is indices 12..23) with some months changed.
func taxAmounts(changes map[int]uint64) func(*testing.T, *policy.Public, *policy.Witness) {
	return func(t *testing.T, p *policy.Public, w *policy.Witness) {
		h := revenue("2024-11", 24, 6000000)
		for i, v := range changes {
			h.Months[i].Amount = v
		}
		w.Credentials[2] = sign(t, tax, credential.KindRevenue, holder, h, "2027-06-01")
	}
}

func allMonths(v uint64) map[int]uint64 {
	m := map[int]uint64{}
	for i := 0; i < 24; i++ {
		m[i] = v
	}
	return m
}

func setRule(j int, r policy.RulePublic) func(*testing.T, *policy.Public, *policy.Witness) {
	return func(t *testing.T, p *policy.Public, w *policy.Witness) { p.Rules[j] = r }
}

// slot1 re-signs slot 1 and refreshes its membership proof from the banks
// set (a non-member gets the proof of leaf 0).
func slot1(issuer *credential.IssuerSecret, kind credential.Kind, secret credential.HolderSecret, expires string) func(*testing.T, *policy.Public, *policy.Witness) {
	return func(t *testing.T, p *policy.Public, w *policy.Witness) {
		w.Credentials[1] = sign(t, issuer, kind, secret, fixture.History("2023-11", 36, nil), expires)
		banks, _ := sets(t)
		proof, err := banks.Prove(issuer.Public())
		if errors.Is(err, registry.ErrNotMember) {
			proof, err = banks.Prove(bankA.Public())
			proof.Index = 0
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Membership[1] = proof
	}
}

func all(edits ...func(*testing.T, *policy.Public, *policy.Witness)) func(*testing.T, *policy.Public, *policy.Witness) {
	return func(t *testing.T, p *policy.Public, w *policy.Witness) {
		for _, e := range edits {
			e(t, p, w)
		}
	}
}

var (
	noDefault = func(slot, window int, st credential.Status) policy.RulePublic {
		return policy.RulePublic{Kind: policy.RuleNoMonthAtOrAbove, Slot: slot, Window: window, Threshold: uint64(st)}
	}
	onTime  = policy.RulePublic{Kind: policy.RuleOnTime, Slot: 0, Window: 20, Threshold: 950}
	amounts = func(k policy.RuleKind, x uint64) policy.RulePublic {
		return policy.RulePublic{Kind: k, Slot: 2, Window: 12, Threshold: x}
	}
)

var cases = []struct {
	name   string
	edit   func(*testing.T, *policy.Public, *policy.Witness)
	tamper func(*policy.Circuit)
	valid  bool
	reason policy.Reason // for invalid cases: what Check says, or "-" for a tamper
}{
	{"the worked example", nil, nil, true, ""},

	// no-month-at-or-above, rule 0: bank A, 24 months = indices 24..47.
	{"default just before the window", bankAHistory(statuses(23, credential.StatusDefault)), nil, true, ""},
	{"default in the first month of the window", bankAHistory(statuses(24, credential.StatusDefault)), nil, false, policy.ReasonStatus},
	{"default in the last month of the window", bankAHistory(statuses(47, credential.StatusDefault)), nil, false, policy.ReasonStatus},
	{"late90 allowed by a no-default rule", bankAHistory(statuses(30, credential.StatusLate90)), nil, true, ""},
	{"late90 refused by a late90 rule", all(bankAHistory(statuses(30, credential.StatusLate90)), setRule(0, noDefault(0, 24, credential.StatusLate90))), nil, false, policy.ReasonStatus},
	{"late60 allowed by a late90 rule", all(bankAHistory(statuses(30, credential.StatusLate60)), setRule(0, noDefault(0, 24, credential.StatusLate90))), nil, true, ""},
	{"late30 refused by a late30 rule", all(bankAHistory(statuses(30, credential.StatusLate30)), setRule(0, noDefault(0, 24, credential.StatusLate30))), nil, false, policy.ReasonStatus},
	{"window is the whole credential", setRule(0, noDefault(0, 48, credential.StatusDefault)), nil, true, ""},
	{"window starts before the credential", setRule(0, noDefault(0, 49, credential.StatusDefault)), nil, false, policy.ReasonCoverage},

	// on-time, rule 2 set to bank A, 20 months (indices 28..47), 950 per mille: 19 of 20 is exactly 950.
	{"on time exactly at the threshold", all(setRule(2, onTime), bankAHistory(statuses(40, credential.StatusLate30))), nil, true, ""},
	{"on time one month short", all(setRule(2, onTime), bankAHistory(statuses(40, credential.StatusLate30, 41, credential.StatusLate30))), nil, false, policy.ReasonOnTime},
	{"late month just before the on-time window", all(setRule(2, onTime), bankAHistory(statuses(27, credential.StatusLate30, 40, credential.StatusLate30))), nil, true, ""},
	{"a default is not on time", all(setRule(0, noDefault(0, 1, credential.StatusDefault)), setRule(2, onTime), bankAHistory(statuses(40, credential.StatusDefault, 41, credential.StatusLate90))), nil, false, policy.ReasonOnTime},

	// average, rule 3: revenue, 12 months = indices 12..23, 60,000.00 a month.
	{"average exactly at the threshold", setRule(3, amounts(policy.RuleAverage, 6000000)), nil, true, ""},
	{"average one unit short", setRule(3, amounts(policy.RuleAverage, 6000001)), nil, false, policy.ReasonAverage},
	{"a big month just before the window does not count", all(setRule(3, amounts(policy.RuleAverage, 6000001)), taxAmounts(map[int]uint64{11: 99000000})), nil, false, policy.ReasonAverage},
	{"a big month in the first month of the window counts", all(setRule(3, amounts(policy.RuleAverage, 6000001)), taxAmounts(map[int]uint64{12: 6000012})), nil, true, ""},
	{"average of amounts near 2^48", all(setRule(3, amounts(policy.RuleAverage, credential.MaxAmount)), taxAmounts(allMonths(credential.MaxAmount))), nil, true, ""},

	// sum.
	{"sum exactly at the threshold", setRule(3, amounts(policy.RuleSum, 72000000)), nil, true, ""},
	{"sum one unit short", setRule(3, amounts(policy.RuleSum, 72000001)), nil, false, policy.ReasonSum},

	// minimum.
	{"minimum exactly at the threshold", all(setRule(3, amounts(policy.RuleMinimum, 5999999)), taxAmounts(map[int]uint64{15: 5999999})), nil, true, ""},
	{"minimum one unit short", all(setRule(3, amounts(policy.RuleMinimum, 6000000)), taxAmounts(map[int]uint64{15: 5999999})), nil, false, policy.ReasonMinimum},
	{"low month just before the minimum window", all(setRule(3, amounts(policy.RuleMinimum, 6000000)), taxAmounts(map[int]uint64{11: 0})), nil, true, ""},
	{"low month in the last month of the minimum window", all(setRule(3, amounts(policy.RuleMinimum, 6000000)), taxAmounts(map[int]uint64{23: 5999999})), nil, false, policy.ReasonMinimum},
	{"minimum above every amount", setRule(3, amounts(policy.RuleMinimum, 1<<48)), nil, false, policy.ReasonMinimum},

	// history, rule 1 set to bank B (36 months).
	{"history exactly the credential's length", setRule(1, policy.RulePublic{Kind: policy.RuleHistory, Slot: 1, Window: 36}), nil, true, ""},
	{"history one month longer", setRule(1, policy.RulePublic{Kind: policy.RuleHistory, Slot: 1, Window: 37}), nil, false, policy.ReasonCoverage},

	// as-of month, expiry.
	{"window ends after the credentials", func(t *testing.T, p *policy.Public, w *policy.Witness) { p.AsOf++ }, nil, false, policy.ReasonCoverage},
	{"expires on the first day of the as-of month", slot1(bankB, credential.KindPaymentHistory, holder, "2026-11-01"), nil, false, policy.ReasonExpired},
	{"expires on the second day of the as-of month", slot1(bankB, credential.KindPaymentHistory, holder, "2026-11-02"), nil, true, ""},

	// holder, issuers, kinds.
	{"a credential of another holder mixed in", slot1(bankB, credential.KindPaymentHistory, fixture.Holder("policy/other-business"), "2027-06-01"), nil, false, policy.ReasonHolder},
	{"an issuer outside the set", slot1(rogue, credential.KindPaymentHistory, holder, "2027-06-01"), nil, false, policy.ReasonIssuerSet},
	{"one credential in two slots", func(t *testing.T, p *policy.Public, w *policy.Witness) {
		w.Credentials[1], w.Membership[1] = w.Credentials[0], w.Membership[0]
	}, nil, false, policy.ReasonDistinct},
	{"two credentials from one issuer", slot1(bankA, credential.KindPaymentHistory, holder, "2027-06-01"), nil, false, policy.ReasonDistinct},
	{"a revenue credential in a payment-history slot", slot1(bankB, credential.KindRevenue, holder, "2027-06-01"), nil, false, policy.ReasonKind},
	{"a payment history in the revenue slot", func(t *testing.T, p *policy.Public, w *policy.Witness) {
		w.Credentials[2] = sign(t, tax, credential.KindPaymentHistory, holder, revenue("2024-11", 24, 6000000), "2027-06-01")
	}, nil, false, policy.ReasonKind},
	{"the wrong holder secret", func(t *testing.T, p *policy.Public, w *policy.Witness) {
		w.Holder = fixture.Holder("policy/thief")
		p.Pseudonym = w.Holder.Pseudonym(p.Lender)
	}, nil, false, policy.ReasonHolder},

	// Tampered witnesses: the native check is bypassed.
	{"tampered statuses", nil, func(a *policy.Circuit) { a.Credentials[0].Statuses = 1 }, false, "-"},
	{"tampered amounts", nil, func(a *policy.Circuit) { a.Credentials[2].Amounts[2] = 1 }, false, "-"},
	{"tampered months count", nil, func(a *policy.Circuit) { a.Credentials[1].Months = 35 }, false, "-"},
	{"tampered expiry", nil, func(a *policy.Circuit) { a.Credentials[1].ExpiresAt = int64(fixture.Day("2030-01-01")) }, false, "-"},
	{"forged signature", nil, func(a *policy.Circuit) { a.Credentials[1].Signature.S = 12345 }, false, "-"},
	{"off-curve R", nil, func(a *policy.Circuit) { a.Credentials[1].Signature.R.X = 1 }, false, "-"},
	{"another member's key", nil, func(a *policy.Circuit) {
		banks, _ := sets(nil)
		k := fixture.Issuer("policy/other-bank-c").Public()
		proof, _ := banks.Prove(k)
		a.Credentials[1].Issuer.X, a.Credentials[1].Issuer.Y = k.Point()
		a.Credentials[1].Index = proof.Index
		for d := range proof.Siblings {
			a.Credentials[1].Path[d] = proof.Siblings[d]
		}
	}, false, "-"},
	{"wrong membership path", nil, func(a *policy.Circuit) { a.Credentials[2].Index = 1 }, false, "-"},
	{"wrong pseudonym", nil, func(a *policy.Circuit) { a.Pseudonym = holder.Pseudonym(fr.NewElement(1)) }, false, "-"},
	// Revenue of 1 a month fails an average of 100,000; bank A's amounts
	// (100,000 and up) would pass if the rule could read them.
	{"amount rule fails on its own slot", all(taxAmounts(allMonths(1)), setRule(3, amounts(policy.RuleAverage, 100000))), nil, false, policy.ReasonAverage},
	{"amounts read from another slot", all(taxAmounts(allMonths(1)), setRule(3, amounts(policy.RuleAverage, 100000))), func(a *policy.Circuit) { a.AmountSlot = 0 }, false, "-"},
	{"amount slot out of range", nil, func(a *policy.Circuit) { a.AmountSlot = 3 }, false, "-"},
	{"rule window 0", nil, func(a *policy.Circuit) { a.Rules[0].Window = 0 }, false, "-"},
	{"rule window 61", nil, func(a *policy.Circuit) { a.Rules[0].Window = 61 }, false, "-"},
	{"rule slot 3", nil, func(a *policy.Circuit) { a.Rules[0].Slot = 3 }, false, "-"},
	{"rule kind 7", nil, func(a *policy.Circuit) { a.Rules[0].Kind = 7 }, false, "-"},
	{"status 0 (forbids nothing)", nil, func(a *policy.Circuit) { a.Rules[0].Threshold = 0 }, false, "-"},
	{"status 5 (allows default)", bankAHistory(statuses(30, credential.StatusDefault)), func(a *policy.Circuit) { a.Rules[0].Threshold = 5 }, false, "-"},
	{"threshold 2^54", nil, func(a *policy.Circuit) { a.Rules[3].Threshold = new(big.Int).Lsh(big.NewInt(1), 54) }, false, "-"},
	{"negative threshold", nil, func(a *policy.Circuit) { a.Rules[3].Threshold = -1 }, false, "-"},
	{"slot kind 3", nil, func(a *policy.Circuit) { a.Slots[1].Kind = 3 }, false, "-"},
	{"as-of day out of range", nil, func(a *policy.Circuit) { a.AsOfDay = 1 << 17 }, false, "-"},
	{"as-of day wrapping below zero", slot1(bankB, credential.KindPaymentHistory, holder, "2026-11-01"), func(a *policy.Circuit) { a.AsOfDay = -1 }, false, "-"},
}

func TestCircuitBoundaries(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, w := full(t)
			if tc.edit != nil {
				tc.edit(t, &p, &w)
			}
			expect(t, p, w, tc.tamper, tc.valid, tc.reason)
		})
	}
}

// padded is a policy over two credentials (bank A and bank B; slot 2 is
// padding) with two rules (rules 1 and 2 are disabled).
func padded(t *testing.T) (policy.Public, policy.Witness) {
	p, w := full(t)
	p.Slots[2] = policy.SlotPublic{}
	w.Credentials[2], w.Membership[2] = nil, registry.Proof{}
	p.Rules = [policy.Rules]policy.RulePublic{
		noDefault(0, 24, credential.StatusDefault),
		{},
		{},
		{Kind: policy.RuleHistory, Slot: 1, Window: 36},
	}
	return p, w
}

// garbage fills a padding slot with a well-formed credential that would
// fail every check: another holder, an unaccredited issuer, expired, and a
// default in every month.
func garbage(t *testing.T, a *policy.Circuit, k int) {
	other := fixture.Holder("policy/someone-else")
	st := map[int]credential.Status{}
	for i := 0; i < 60; i++ {
		st[i] = credential.StatusDefault
	}
	c := sign(t, rogue, credential.KindPaymentHistory, other, fixture.History("2021-11", 60, st), "2026-10-16")
	var src policy.Witness
	src.Credentials[0] = c
	src.Holder = other
	pub := policy.Public{AsOf: fixture.Month("2021-12"), Slots: [policy.Slots]policy.SlotPublic{{Kind: credential.KindPaymentHistory}},
		Rules: [policy.Rules]policy.RulePublic{{Kind: policy.RuleHistory, Slot: 0, Window: 1}}}
	g, err := policy.Assign(pub, src)
	if err != nil {
		t.Fatal(err)
	}
	a.Credentials[k] = g.Credentials[0]
	a.Credentials[k].Index = 17
}

// TestPaddingCannotCheat: unused slots and disabled rules are ignored, and
// only they are.
func TestPaddingCannotCheat(t *testing.T) {
	t.Run("two credentials, two rules", func(t *testing.T) {
		p, w := padded(t)
		expect(t, p, w, nil, true, "")
	})
	t.Run("garbage in the padding slot is ignored", func(t *testing.T) {
		p, w := padded(t)
		expect(t, p, w, func(a *policy.Circuit) { garbage(t, a, 2) }, true, "-")
	})
	t.Run("a rule cannot read the padding slot", func(t *testing.T) {
		p, w := padded(t)
		// The padding holds a clean, accredited credential of this holder;
		// a rule pointing at the unused slot still fails.
		expect(t, p, w, func(a *policy.Circuit) {
			a.Rules[1].Kind, a.Rules[1].Slot, a.Rules[1].Window, a.Rules[1].Threshold = uint64(policy.RuleHistory), 2, 12, 0
		}, false, "-")
	})
	t.Run("an unused slot has no root", func(t *testing.T) {
		p, w := padded(t)
		expect(t, p, w, func(a *policy.Circuit) { a.Slots[2].Root = a.Slots[0].Root }, false, "-")
	})
	t.Run("turning a used slot into padding drops its checks only with its rules", func(t *testing.T) {
		// Slot 1 (read by rule 3) marked unused: rule 3 now points at padding.
		p, w := padded(t)
		expect(t, p, w, func(a *policy.Circuit) { a.Slots[1].Kind, a.Slots[1].Root = 0, 0 }, false, "-")
	})
	bad := all(bankAHistory(statuses(40, credential.StatusDefault)), setRule(0, policy.RulePublic{Kind: policy.RuleHistory, Slot: 0, Window: 24}))
	t.Run("a disabled rule is ignored", func(t *testing.T) {
		p, w := padded(t)
		bad(t, &p, &w)
		expect(t, p, w, nil, true, "")
	})
	t.Run("the same rule enabled is not", func(t *testing.T) {
		p, w := padded(t)
		bad(t, &p, &w)
		p.Rules[1] = noDefault(0, 24, credential.StatusDefault)
		expect(t, p, w, nil, false, policy.ReasonStatus)
	})
	for name, tamper := range map[string]func(r *policy.Rule){
		"slot": func(r *policy.Rule) { r.Slot = 1 }, "window": func(r *policy.Rule) { r.Window = 24 }, "threshold": func(r *policy.Rule) { r.Threshold = 4 },
	} {
		t.Run("a disabled rule has no "+name, func(t *testing.T) {
			p, w := padded(t)
			expect(t, p, w, func(a *policy.Circuit) { tamper(&a.Rules[1]) }, false, "-")
		})
	}
	t.Run("an unused slot is of kind 0", func(t *testing.T) {
		// Kind 3 would make the slot "unused" too (used = k(3-k)/2 = 0).
		p, w := padded(t)
		expect(t, p, w, func(a *policy.Circuit) { a.Slots[2].Kind = 3 }, false, "-")
	})
}

// TestSmallOrderIssuerForgery is the cofactor attack on a private issuer
// key. With the key A = (0, -1) of order 2, [8]([S]B - [h]A - R) vanishes
// for R = [S]B, so anyone can "sign" anything. Even with such a key in the
// issuer set (the registry refuses it; here the tree is built by hand),
// the circuit must refuse it.
func TestSmallOrderIssuerForgery(t *testing.T) {
	p, w := full(t)
	var minusOne fr.Element
	minusOne.SetOne().Neg(&minusOne)
	tree, err := registry.NewTree([]fr.Element{registry.LeafOf(fr.Element{}, minusOne)})
	if err != nil {
		t.Fatal(err)
	}
	proof, _ := tree.Prove(0)
	p.Slots[1].Root = tree.Root()
	expect(t, p, w, func(a *policy.Circuit) {
		c := &a.Credentials[1]
		c.Issuer.X, c.Issuer.Y = 0, minusOne
		curve := tedwards.GetEdwardsCurve()
		var r tedwards.PointAffine
		s := big.NewInt(123456789)
		r.ScalarMultiplication(&curve.Base, s)
		c.Signature.R.X, c.Signature.R.Y = r.X, r.Y
		c.Signature.S = s
		c.Index = 0
		for d := range proof.Siblings {
			c.Path[d] = proof.Siblings[d]
		}
	}, false, "-")
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
			p.Rules[2] = amounts(policy.RuleMinimum, 1)
			p.Rules[3] = amounts(policy.RuleMinimum, 2)
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
	solves(t, nil) // compiles once
	if n := compiled.GetNbPublicVariables() - 1; n != len(info.Inputs) || n != 28 {
		t.Fatalf("circuit has %d public inputs, registry describes %d", n, len(info.Inputs))
	}
	if n := compiled.GetNbConstraints(); n > 45000 {
		t.Fatalf("policy/v1 has %d constraints, budget 45000", n)
	}
}
