package policy_test

import (
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/registry"
)

var (
	bankA  = fixture.Issuer("policy/bank-a")
	bankB  = fixture.Issuer("policy/bank-b")
	tax    = fixture.Issuer("policy/tax-bureau")
	rogue  = fixture.Issuer("policy/rogue-bank")
	holder = fixture.Holder("policy/acme")
	lender = fr.NewElement(4242)
	asOf   = fixture.Month("2026-11")
)

var (
	setsOnce     sync.Once
	banks, taxes *registry.Set
)

// sets returns the two issuer sets of the scenarios: banks (bank A, bank B
// and ten others) and tax bureaus (the tax bureau and two others).
func sets(testing.TB) (*registry.Set, *registry.Set) {
	setsOnce.Do(func() {
		bankKeys := []credential.IssuerKey{bankA.Public(), bankB.Public()}
		for i := 0; i < 10; i++ {
			bankKeys = append(bankKeys, fixture.Issuer("policy/other-bank-"+string(rune('a'+i))).Public())
		}
		var err error
		if banks, err = registry.NewSet("banks", credential.KindPaymentHistory, bankKeys); err != nil {
			panic(err)
		}
		if taxes, err = registry.NewSet("tax", credential.KindRevenue, []credential.IssuerKey{
			tax.Public(), fixture.Issuer("policy/other-tax-1").Public(), fixture.Issuer("policy/other-tax-2").Public()}); err != nil {
			panic(err)
		}
	})
	return banks, taxes
}

// sign signs h for holder with issuer as a credential of the given kind.
func sign(t testing.TB, issuer *credential.IssuerSecret, kind credential.Kind, secret credential.HolderSecret, h credential.History, expires string) *credential.Credential {
	t.Helper()
	c, err := credential.Sign(issuer, credential.Terms{
		Kind: kind, Subject: secret.Subject(), IssuedAt: fixture.Day("2026-10-15"), ExpiresAt: fixture.Day(expires),
	}, h)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// revenue returns n months from start with the given amounts (cycled), status ok.
func revenue(start string, n int, amounts ...uint64) credential.History {
	h := fixture.History(start, n, nil)
	for i := range h.Months {
		h.Months[i].Amount = amounts[i%len(amounts)]
	}
	return h
}

// full is the worked example: bank A (48 months), bank B (36 months) and
// the tax bureau's revenue (24 months, 60,000.00 a month), checked as of
// 2026-11 with: no default at bank A over 24 months, none at bank B over 24,
// 950 per mille on time at bank A over 36, revenue averaging 50,000.00 over 12.
func full(t testing.TB) (policy.Public, policy.Witness) {
	t.Helper()
	banks, taxes := sets(t)
	w := policy.Witness{Holder: holder}
	w.Credentials[0] = sign(t, bankA, credential.KindPaymentHistory, holder, fixture.History("2022-11", 48, nil), "2027-06-01")
	w.Credentials[1] = sign(t, bankB, credential.KindPaymentHistory, holder, fixture.History("2023-11", 36, nil), "2027-06-01")
	w.Credentials[2] = sign(t, tax, credential.KindRevenue, holder, revenue("2024-11", 24, 6000000), "2027-06-01")
	p := policy.Public{
		Policy: fr.NewElement(99), AsOf: asOf, Lender: lender, Nonce: fr.NewElement(7),
		Pseudonym: holder.Pseudonym(lender),
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
