package nodefault_test

import (
	"errors"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	tedwards "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/test"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
)

var (
	issuer = fixture.Issuer("bank")
	holder = fixture.Holder("acme")
	lender = fr.NewElement(4242)
)

// scenario is a credential, a holder secret and public inputs; the default
// is 36 months 2023-11..2026-10, all ok, checked for 24 months as of 2026-11.
type scenario struct {
	defaults map[int]credential.Status
	expires  string
	window   int
	asOf     string
	severity credential.Status
	secret   credential.HolderSecret
	signer   *credential.IssuerSecret
	// tamper changes the witness after assignment, bypassing Check.
	tamper func(w *nodefault.Circuit)
}

func (s scenario) build(t *testing.T) (nodefault.Public, *credential.Credential, credential.HolderSecret) {
	t.Helper()
	if s.expires == "" {
		s.expires = "2027-06-01"
	}
	if s.window == 0 {
		s.window = 24
	}
	if s.asOf == "" {
		s.asOf = "2026-11"
	}
	if s.severity == 0 {
		s.severity = credential.StatusDefault
	}
	signer := issuer
	if s.signer != nil {
		signer = s.signer
	}
	cred := fixture.Credential(signer, holder, fixture.History("2023-11", 36, s.defaults), s.expires)
	secret := holder
	if s.secret != (credential.HolderSecret{}) {
		secret = s.secret
	}
	pub := nodefault.Public{
		Severity: s.severity, Window: s.window, AsOf: fixture.Month(s.asOf),
		Issuer: issuer.Public(), Lender: lender, Nonce: fr.NewElement(7),
		Pseudonym: holder.Pseudonym(lender),
	}
	return pub, cred, secret
}

func def(i ...int) map[int]credential.Status {
	m := map[int]credential.Status{}
	for _, k := range i {
		m[k] = credential.StatusDefault
	}
	return m
}

// The window for the default scenario is indices 12..35 of 0..35.
var cases = []struct {
	name  string
	s     scenario
	valid bool
	rule  nodefault.Rule // for invalid cases that Check catches natively
}{
	{"clean history", scenario{}, true, ""},
	{"default just before the window", scenario{defaults: def(11)}, true, ""},
	{"default in the first month of the window", scenario{defaults: def(12)}, false, nodefault.RuleSeverity},
	{"default in the last month of the window", scenario{defaults: def(35)}, false, nodefault.RuleSeverity},
	{"default just after the window", scenario{defaults: def(35), asOf: "2026-10"}, true, ""},
	{"late90 allowed by no-default", scenario{defaults: map[int]credential.Status{20: credential.StatusLate90}}, true, ""},
	{"late60 refused by severity late60", scenario{defaults: map[int]credential.Status{20: credential.StatusLate60}, severity: credential.StatusLate60}, false, nodefault.RuleSeverity},
	{"late30 allowed by severity late60", scenario{defaults: map[int]credential.Status{20: credential.StatusLate30}, severity: credential.StatusLate60}, true, ""},
	{"window is the whole credential", scenario{window: 36}, true, ""},
	{"window starts before the credential", scenario{window: 37}, false, nodefault.RuleCoverage},
	{"window ends after the credential", scenario{asOf: "2026-12"}, false, nodefault.RuleCoverage},
	{"window of one month at the end", scenario{window: 1}, true, ""},
	{"expires on the first day of the as-of month", scenario{expires: "2026-11-01"}, false, nodefault.RuleExpired},
	{"expires on the second day of the as-of month", scenario{expires: "2026-11-02"}, true, ""},
	{"wrong holder secret", scenario{secret: fixture.Holder("someone-else")}, false, nodefault.RuleHolder},
	{"signed by another issuer", scenario{signer: fixture.Issuer("other-bank")}, false, nodefault.RuleIssuer},
	{"tampered status outside the window", scenario{tamper: func(w *nodefault.Circuit) { w.Status[0] = 1 }}, false, ""},
	{"tampered amount", scenario{tamper: func(w *nodefault.Circuit) { w.Amounts[3] = 1 }}, false, ""},
	{"tampered months count", scenario{tamper: func(w *nodefault.Circuit) { w.Months = 35 }}, false, ""},
	{"tampered expiry", scenario{expires: "2026-11-01", tamper: func(w *nodefault.Circuit) { w.ExpiresAt = int64(fixture.Day("2027-01-01")) }}, false, ""},
	{"hidden default in a status that wraps 3 bits", scenario{defaults: def(12), tamper: func(w *nodefault.Circuit) { w.Status[12] = 4 + 8 }}, false, ""},
	{"signature point R off the curve", scenario{tamper: func(w *nodefault.Circuit) { w.Signature.R.X = 5 }}, false, ""},
	{"wrong pseudonym", scenario{tamper: func(w *nodefault.Circuit) { w.Pseudonym = holder.Pseudonym(fr.NewElement(1)) }}, false, ""},
	{"window 0", scenario{tamper: func(w *nodefault.Circuit) { w.Window = 0 }}, false, ""},
	{"window 61", scenario{tamper: func(w *nodefault.Circuit) { w.Window = 61 }}, false, ""},
	{"severity 0 (forbids nothing)", scenario{tamper: func(w *nodefault.Circuit) { w.Severity = 0 }}, false, ""},
	{"severity 5 (allows default)", scenario{defaults: def(20), tamper: func(w *nodefault.Circuit) { w.Severity = 5 }}, false, ""},
	{"as-of day out of range", scenario{tamper: func(w *nodefault.Circuit) { w.AsOfDay = new(big.Int).Lsh(big.NewInt(1), 17) }}, false, ""},
	{"as-of day wrapping below zero", scenario{expires: "2026-11-01", tamper: func(w *nodefault.Circuit) { w.AsOfDay = -1 }}, false, ""},
}

func TestCircuitBoundaries(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pub, cred, secret := tc.s.build(t)
			err := nodefault.Check(pub, cred, secret)
			switch {
			case tc.valid && err != nil:
				t.Fatalf("Check: %v", err)
			case !tc.valid && tc.rule != "":
				var u *nodefault.Unsatisfied
				if !errors.As(err, &u) || u.Rule != tc.rule {
					t.Fatalf("Check = %v, want rule %q", err, tc.rule)
				}
			}
			w, err := nodefault.Assign(pub, cred, secret)
			if err != nil {
				t.Fatal(err)
			}
			if tc.s.tamper != nil {
				tc.s.tamper(w)
			}
			opt := test.WithInvalidAssignment(w)
			if tc.valid {
				opt = test.WithValidAssignment(w)
			}
			test.NewAssert(t).CheckCircuit(&nodefault.Circuit{}, opt,
				test.WithCurves(ecc.BN254), test.WithBackends(backend.GROTH16), test.NoFuzzing(), test.NoSerializationChecks())
		})
	}
}

// TestSmallOrderIssuerForgery is the classic cofactor attack: with an issuer
// key of order 2, [8]([S]B - [h]A - R) vanishes for R = [S]B, so anyone can
// "sign" anything. The circuit must refuse small-order keys.
func TestSmallOrderIssuerForgery(t *testing.T) {
	pub, cred, secret := scenario{}.build(t)
	w, err := nodefault.Assign(pub, cred, secret)
	if err != nil {
		t.Fatal(err)
	}
	var minusOne fr.Element
	minusOne.SetOne().Neg(&minusOne)
	w.Issuer.X, w.Issuer.Y = 0, minusOne // (0, -1) has order 2
	curve := tedwards.GetEdwardsCurve()
	var r tedwards.PointAffine
	s := big.NewInt(123456789)
	r.ScalarMultiplication(&curve.Base, s)
	w.Signature.R.X, w.Signature.R.Y = r.X, r.Y
	w.Signature.S = s
	test.NewAssert(t).CheckCircuit(&nodefault.Circuit{}, test.WithInvalidAssignment(w),
		test.WithCurves(ecc.BN254), test.WithBackends(backend.GROTH16), test.NoFuzzing(), test.NoSerializationChecks())
}
