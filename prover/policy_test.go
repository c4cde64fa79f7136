package prover_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	policycircuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/circuits/policyv2"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/internal/fixture/ask"
	"github.com/tacit-zk/tacit/policydoc"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// The policy scenario: the worked example's policy (two banks and a tax
// bureau, four rules) with credentials signed for holder, as of 2026-11.
var (
	mainBank   = fixture.Issuer("policy/main-bank")
	secondBank = fixture.Issuer("policy/second-bank")
	taxBureau  = fixture.Issuer("policy/tax-bureau")
	otherBanks = func() []credential.IssuerKey {
		var out []credential.IssuerKey
		for i := 0; i < 10; i++ {
			out = append(out, fixture.Issuer(fmt.Sprintf("policy/bank-%d", i)).Public())
		}
		return out
	}()
)

const policyDoc = `{
  "version": 1,
  "id": "sme-working-capital-v1",
  "credentials": [
    {"name": "main-bank", "kind": "payment-history", "issuerSet": "accredited-banks"},
    {"name": "second-bank", "kind": "payment-history", "issuerSet": "accredited-banks"},
    {"name": "revenue", "kind": "revenue", "issuerSet": "tax-authorities"}
  ],
  "rules": [
    {"name": "no default at the main bank", "credential": "main-bank", "predicate": "no-month-at-or-above", "status": "default", "window": 24},
    {"name": "no default at the second bank", "credential": "second-bank", "predicate": "no-month-at-or-above", "status": "default", "window": 24},
    {"name": "95% on time", "credential": "main-bank", "predicate": "on-time", "perMille": 950, "window": 36},
    {"name": "average revenue", "credential": "revenue", "predicate": "average", "atLeast": 5000000, "window": 12}
  ]
}`

func mustPolicy(t testing.TB, doc string) *policydoc.Policy {
	t.Helper()
	p, err := policydoc.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func issuerRegistry(t testing.TB) *registry.Registry {
	t.Helper()
	reg := registry.New()
	if _, err := reg.Put("accredited-banks", credential.KindPaymentHistory, append([]credential.IssuerKey{mainBank.Public(), secondBank.Public()}, otherBanks...)); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Put("tax-authorities", credential.KindRevenue, []credential.IssuerKey{taxBureau.Public(), otherBanks[0]}); err != nil {
		t.Fatal(err)
	}
	return reg
}

func signAs(t testing.TB, issuer *credential.IssuerSecret, kind credential.Kind, h credential.History) *credential.Credential {
	t.Helper()
	c, err := credential.Sign(issuer, credential.Terms{Layout: credential.LayoutV2, Kind: kind, Subject: holder.Subject(),
		IssuedAt: fixture.Day("2026-10-15"), ExpiresAt: fixture.Day("2027-06-01")}, h)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func revenueHistory(amount uint64) credential.History {
	h := fixture.History("2024-11", 24, nil)
	for i := range h.Months {
		h.Months[i].Amount = amount
	}
	return h
}

// policyRequest presents the credentials in another order than the
// policy's: the prover matches them.
func policyRequest(t testing.TB) prover.Task {
	return prover.Task{
		Request: ask.Policy([]byte(policyDoc), nov),
		Inputs: statement.Inputs{
			Credentials: []*credential.Credential{
				signAs(t, taxBureau, credential.KindRevenue, revenueHistory(5000000)),
				signAs(t, secondBank, credential.KindPaymentHistory, fixture.History("2024-05", 30, nil)),
				signAs(t, mainBank, credential.KindPaymentHistory, fixture.History("2022-11", 48, map[int]credential.Status{20: credential.StatusLate30})),
			},
			Holder: holder,
		},
		Trust:  statement.Trust{Registry: issuerRegistry(t)},
		Lender: "bank-a", Nonce: nonce,
	}
}

func policyExpect(t testing.TB) verifier.Expect {
	return verifier.Expect{Request: ask.Policy([]byte(policyDoc), nov), Trust: statement.Trust{Registry: issuerRegistry(t)}, Lender: "bank-a", Nonce: nonce}
}

// policySection returns the policy section of att, to edit and assign back.
func policySection(att *verifier.Attestation) policycircuit.Section {
	return att.Section.(policycircuit.Section)
}

var policyProved *verifier.Attestation

func policyAttestation(t *testing.T) *verifier.Attestation {
	t.Helper()
	if policyProved == nil {
		att, err := prover.New(keyDir).Prove(context.Background(), policyRequest(t))
		if err != nil {
			t.Fatal(err)
		}
		policyProved = att
	}
	copied := *policyProved
	section := policySection(&copied)
	section.Roots = append([]string(nil), section.Roots...)
	copied.Section = section
	return &copied
}

// TestPolicyRoundTrip is a real Groth16 proof of a 3-credential, 4-rule
// policy (policy/v2, the default), through the attestation file format.
func TestPolicyRoundTrip(t *testing.T) {
	att := policyAttestation(t)
	data, err := att.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{`"severity"`, `"window"`, `"issuer"`} {
		if strings.Contains(string(data), absent) {
			t.Fatalf("a policy attestation carries %s:\n%s", absent, data)
		}
	}
	parsed, err := verifier.ParseAttestation(data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := newVerifier(t).Verify(parsed, policyExpect(t))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	p := mustPolicy(t, policyDoc)
	lid, _ := verifier.LenderID("bank-a")
	params, _ := res.Params.(map[string]string)
	if res.Statement != policyv2.ID || params["policy"] != p.ID || params["policyHash"] != p.HashHex() || res.AsOf != fixture.Month("2026-11") ||
		len(res.Details["rules"]) != 4 || len(res.Details["credentials"]) != 3 || res.Pseudonym != credential.FieldHex(holder.Pseudonym(lid)) {
		t.Fatalf("unexpected result %+v", res)
	}
	// A lender who asked for no-default refuses it by name (before the
	// statement kit: ErrPolicyRequired, use VerifyPolicy).
	if _, err := newVerifier(t).Verify(parsed, expect()); !errors.Is(err, verifier.ErrOtherStatement) {
		t.Fatalf("Verify = %v, want ErrOtherStatement", err)
	}
	// And a lender who asked for the policy refuses a no-default
	// attestation (before the kit, VerifyPolicy said ErrUnknownStatement).
	if _, err := newVerifier(t).Verify(attestation(t), policyExpect(t)); !errors.Is(err, verifier.ErrOtherStatement) {
		t.Fatalf("Verify(no-default, policy expected) = %v, want ErrOtherStatement", err)
	}
}

// TestPolicyEveryPublicWitnessElementIsBound flips each of the 28 public
// inputs of a real proof, including the ones the attestation does not
// carry (asOfDay, slot kinds, rule parameters).
func TestPolicyEveryPublicWitnessElementIsBound(t *testing.T) {
	lid, _ := verifier.LenderID("bank-a")
	n, _ := verifier.ParseNonce(nonce)
	reg := issuerRegistry(t)
	banks, _ := reg.Set("accredited-banks")
	taxes, _ := reg.Set("tax-authorities")
	pub, err := policycircuit.PublicOf(mustPolicy(t, policyDoc), []fr.Element{banks.Root(), banks.Root(), taxes.Root()}, fixture.Month("2026-11"), lid, n, holder.Pseudonym(lid))
	if err != nil {
		t.Fatal(err)
	}
	assertEveryInputBound(t, policyAttestation(t), policyExpect(t).Request, policyv2.ID, policyv2.PublicAssignment(pub), 28)
}

func TestPolicyVerifierNamesTheFailedCheck(t *testing.T) {
	v := newVerifier(t)
	nov := fixture.Month("2026-11")
	dec := nov + 1
	// Another policy with the same shape and a weaker rule: the attestation
	// relabelled as answering it must fail on the proof itself.
	weaker := strings.Replace(policyDoc, `"perMille": 950`, `"perMille": 900`, 1)
	cases := []struct {
		name   string
		mutate func(a *verifier.Attestation, e *verifier.Expect)
		want   error
	}{
		{"another policy", func(a *verifier.Attestation, e *verifier.Expect) { e.Request = ask.Policy([]byte(weaker), nov) }, verifier.ErrWrongPolicy},
		{"a proof for one policy relabelled for another", func(a *verifier.Attestation, e *verifier.Expect) {
			e.Request = ask.Policy([]byte(weaker), nov)
			s := policySection(a)
			s.Hash = mustPolicy(t, weaker).HashHex()
			a.Section = s
		}, verifier.ErrBadProof},
		{"a stricter policy relabelled", func(a *verifier.Attestation, e *verifier.Expect) {
			stricter := strings.Replace(policyDoc, `"atLeast": 5000000`, `"atLeast": 5000001`, 1)
			e.Request = ask.Policy([]byte(stricter), nov)
			s := policySection(a)
			s.Hash = mustPolicy(t, stricter).HashHex()
			a.Section = s
		}, verifier.ErrBadProof},
		{"retired root", func(a *verifier.Attestation, e *verifier.Expect) {
			// The registry drops one of the other banks: the set's root changes.
			if _, err := e.Trust.Registry.Put("accredited-banks", credential.KindPaymentHistory, append([]credential.IssuerKey{mainBank.Public(), secondBank.Public()}, otherBanks[1:]...)); err != nil {
				t.Fatal(err)
			}
		}, verifier.ErrRetiredRoot},
		{"root of another set", func(a *verifier.Attestation, e *verifier.Expect) {
			policySection(a).Roots[0] = policySection(a).Roots[2]
		}, verifier.ErrWrongIssuerSet},
		{"a root relabelled as current", func(a *verifier.Attestation, e *verifier.Expect) {
			// A registry whose banks set differs: its current root is not the
			// one proven against, so claiming it must fail on the proof.
			if _, err := e.Trust.Registry.Put("accredited-banks", credential.KindPaymentHistory, append([]credential.IssuerKey{mainBank.Public(), secondBank.Public()}, otherBanks[1:]...)); err != nil {
				t.Fatal(err)
			}
			s, _ := e.Trust.Registry.Set("accredited-banks")
			roots := policySection(a).Roots
			roots[0], roots[1] = credential.FieldHex(s.Root()), credential.FieldHex(s.Root())
		}, verifier.ErrBadProof},
		{"too few roots", func(a *verifier.Attestation, e *verifier.Expect) {
			s := policySection(a)
			s.Roots = s.Roots[:2]
			a.Section = s
		}, verifier.ErrMalformed},
		{"wrong lender", func(a *verifier.Attestation, e *verifier.Expect) { e.Lender = "bank-b" }, verifier.ErrWrongLender},
		{"wrong nonce", func(a *verifier.Attestation, e *verifier.Expect) { e.Nonce = strings.Repeat("0c", 32) }, verifier.ErrWrongNonce},
		{"stale as-of", func(a *verifier.Attestation, e *verifier.Expect) { e.AsOf = &dec }, verifier.ErrStaleAsOf},
		{"key fingerprint mismatch", func(a *verifier.Attestation, e *verifier.Expect) { a.VerifyingKey = strings.Repeat("ab", 32) }, verifier.ErrKeyMismatch},
		{"pseudonym", func(a *verifier.Attestation, e *verifier.Expect) { a.Binding.Pseudonym = strings.Repeat("01", 32) }, verifier.ErrBadProof},
		{"as-of month", func(a *verifier.Attestation, e *verifier.Expect) {
			a.Binding.AsOf = "2026-10"
			oct := nov - 1
			e.AsOf = &oct
		}, verifier.ErrBadProof},
		{"lender relabelled", func(a *verifier.Attestation, e *verifier.Expect) {
			a.Binding.Lender = "bank-b"
			e.Lender = "bank-b"
		}, verifier.ErrBadProof},
		{"nonce relabelled", func(a *verifier.Attestation, e *verifier.Expect) {
			a.Binding.Nonce = strings.Repeat("0b", 32)
			e.Nonce = a.Binding.Nonce
		}, verifier.ErrBadProof},
		{"truncated proof", func(a *verifier.Attestation, e *verifier.Expect) { a.Proof = a.Proof[:len(a.Proof)-2] }, verifier.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			att, exp := policyAttestation(t), policyExpect(t)
			exp.AsOf = &nov
			tc.mutate(att, &exp)
			if _, err := v.Verify(att, exp); !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("stale by the clock", func(t *testing.T) {
		late, _ := verifier.New(keyDir, verifier.WithClock(func() time.Time { return time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC) }))
		if _, err := late.Verify(policyAttestation(t), policyExpect(t)); !errors.Is(err, verifier.ErrStaleAsOf) {
			t.Fatalf("Verify = %v, want ErrStaleAsOf", err)
		}
	})
}

func TestPolicyUnsatisfiedRefusesWithAPlainSentence(t *testing.T) {
	p := prover.New(keyDir)
	cases := map[string]struct {
		mutate func(r *prover.Task)
		detail string
	}{
		"default at the second bank": {func(r *prover.Task) {
			r.Inputs.Credentials[1] = signAs(t, secondBank, credential.KindPaymentHistory, fixture.History("2024-05", 30, map[int]credential.Status{25: credential.StatusDefault}))
		}, `rule "no default at the second bank" on second-bank (input 1)`},
		"revenue too low": {func(r *prover.Task) {
			r.Inputs.Credentials[0] = signAs(t, taxBureau, credential.KindRevenue, revenueHistory(4999999))
		}, `rule "average revenue" on revenue (input 0)`},
		"an unaccredited bank": {func(r *prover.Task) {
			r.Inputs.Credentials[1] = signAs(t, fixture.Issuer("policy/shadow-bank"), credential.KindPaymentHistory, fixture.History("2024-05", 30, nil))
		}, "the issuer is not in the slot's issuer set"},
		"one bank twice": {func(r *prover.Task) { r.Inputs.Credentials[1] = r.Inputs.Credentials[2] }, "another credential comes from the same issuer"},
		"another holder's credential": {func(r *prover.Task) {
			c, _ := credential.Sign(secondBank, credential.Terms{Layout: credential.LayoutV2, Kind: credential.KindPaymentHistory, Subject: fixture.Holder("thief").Subject(),
				IssuedAt: fixture.Day("2026-10-15"), ExpiresAt: fixture.Day("2027-06-01")}, fixture.History("2024-05", 30, nil))
			r.Inputs.Credentials[1] = c
		}, "the holder secret does not match"},
		"expired": {func(r *prover.Task) { r.Request = ask.Policy([]byte(policyDoc), fixture.Month("2027-06")) }, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := policyRequest(t)
			tc.mutate(&r)
			_, err := p.Prove(context.Background(), r)
			var u *statement.Unsatisfied
			if !errors.Is(err, prover.ErrUnsatisfied) || !errors.As(err, &u) {
				t.Fatalf("Prove = %v, want ErrUnsatisfied", err)
			}
			if msg := err.Error(); msg != `the credentials do not satisfy policy "sme-working-capital-v1"` {
				t.Fatalf("message %q", msg)
			}
			detail := u.Detail(func(i int) string { return fmt.Sprintf("input %d", i) })
			if !strings.Contains(detail, tc.detail) {
				t.Fatalf("detail %q lacks %q", detail, tc.detail)
			}
			if strings.Contains(detail, holder.Hex()) || strings.Contains(detail, "4999999") {
				t.Fatal("the detail leaks a private value")
			}
		})
	}
	t.Run("wrong number of credentials", func(t *testing.T) {
		r := policyRequest(t)
		r.Inputs.Credentials = r.Inputs.Credentials[:2]
		if _, err := p.Prove(context.Background(), r); err == nil || errors.Is(err, prover.ErrUnsatisfied) {
			t.Fatalf("Prove = %v, want a request error", err)
		}
	})
	t.Run("registry without the policy's sets", func(t *testing.T) {
		r := policyRequest(t)
		r.Trust.Registry = registry.New()
		if _, err := p.Prove(context.Background(), r); !errors.Is(err, registry.ErrUnknownSet) {
			t.Fatalf("Prove = %v, want ErrUnknownSet", err)
		}
	})
}
