package verifier_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	policycircuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/internal/fixture/ask"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

func samplePolicyAttestation(tb testing.TB) *verifier.Attestation {
	tb.Helper()
	a := sampleAttestation(tb)
	a.Statement = policycircuit.ID
	field := func(label string) string {
		h, err := verifier.NewNonce(fixture.Rand(label))
		if err != nil {
			tb.Fatal(err)
		}
		return h
	}
	a.Section = policycircuit.Section{ID: "sme", Hash: field("policy"), Roots: []string{field("root 1"), field("root 2")}}
	return a
}

// TestNoDefaultAttestationLayoutIsUnchanged: the optional policy section
// and the omitempty no-default fields leave no-default attestations byte
// for byte as they were.
func TestNoDefaultAttestationLayoutIsUnchanged(t *testing.T) {
	a := sampleAttestation(t)
	got := string(marshalAttestation(t, a))
	want := `{
  "version": 1,
  "statement": "no-default/v1",
  "verifyingKey": "` + a.VerifyingKey + `",
  "public": {
    "severity": "late60",
    "window": 12,
    "asOf": "2026-09",
    "issuer": "` + a.Section.(nodefault.Section).Issuer.Hex() + `",
    "lender": "acme-bank",
    "nonce": "` + a.Binding.Nonce + `",
    "pseudonym": "` + a.Binding.Pseudonym + `"
  },
  "proof": "` + a.Proof + `"
}
`
	if got != want {
		t.Fatalf("layout changed:\n%s\nwant:\n%s", got, want)
	}
}

func TestParsePolicyAttestation(t *testing.T) {
	a := samplePolicyAttestation(t)
	data := marshalAttestation(t, a)
	for _, absent := range []string{"severity", "window", "issuer"} {
		if strings.Contains(string(data), `"`+absent+`"`) {
			t.Fatalf("policy attestation carries %q:\n%s", absent, data)
		}
	}
	got, err := verifier.ParseAttestation(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("parsed %+v, want %+v", got, a)
	}
	assertAttestationCanonical(t, got)

	policyField := func(doc []byte, key string, v any, del bool) []byte {
		var m map[string]any
		json.Unmarshal(doc, &m)
		p := m["policy"].(map[string]any)
		if del {
			delete(p, key)
		} else {
			p[key] = v
		}
		out, _ := json.Marshal(m)
		return out
	}
	for _, tc := range []struct {
		name string
		doc  []byte
		want string
	}{
		{"no policy section", withField(t, data, "policy", nil, true), `field "policy": missing`},
		{"null policy section", withField(t, data, "policy", nil, false), `field "policy": missing`},
		{"no policy id", policyField(data, "id", nil, true), `"policy.id": missing`},
		{"empty hash", policyField(data, "hash", "", false), `"policy.hash": missing`},
		{"no roots", policyField(data, "roots", []any{}, false), `"policy.roots": missing`},
		{"unknown policy field", policyField(data, "rules", "x", false), `unknown field "policy.rules"`},
		{"a severity", withField(t, data, "public.severity", "default", false), `unknown field "public.severity"`},
		{"a window", withField(t, data, "public.window", 24, false), `unknown field "public.window"`},
		{"an issuer", withField(t, data, "public.issuer", a.Binding.Pseudonym, false), `unknown field "public.issuer"`},
		{"no pseudonym", withField(t, data, "public.pseudonym", nil, true), `"public.pseudonym": missing`},
		{"a policy section on a no-default attestation", func() []byte {
			b := marshalAttestation(t, sampleAttestation(t))
			return withField(t, b, "policy", map[string]any{"id": "x", "hash": "y", "roots": []any{"z"}}, false)
		}(), `unknown field "policy"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifier.ParseAttestation(tc.doc)
			wantErr(t, err, "attestation: ", tc.want)
		})
	}
}

func TestPolicyExpectValidate(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "examples", "policy", "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	pol := ask.Policy(data, credential.MonthOf(time.Now()))
	reg := registry.New()
	reg.Put("accredited-banks", credential.KindPaymentHistory, []credential.IssuerKey{fixture.Issuer("a").Public(), fixture.Issuer("b").Public()})
	reg.Put("tax-authorities", credential.KindRevenue, []credential.IssuerKey{fixture.Issuer("t").Public()})
	good := verifier.Expect{Request: pol, Trust: statement.Trust{Registry: reg}, Lender: "bank-a", Nonce: strings.Repeat("0a", 32)}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, fn := range map[string]func(e *verifier.Expect){
		"no policy":   func(e *verifier.Expect) { e.Request = nil },
		"no registry": func(e *verifier.Expect) { e.Trust.Registry = nil },
		"a registry without the policy's sets": func(e *verifier.Expect) {
			e.Trust.Registry = registry.New()
		},
		"bad lender": func(e *verifier.Expect) { e.Lender = "Bank A" },
		"bad nonce":  func(e *verifier.Expect) { e.Nonce = "00" },
	} {
		t.Run(name, func(t *testing.T) {
			e := good
			fn(&e)
			if err := e.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if !errors.Is(verifier.ErrRetiredRoot, registry.ErrRetiredRoot) {
		t.Fatal("verifier.ErrRetiredRoot is registry.ErrRetiredRoot")
	}
}

// FuzzParsePolicyAttestation is FuzzParseAttestation seeded with policy/v1
// attestations: ParseAttestation never panics and what it accepts has one
// encoding.
func FuzzParsePolicyAttestation(f *testing.F) {
	a := samplePolicyAttestation(f)
	data := marshalAttestation(f, a)
	compact, err := json.Marshal(a)
	if err != nil {
		f.Fatal(err)
	}
	doc := string(data)
	for _, s := range []string{
		doc,
		string(compact),
		strings.Replace(doc, `"policy": {`, `"policy": {"id": "x",`, 1),
		strings.Replace(doc, `"asOf"`, `"window": 12, "asOf"`, 1),
		strings.Replace(doc, `"roots": [`, `"roots": [null, `, 1),
		strings.Replace(doc, `"statement": "policy/v1"`, `"statement": "no-default/v1"`, 1),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := verifier.ParseAttestation(data)
		if err != nil {
			return
		}
		assertAttestationCanonical(t, a)
	})
}
