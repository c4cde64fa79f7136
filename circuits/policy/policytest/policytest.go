// Package policytest holds the worked example and the boundary cases that
// every version of the policy statement is tested on (circuits/policy for
// policy/v1, circuits/policyv2 for policy/v2), so that each version's
// tests run the same cases: every negative test of one has its twin in the
// other. It is imported by tests only.
package policytest

import (
	"errors"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/registry"
)

// The parties of the worked example.
var (
	BankA  = fixture.Issuer("policy/bank-a")
	BankB  = fixture.Issuer("policy/bank-b")
	Tax    = fixture.Issuer("policy/tax-bureau")
	Rogue  = fixture.Issuer("policy/rogue-bank")
	Holder = fixture.Holder("policy/acme")
	Lender = fr.NewElement(4242)
	AsOf   = fixture.Month("2026-11")
)

var (
	setsOnce     sync.Once
	banks, taxes *registry.Set
)

// Sets returns the two issuer sets of the scenarios: banks (bank A, bank B
// and ten others) and tax bureaus (the tax bureau and two others).
func Sets() (*registry.Set, *registry.Set) {
	setsOnce.Do(func() {
		bankKeys := []credential.IssuerKey{BankA.Public(), BankB.Public()}
		for i := 0; i < 10; i++ {
			bankKeys = append(bankKeys, fixture.Issuer("policy/other-bank-"+string(rune('a'+i))).Public())
		}
		var err error
		if banks, err = registry.NewSet("banks", credential.KindPaymentHistory, bankKeys); err != nil {
			panic(err)
		}
		if taxes, err = registry.NewSet("tax", credential.KindRevenue, []credential.IssuerKey{
			Tax.Public(), fixture.Issuer("policy/other-tax-1").Public(), fixture.Issuer("policy/other-tax-2").Public()}); err != nil {
			panic(err)
		}
	})
	return banks, taxes
}

// Sign signs h for secret with issuer as a credential of the given kind, in
// the given layout.
func Sign(t testing.TB, layout int, issuer *credential.IssuerSecret, kind credential.Kind, secret credential.HolderSecret, h credential.History, expires string) *credential.Credential {
	t.Helper()
	c, err := credential.Sign(issuer, credential.Terms{
		Layout: layout, Kind: kind, Subject: secret.Subject(), IssuedAt: fixture.Day("2026-10-15"), ExpiresAt: fixture.Day(expires),
	}, h)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Revenue returns n months from start with the given amounts (cycled), status ok.
func Revenue(start string, n int, amounts ...uint64) credential.History {
	h := fixture.History(start, n, nil)
	for i := range h.Months {
		h.Months[i].Amount = amounts[i%len(amounts)]
	}
	return h
}

// Full is the worked example, in the given layout: bank A (48 months),
// bank B (36 months) and the tax bureau's revenue (24 months, 60,000.00 a
// month), checked as of 2026-11 with: no default at bank A over 24 months,
// none at bank B over 24, 950 per mille on time at bank A over 36, revenue
// averaging 50,000.00 over 12.
func Full(t testing.TB, layout int) (policy.Public, policy.Witness) {
	t.Helper()
	banks, taxes := Sets()
	w := policy.Witness{Holder: Holder}
	w.Credentials[0] = Sign(t, layout, BankA, credential.KindPaymentHistory, Holder, fixture.History("2022-11", 48, nil), "2027-06-01")
	w.Credentials[1] = Sign(t, layout, BankB, credential.KindPaymentHistory, Holder, fixture.History("2023-11", 36, nil), "2027-06-01")
	w.Credentials[2] = Sign(t, layout, Tax, credential.KindRevenue, Holder, Revenue("2024-11", 24, 6000000), "2027-06-01")
	p := policy.Public{
		Policy: fr.NewElement(99), AsOf: AsOf, Lender: Lender, Nonce: fr.NewElement(7),
		Pseudonym: Holder.Pseudonym(Lender),
		Slots: [policy.Slots]policy.SlotPublic{
			{Kind: credential.KindPaymentHistory, Root: banks.Root()},
			{Kind: credential.KindPaymentHistory, Root: banks.Root()},
			{Kind: credential.KindRevenue, Root: taxes.Root()},
		},
		Rules: [policy.Rules]policy.RulePublic{
			{Kind: policy.RuleNoMonthAtOrAbove, Slot: 0, Window: 24, Threshold: uint64(credential.StatusDefault)},
			{Kind: policy.RuleNoMonthAtOrAbove, Slot: 1, Window: 24, Threshold: uint64(credential.StatusDefault)},
			{Kind: policy.RuleOnTime, Slot: 0, Window: 36, Threshold: 950},
			{Kind: policy.RuleAverage, Slot: 2, Window: 12, Threshold: 5000000},
		},
	}
	for k, set := range []*registry.Set{banks, banks, taxes} {
		proof, err := set.Prove(w.Credentials[k].Issuer)
		if err != nil {
			t.Fatal(err)
		}
		w.Membership[k] = proof
	}
	return p, w
}

// Edit changes the worked example; layout is the layout of the
// credentials it signs.
type Edit func(t testing.TB, layout int, p *policy.Public, w *policy.Witness)

// Statuses builds a month index -> status map from pairs.
func Statuses(kv ...any) map[int]credential.Status {
	m := map[int]credential.Status{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(int)] = kv[i+1].(credential.Status)
	}
	return m
}

// BankAHistory re-signs slot 0 (bank A, 48 months 2022-11..2026-10; a
// 24-month window is indices 24..47).
func BankAHistory(st map[int]credential.Status) Edit {
	return func(t testing.TB, l int, p *policy.Public, w *policy.Witness) {
		w.Credentials[0] = Sign(t, l, BankA, credential.KindPaymentHistory, Holder, fixture.History("2022-11", 48, st), "2027-06-01")
	}
}

// TaxAmounts re-signs slot 2 (24 months 2024-11..2026-10 at 60,000.00; a
// 12-month window is indices 12..23) with some months changed.
func TaxAmounts(changes map[int]uint64) Edit {
	return func(t testing.TB, l int, p *policy.Public, w *policy.Witness) {
		h := Revenue("2024-11", 24, 6000000)
		for i, v := range changes {
			h.Months[i].Amount = v
		}
		w.Credentials[2] = Sign(t, l, Tax, credential.KindRevenue, Holder, h, "2027-06-01")
	}
}

// AllMonths sets every one of the tax bureau's 24 months to v.
func AllMonths(v uint64) map[int]uint64 {
	m := map[int]uint64{}
	for i := 0; i < 24; i++ {
		m[i] = v
	}
	return m
}

// SetRule replaces rule j.
func SetRule(j int, r policy.RulePublic) Edit {
	return func(t testing.TB, l int, p *policy.Public, w *policy.Witness) { p.Rules[j] = r }
}

// Slot1 re-signs slot 1 and refreshes its membership proof from the banks
// set (a non-member gets the proof of leaf 0).
func Slot1(issuer *credential.IssuerSecret, kind credential.Kind, secret credential.HolderSecret, expires string) Edit {
	return func(t testing.TB, l int, p *policy.Public, w *policy.Witness) {
		w.Credentials[1] = Sign(t, l, issuer, kind, secret, fixture.History("2023-11", 36, nil), expires)
		banks, _ := Sets()
		proof, err := banks.Prove(issuer.Public())
		if errors.Is(err, registry.ErrNotMember) {
			proof, err = banks.Prove(BankA.Public())
			proof.Index = 0
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Membership[1] = proof
	}
}

// All applies edits in order.
func All(edits ...Edit) Edit {
	return func(t testing.TB, l int, p *policy.Public, w *policy.Witness) {
		for _, e := range edits {
			e(t, l, p, w)
		}
	}
}

// Rules of the cases.
var (
	NoDefault = func(slot, window int, st credential.Status) policy.RulePublic {
		return policy.RulePublic{Kind: policy.RuleNoMonthAtOrAbove, Slot: slot, Window: window, Threshold: uint64(st)}
	}
	OnTime  = policy.RulePublic{Kind: policy.RuleOnTime, Slot: 0, Window: 20, Threshold: 950}
	Amounts = func(k policy.RuleKind, x uint64) policy.RulePublic {
		return policy.RulePublic{Kind: k, Slot: 2, Window: 12, Threshold: x}
	}
)

// Case is an edit of the worked example, whether the circuit must accept
// it, and what the native policy.Check says ("" when satisfied).
type Case struct {
	Name   string
	Edit   Edit
	Valid  bool
	Reason policy.Reason
}

// Cases are the boundary cases that only change domain values: every
// version's circuit must agree with policy.Check on each.
var Cases = []Case{
	{"the worked example", nil, true, ""},

	// no-month-at-or-above, rule 0: bank A, 24 months = indices 24..47.
	{"default just before the window", BankAHistory(Statuses(23, credential.StatusDefault)), true, ""},
	{"default in the first month of the window", BankAHistory(Statuses(24, credential.StatusDefault)), false, policy.ReasonStatus},
	{"default in the last month of the window", BankAHistory(Statuses(47, credential.StatusDefault)), false, policy.ReasonStatus},
	{"late90 allowed by a no-default rule", BankAHistory(Statuses(30, credential.StatusLate90)), true, ""},
	{"late90 refused by a late90 rule", All(BankAHistory(Statuses(30, credential.StatusLate90)), SetRule(0, NoDefault(0, 24, credential.StatusLate90))), false, policy.ReasonStatus},
	{"late60 allowed by a late90 rule", All(BankAHistory(Statuses(30, credential.StatusLate60)), SetRule(0, NoDefault(0, 24, credential.StatusLate90))), true, ""},
	{"late30 refused by a late30 rule", All(BankAHistory(Statuses(30, credential.StatusLate30)), SetRule(0, NoDefault(0, 24, credential.StatusLate30))), false, policy.ReasonStatus},
	{"window is the whole credential", SetRule(0, NoDefault(0, 48, credential.StatusDefault)), true, ""},
	{"window starts before the credential", SetRule(0, NoDefault(0, 49, credential.StatusDefault)), false, policy.ReasonCoverage},

	// on-time, rule 2 set to bank A, 20 months (indices 28..47), 950 per mille: 19 of 20 is exactly 950.
	{"on time exactly at the threshold", All(SetRule(2, OnTime), BankAHistory(Statuses(40, credential.StatusLate30))), true, ""},
	{"on time one month short", All(SetRule(2, OnTime), BankAHistory(Statuses(40, credential.StatusLate30, 41, credential.StatusLate30))), false, policy.ReasonOnTime},
	{"late month just before the on-time window", All(SetRule(2, OnTime), BankAHistory(Statuses(27, credential.StatusLate30, 40, credential.StatusLate30))), true, ""},
	{"a default is not on time", All(SetRule(0, NoDefault(0, 1, credential.StatusDefault)), SetRule(2, OnTime), BankAHistory(Statuses(40, credential.StatusDefault, 41, credential.StatusLate90))), false, policy.ReasonOnTime},

	// average, rule 3: revenue, 12 months = indices 12..23, 60,000.00 a month.
	{"average exactly at the threshold", SetRule(3, Amounts(policy.RuleAverage, 6000000)), true, ""},
	{"average one unit short", SetRule(3, Amounts(policy.RuleAverage, 6000001)), false, policy.ReasonAverage},
	{"a big month just before the window does not count", All(SetRule(3, Amounts(policy.RuleAverage, 6000001)), TaxAmounts(map[int]uint64{11: 99000000})), false, policy.ReasonAverage},
	{"a big month in the first month of the window counts", All(SetRule(3, Amounts(policy.RuleAverage, 6000001)), TaxAmounts(map[int]uint64{12: 6000012})), true, ""},
	{"average of amounts near 2^48", All(SetRule(3, Amounts(policy.RuleAverage, credential.MaxAmount)), TaxAmounts(AllMonths(credential.MaxAmount))), true, ""},

	// sum.
	{"sum exactly at the threshold", SetRule(3, Amounts(policy.RuleSum, 72000000)), true, ""},
	{"sum one unit short", SetRule(3, Amounts(policy.RuleSum, 72000001)), false, policy.ReasonSum},

	// minimum.
	{"minimum exactly at the threshold", All(SetRule(3, Amounts(policy.RuleMinimum, 5999999)), TaxAmounts(map[int]uint64{15: 5999999})), true, ""},
	{"minimum one unit short", All(SetRule(3, Amounts(policy.RuleMinimum, 6000000)), TaxAmounts(map[int]uint64{15: 5999999})), false, policy.ReasonMinimum},
	{"low month just before the minimum window", All(SetRule(3, Amounts(policy.RuleMinimum, 6000000)), TaxAmounts(map[int]uint64{11: 0})), true, ""},
	{"low month in the last month of the minimum window", All(SetRule(3, Amounts(policy.RuleMinimum, 6000000)), TaxAmounts(map[int]uint64{23: 5999999})), false, policy.ReasonMinimum},
	{"minimum above every amount", SetRule(3, Amounts(policy.RuleMinimum, 1<<48)), false, policy.ReasonMinimum},

	// history, rule 1 set to bank B (36 months).
	{"history exactly the credential's length", SetRule(1, policy.RulePublic{Kind: policy.RuleHistory, Slot: 1, Window: 36}), true, ""},
	{"history one month longer", SetRule(1, policy.RulePublic{Kind: policy.RuleHistory, Slot: 1, Window: 37}), false, policy.ReasonCoverage},

	// as-of month, expiry.
	{"window ends after the credentials", func(t testing.TB, l int, p *policy.Public, w *policy.Witness) { p.AsOf++ }, false, policy.ReasonCoverage},
	{"expires on the first day of the as-of month", Slot1(BankB, credential.KindPaymentHistory, Holder, "2026-11-01"), false, policy.ReasonExpired},
	{"expires on the second day of the as-of month", Slot1(BankB, credential.KindPaymentHistory, Holder, "2026-11-02"), true, ""},

	// holder, issuers, kinds.
	{"a credential of another holder mixed in", Slot1(BankB, credential.KindPaymentHistory, fixture.Holder("policy/other-business"), "2027-06-01"), false, policy.ReasonHolder},
	{"an issuer outside the set", Slot1(Rogue, credential.KindPaymentHistory, Holder, "2027-06-01"), false, policy.ReasonIssuerSet},
	{"one credential in two slots", func(t testing.TB, l int, p *policy.Public, w *policy.Witness) {
		w.Credentials[1], w.Membership[1] = w.Credentials[0], w.Membership[0]
	}, false, policy.ReasonDistinct},
	{"two credentials from one issuer", Slot1(BankA, credential.KindPaymentHistory, Holder, "2027-06-01"), false, policy.ReasonDistinct},
	{"a revenue credential in a payment-history slot", Slot1(BankB, credential.KindRevenue, Holder, "2027-06-01"), false, policy.ReasonKind},
	{"a payment history in the revenue slot", func(t testing.TB, l int, p *policy.Public, w *policy.Witness) {
		w.Credentials[2] = Sign(t, l, Tax, credential.KindPaymentHistory, Holder, Revenue("2024-11", 24, 6000000), "2027-06-01")
	}, false, policy.ReasonKind},
	{"the wrong holder secret", func(t testing.TB, l int, p *policy.Public, w *policy.Witness) {
		w.Holder = fixture.Holder("policy/thief")
		p.Pseudonym = w.Holder.Pseudonym(p.Lender)
	}, false, policy.ReasonHolder},
	// Revenue of 1 a month fails an average of 100,000; bank A's amounts
	// (100,000 and up) would pass if the rule could read them.
	{"amount rule fails on its own slot", All(TaxAmounts(AllMonths(1)), SetRule(3, Amounts(policy.RuleAverage, 100000))), false, policy.ReasonAverage},
}

// Tampers names the tampered witnesses (the native check bypassed) that
// every version's tests must cover, each on its own circuit's fields.
var Tampers = []string{
	"tampered statuses", "tampered amounts", "tampered months count", "tampered expiry", "forged signature",
	"off-curve R", "another member's key", "wrong membership path", "wrong pseudonym",
	"amounts read from another slot", "amount slot out of range", "rule window 0", "rule window 61",
	"rule slot 3", "rule kind 7", "status 0 (forbids nothing)", "status 5 (allows default)",
	"threshold 2^54", "negative threshold", "slot kind 3", "as-of day out of range", "as-of day wrapping below zero",
}

// TamperEdits are the domain edits some tampers start from (by name).
var TamperEdits = map[string]Edit{
	"amounts read from another slot": All(TaxAmounts(AllMonths(1)), SetRule(3, Amounts(policy.RuleAverage, 100000))),
	"status 5 (allows default)":      BankAHistory(Statuses(30, credential.StatusDefault)),
	"as-of day wrapping below zero":  Slot1(BankB, credential.KindPaymentHistory, Holder, "2026-11-01"),
}

// ExpiredDay is a day after every credential of the example expires.
var ExpiredDay = int64(fixture.Day("2030-01-01"))
