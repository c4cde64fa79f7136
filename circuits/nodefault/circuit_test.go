package nodefault_test

import (
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	tedwards "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/circuits/nodefaultv2"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
)

// The tests of this file run every case against both versions of the
// statement, no-default/v1 and no-default/v2 (circuits/nodefaultv2), so
// that every negative test of v1 has its v2 twin by construction.

var (
	issuer = fixture.Issuer("bank")
	holder = fixture.Holder("acme")
	lender = fr.NewElement(4242)
)

// version is one circuit under test: the credential layout it reads, a
// blank circuit and its witness builder.
type version struct {
	name   string
	layout int
	blank  func() frontend.Circuit
	assign func(nodefault.Public, *credential.Credential, credential.HolderSecret) (frontend.Circuit, error)
}

var versions = []version{
	{"v1", credential.LayoutV1, func() frontend.Circuit { return &nodefault.Circuit{} },
		func(p nodefault.Public, c *credential.Credential, s credential.HolderSecret) (frontend.Circuit, error) {
			return nodefault.Assign(p, c, s)
		}},
	{"v2", credential.LayoutV2, func() frontend.Circuit { return &nodefaultv2.Circuit{} },
		func(p nodefault.Public, c *credential.Credential, s credential.HolderSecret) (frontend.Circuit, error) {
			return nodefaultv2.Assign(p, c, s)
		}},
}

// tamper changes a witness after assignment, bypassing Check: v1 and v2
// each change their own circuit's witness the same way.
type tamper struct {
	v1 func(w *nodefault.Circuit)
	v2 func(w *nodefaultv2.Circuit)
}

func (tp tamper) apply(w frontend.Circuit) {
	switch w := w.(type) {
	case *nodefault.Circuit:
		tp.v1(w)
	case *nodefaultv2.Circuit:
		tp.v2(w)
	}
}

// set is the tamper that sets the witness field at a dotted path
// ("Signature.R.X") to v, in both circuits, whose fields share names.
func set(path string, v any) *tamper {
	f := func(w any) {
		field := reflect.ValueOf(w).Elem()
		for _, name := range strings.Split(path, ".") {
			field = field.FieldByName(name)
		}
		field.Set(reflect.ValueOf(v))
	}
	return &tamper{func(w *nodefault.Circuit) { f(w) }, func(w *nodefaultv2.Circuit) { f(w) }}
}

// plus8 returns the packed statuses element plus d * 8^slot.
func plus8(e frontend.Variable, d int64, slot uint) fr.Element {
	x := e.(fr.Element)
	var delta fr.Element
	delta.SetBigInt(new(big.Int).Mul(big.NewInt(d), new(big.Int).Lsh(big.NewInt(1), 3*slot)))
	x.Add(&x, &delta)
	return x
}

// scenario is a credential, a holder secret and public inputs; the default
// is 36 months 2023-11..2026-10, all ok, checked for 24 months as of 2026-11.
type scenario struct {
	defaults map[int]credential.Status
	start    string
	months   int
	expires  string
	window   int
	asOf     string
	severity credential.Status
	secret   credential.HolderSecret
	signer   *credential.IssuerSecret
	tamper   *tamper
}

func (s scenario) build(t *testing.T, layout int) (nodefault.Public, *credential.Credential, credential.HolderSecret) {
	t.Helper()
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&s.expires, "2027-06-01")
	def(&s.asOf, "2026-11")
	def(&s.start, "2023-11")
	if s.months == 0 {
		s.months = 36
	}
	if s.window == 0 {
		s.window = 24
	}
	if s.severity == 0 {
		s.severity = credential.StatusDefault
	}
	signer := issuer
	if s.signer != nil {
		signer = s.signer
	}
	cred := fixture.CredentialIn(layout, signer, holder, fixture.History(s.start, s.months, s.defaults), s.expires)
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
	{"late30 refused by severity late30", scenario{defaults: map[int]credential.Status{20: credential.StatusLate30}, severity: credential.StatusLate30}, false, nodefault.RuleSeverity},
	{"late90 refused by severity late90", scenario{defaults: map[int]credential.Status{20: credential.StatusLate90}, severity: credential.StatusLate90}, false, nodefault.RuleSeverity},
	{"late60 allowed by severity late90", scenario{defaults: map[int]credential.Status{20: credential.StatusLate60}, severity: credential.StatusLate90}, true, ""},
	{"window is the whole credential", scenario{window: 36}, true, ""},
	{"window starts before the credential", scenario{window: 37}, false, nodefault.RuleCoverage},
	{"window ends after the credential", scenario{asOf: "2026-12"}, false, nodefault.RuleCoverage},
	{"window of one month at the end", scenario{window: 1}, true, ""},
	{"60 months, window 60", scenario{start: "2021-11", months: 60, window: 60}, true, ""},
	{"60 months, window 60, default in the first month", scenario{start: "2021-11", months: 60, window: 60, defaults: def(0)}, false, nodefault.RuleSeverity},
	{"60 months, window 60, default in the last month", scenario{start: "2021-11", months: 60, window: 60, defaults: def(59)}, false, nodefault.RuleSeverity},
	{"60 months, window 59 after a default", scenario{start: "2021-11", months: 60, window: 59, defaults: def(0)}, true, ""},
	{"1 month, window 1", scenario{start: "2026-10", months: 1, window: 1}, true, ""},
	{"expires on the first day of the as-of month", scenario{expires: "2026-11-01"}, false, nodefault.RuleExpired},
	{"expires on the second day of the as-of month", scenario{expires: "2026-11-02"}, true, ""},
	{"wrong holder secret", scenario{secret: fixture.Holder("someone-else")}, false, nodefault.RuleHolder},
	{"signed by another issuer", scenario{signer: fixture.Issuer("other-bank")}, false, nodefault.RuleIssuer},
	{"tampered status outside the window", scenario{tamper: &tamper{
		func(w *nodefault.Circuit) { w.Status[0] = 1 },
		func(w *nodefaultv2.Circuit) { w.Statuses = plus8(w.Statuses, 1, 0) },
	}}, false, ""},
	{"tampered amount", scenario{tamper: &tamper{
		func(w *nodefault.Circuit) { w.Amounts[3] = 1 },
		func(w *nodefaultv2.Circuit) {
			w.AmountsDigest = credential.AmountsDigest(fixture.History("2023-11", 35, nil).Amounts())
		},
	}}, false, ""},
	{"tampered months count", scenario{tamper: set("Months", 35)}, false, ""},
	{"tampered expiry", scenario{expires: "2026-11-01", tamper: set("ExpiresAt", int64(fixture.Day("2027-01-01")))}, false, ""},
	{"tampered issue date", scenario{tamper: set("IssuedAt", int64(fixture.Day("2026-10-16")))}, false, ""},
	// v1: a status of 12 wraps its 3 bits and packs like 4 in slot 12
	// plus 1 in slot 13; v2 takes the packed part, so the prover's only move
	// is another packed value: the default's slot cleared.
	{"hidden default in a status that wraps 3 bits", scenario{defaults: def(12), tamper: &tamper{
		func(w *nodefault.Circuit) { w.Status[12] = 4 + 8 },
		func(w *nodefaultv2.Circuit) { w.Statuses = plus8(w.Statuses, -4, 12) },
	}}, false, ""},
	{"signature point R off the curve", scenario{tamper: set("Signature.R.X", frontend.Variable(5))}, false, ""},
	{"signature S plus the group order", scenario{tamper: &tamper{
		func(w *nodefault.Circuit) { w.Signature.S = plusOrder(w.Signature.S) },
		func(w *nodefaultv2.Circuit) { w.Signature.S = plusOrder(w.Signature.S) },
	}}, false, ""},
	{"wrong pseudonym", scenario{tamper: set("Pseudonym", frontend.Variable(holder.Pseudonym(fr.NewElement(1))))}, false, ""},
	{"window 0", scenario{tamper: set("Window", frontend.Variable(0))}, false, ""},
	{"window 61", scenario{tamper: set("Window", frontend.Variable(61))}, false, ""},
	{"window 61 on a 60-month credential", scenario{start: "2021-11", months: 60, window: 60, tamper: set("Window", frontend.Variable(61))}, false, ""},
	{"severity 0 (forbids nothing)", scenario{tamper: set("Severity", frontend.Variable(0))}, false, ""},
	{"severity 5 (allows default)", scenario{defaults: def(20), tamper: set("Severity", frontend.Variable(5))}, false, ""},
	{"as-of day out of range", scenario{tamper: set("AsOfDay", frontend.Variable(new(big.Int).Lsh(big.NewInt(1), 17)))}, false, ""},
	{"as-of day wrapping below zero", scenario{expires: "2026-11-01", tamper: set("AsOfDay", frontend.Variable(-1))}, false, ""},
}

// plusOrder returns S + l, the same scalar modulo the subgroup order:
// strict S < l must refuse it.
func plusOrder(s frontend.Variable) frontend.Variable {
	v, l := new(big.Int).SetBytes(s.([]byte)), tedwards.GetEdwardsCurve().Order
	return v.Add(v, &l)
}

func TestCircuitBoundaries(t *testing.T) {
	for _, v := range versions {
		for _, tc := range cases {
			// Not parallel: gnark's test engine counts operations in package
			// variables, a data race between parallel CheckCircuit calls.
			t.Run(v.name+"/"+tc.name, func(t *testing.T) {
				pub, cred, secret := tc.s.build(t, v.layout)
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
				w, err := v.assign(pub, cred, secret)
				if err != nil {
					t.Fatal(err)
				}
				if tc.s.tamper != nil {
					tc.s.tamper.apply(w)
				}
				checkCircuit(t, v.blank(), w, tc.valid)
			})
		}
	}
}

func checkCircuit(t *testing.T, blank, w frontend.Circuit, valid bool) {
	t.Helper()
	opt := test.WithInvalidAssignment(w)
	if valid {
		opt = test.WithValidAssignment(w)
	}
	test.NewAssert(t).CheckCircuit(blank, opt,
		test.WithCurves(ecc.BN254), test.WithBackends(backend.GROTH16), test.NoFuzzing(), test.NoSerializationChecks())
}

// TestSmallOrderIssuerForgery is the classic cofactor attack: with an issuer
// key of order 2, [8]([S]B - [h]A - R) vanishes for R = [S]B, so anyone can
// "sign" anything. The circuit must refuse small-order keys.
func TestSmallOrderIssuerForgery(t *testing.T) {
	var minusOne fr.Element
	minusOne.SetOne().Neg(&minusOne)
	curve := tedwards.GetEdwardsCurve()
	var r tedwards.PointAffine
	s := big.NewInt(123456789)
	r.ScalarMultiplication(&curve.Base, s)
	// (0, -1) has order 2.
	forge := tamper{
		func(w *nodefault.Circuit) {
			w.Issuer.X, w.Issuer.Y = 0, minusOne
			w.Signature.R.X, w.Signature.R.Y, w.Signature.S = r.X, r.Y, s
		},
		func(w *nodefaultv2.Circuit) {
			w.Issuer.X, w.Issuer.Y = 0, minusOne
			w.Signature.R.X, w.Signature.R.Y, w.Signature.S = r.X, r.Y, s
		},
	}
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			pub, cred, secret := scenario{}.build(t, v.layout)
			w, err := v.assign(pub, cred, secret)
			if err != nil {
				t.Fatal(err)
			}
			forge.apply(w)
			checkCircuit(t, v.blank(), w, false)
		})
	}
}

// TestLayoutsDoNotMix: a witness from a credential of the other layout
// fails each circuit, as does a v2 witness whose statuses or amounts part
// comes from another credential of the same holder and issuer.
func TestLayoutsDoNotMix(t *testing.T) {
	other := fixture.CredentialIn(credential.LayoutV2, issuer, holder, fixture.History("2023-11", 35, def(3)), "2027-06-01")
	for _, tc := range []struct {
		name    string
		v       version
		layout  int
		tamper2 func(w *nodefaultv2.Circuit)
	}{
		{"v1 credential into v2", versions[1], credential.LayoutV1, nil},
		{"v2 credential into v1", versions[0], credential.LayoutV2, nil},
		{"v2 with another credential's statuses", versions[1], credential.LayoutV2,
			func(w *nodefaultv2.Circuit) { w.Statuses = other.Parts().Statuses }},
		{"v2 with another credential's amounts digest", versions[1], credential.LayoutV2,
			func(w *nodefaultv2.Circuit) { w.AmountsDigest = other.Parts().AmountsDigest }},
		{"v2 with the amounts digest in the statuses' place", versions[1], credential.LayoutV2,
			func(w *nodefaultv2.Circuit) { w.Statuses, w.AmountsDigest = w.AmountsDigest, w.Statuses }},
	} {
		t.Run(tc.name, func(t *testing.T) { // not parallel: see TestCircuitBoundaries
			pub, cred, secret := scenario{}.build(t, tc.layout)
			w, err := tc.v.assign(pub, cred, secret)
			if err != nil {
				t.Fatal(err)
			}
			if tc.tamper2 != nil {
				tc.tamper2(w.(*nodefaultv2.Circuit))
			}
			checkCircuit(t, tc.v.blank(), w, false)
		})
	}
}

// TestTwinsAreComplete: every tamper changes both circuits' witnesses.
func TestTwinsAreComplete(t *testing.T) {
	for _, tc := range cases {
		if tp := tc.s.tamper; tp != nil && (tp.v1 == nil || tp.v2 == nil) {
			t.Errorf("%s: a tamper without its %s twin", tc.name, map[bool]string{true: "v1", false: "v2"}[tp.v1 == nil])
		}
	}
	if len(versions) != 2 {
		t.Fatal(fmt.Sprint("versions: ", len(versions)))
	}
}
