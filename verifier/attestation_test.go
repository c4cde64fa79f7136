package verifier_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// sampleAttestation fills every field with a syntactically valid value;
// ParseAttestation does not check the proof, so no proving is needed.
func sampleAttestation(tb testing.TB) *verifier.Attestation {
	tb.Helper()
	const lender = "acme-bank"
	l, err := verifier.LenderID(lender)
	if err != nil {
		tb.Fatal(err)
	}
	nonce, err := verifier.NewNonce(fixture.Rand("nonce"))
	if err != nil {
		tb.Fatal(err)
	}
	return &verifier.Attestation{
		Version:      verifier.AttestationVersion,
		Statement:    nodefault.ID,
		VerifyingKey: keys.Fingerprint([]byte("verifying key")),
		Binding: statement.Binding{
			AsOf:      "2026-09",
			Lender:    lender,
			Nonce:     nonce,
			Pseudonym: credential.FieldHex(fixture.Holder("acme").Pseudonym(l)),
		},
		Section: nodefault.Section{Severity: credential.StatusLate60, Window: 12, Issuer: fixture.Issuer("bank-a").Public()},
		Proof:   strings.Repeat("0123456789abcdef", 16),
	}
}

func marshalAttestation(tb testing.TB, a *verifier.Attestation) []byte {
	tb.Helper()
	data, err := a.MarshalIndent()
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// assertAttestationCanonical checks that a marshals to a file that parses
// back to a and marshals to the same bytes.
func assertAttestationCanonical(t *testing.T, a *verifier.Attestation) {
	t.Helper()
	b1 := marshalAttestation(t, a)
	a2, err := verifier.ParseAttestation(b1)
	if err != nil {
		t.Fatalf("re-parsing %s: %v", b1, err)
	}
	if !reflect.DeepEqual(a, a2) {
		t.Fatalf("round trip changed the attestation:\n%+v\n%+v", a, a2)
	}
	if b2 := marshalAttestation(t, a2); !bytes.Equal(b1, b2) {
		t.Fatalf("not canonical:\n%s\n%s", b1, b2)
	}
}

// withField decodes doc, sets the value at "key" or "public.key" (or
// deletes it when del) and re-encodes it.
func withField(t *testing.T, doc []byte, path string, v any, del bool) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	obj, key := m, path
	if rest, ok := strings.CutPrefix(path, "public."); ok {
		obj, key = m["public"].(map[string]any), rest
	}
	if del {
		delete(obj, key)
	} else {
		obj[key] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseAttestation(t *testing.T) {
	a := sampleAttestation(t)
	data := marshalAttestation(t, a)
	got, err := verifier.ParseAttestation(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("parsed %+v, want %+v", got, a)
	}
	assertAttestationCanonical(t, got)

	compact, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := verifier.ParseAttestation(compact); err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("compact form: %v", err)
	}
}

func TestParseAttestationRefusesMissingFields(t *testing.T) {
	data := marshalAttestation(t, sampleAttestation(t))
	for _, path := range []string{"version", "statement", "verifyingKey", "public", "proof",
		"public.severity", "public.window", "public.asOf", "public.issuer", "public.lender", "public.nonce", "public.pseudonym"} {
		t.Run(path, func(t *testing.T) {
			_, err := verifier.ParseAttestation(withField(t, data, path, nil, true))
			wantErr(t, err, `attestation: field "`+path+`": missing`)
		})
	}
}

func TestParseAttestationRefuses(t *testing.T) {
	data := marshalAttestation(t, sampleAttestation(t))
	doc := string(data)
	for _, tc := range []struct {
		name  string
		path  string
		value any
		want  string
	}{
		{"unknown field", "signature", "x", `unknown field "signature"`},
		{"unknown public field", "public.holder", "x", `unknown field "public.holder"`},
		{"version 2", "version", 2, `field "version": must be 1`},
		{"version 0", "version", 0, `field "version": must be 1`},
		{"version as a string", "version", "1", `field "version"`},
		{"version 1.5", "version", 1.5, `field "version"`},
		{"null version", "version", nil, `field "version"`},
		{"null public", "public", nil, `field "public"`},
		{"empty statement", "statement", "", `field "statement": missing`},
		{"empty proof", "proof", "", `field "proof": missing`},
		{"empty nonce", "public.nonce", "", `field "public.nonce": missing`},
		{"null lender", "public.lender", nil, `field "public.lender"`},
		{"window as a string", "public.window", "12", `field "public.window"`},
		{"fractional window", "public.window", 1.5, `field "public.window"`},
		{"public as an array", "public", []any{}, `field "public"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifier.ParseAttestation(withField(t, data, tc.path, tc.value, false))
			wantErr(t, err, "attestation: ", tc.want)
		})
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"duplicate field", `{"version":1,` + doc[1:], `"version" appears twice`},
		{"duplicate public field", strings.Replace(doc, `"public": {`, `"public": {"window":60,`, 1), `"public.window" appears twice`},
		{"key differing only in case", `{"Version":1,` + doc[1:], `unknown field "Version"`},
		{"trailing data", doc + "{}", "after the JSON value"},
		{"two documents", doc + doc, "after the JSON value"},
		{"not an object", `[` + doc + `]`, "expected an object"},
		{"empty", ``, "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifier.ParseAttestation([]byte(tc.doc))
			wantErr(t, err, "attestation: ", tc.want)
		})
	}
}

// FuzzParseAttestation checks that ParseAttestation never panics and that
// what it accepts has one encoding.
func FuzzParseAttestation(f *testing.F) {
	a := sampleAttestation(f)
	data := marshalAttestation(f, a)
	compact, err := json.Marshal(a)
	if err != nil {
		f.Fatal(err)
	}
	doc := string(data)
	for _, s := range []string{
		doc,
		string(compact),
		`{"version":1,` + doc[1:],
		`{"Version":1,` + doc[1:],
		strings.Replace(doc, `"version": 1`, `"version": 2`, 1),
		strings.Replace(doc, `"window": 12`, `"window": 12.0`, 1),
		strings.Replace(doc, `"proof": "`, `"proof": "", "x": "`, 1),
		doc + "{}",
		`{"version":1,"public":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := verifier.ParseAttestation(data)
		if err != nil {
			return
		}
		if a.Version != verifier.AttestationVersion {
			t.Fatalf("accepted version %d", a.Version)
		}
		assertAttestationCanonical(t, a)
	})
}
