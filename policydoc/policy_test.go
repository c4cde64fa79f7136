package policydoc_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	circuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/policydoc"
	"github.com/tacit-zk/tacit/registry"
)

func example(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "policy", "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parse(t testing.TB, data []byte) *policydoc.Policy {
	t.Helper()
	p, err := policydoc.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// edit decodes doc, applies fn and re-encodes it.
func edit(t *testing.T, doc []byte, fn func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func rule(m map[string]any, i int) map[string]any { return m["rules"].([]any)[i].(map[string]any) }
func cred(m map[string]any, i int) map[string]any {
	return m["credentials"].([]any)[i].(map[string]any)
}

func TestExample(t *testing.T) {
	p := parse(t, example(t))
	if p.ID != "sme-working-capital-v1" || len(p.Credentials) != 3 || len(p.Rules) != 4 {
		t.Fatalf("unexpected policy %+v", p)
	}
	// The hash is pinned: it is a public input of every proof of this policy.
	want, err := os.ReadFile(filepath.Join("testdata", "example.hash"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.HashHex(); got != strings.TrimSpace(string(want)) {
		t.Fatalf("hash %s, testdata/example.hash says %s", got, want)
	}
	// An indented, reordered or compact document is the same policy.
	var m map[string]any
	json.Unmarshal(example(t), &m)
	compact, _ := json.Marshal(m)
	indented, _ := p.MarshalIndent()
	for _, doc := range [][]byte{compact, indented, p.Canonical()} {
		if q := parse(t, doc); q.HashHex() != p.HashHex() {
			t.Fatalf("%s hashes differently", doc)
		}
	}
}

func TestHashCoversEveryField(t *testing.T) {
	base := example(t)
	h := parse(t, base).HashHex()
	for name, fn := range map[string]func(m map[string]any){
		"id":              func(m map[string]any) { m["id"] = "sme-working-capital-v2" },
		"description":     func(m map[string]any) { m["description"] = "other" },
		"no description":  func(m map[string]any) { delete(m, "description") },
		"credential name": func(m map[string]any) { cred(m, 2)["name"] = "tax"; rule(m, 3)["credential"] = "tax" },
		"issuer set":      func(m map[string]any) { cred(m, 1)["issuerSet"] = "other-banks" },
		"rule name":       func(m map[string]any) { rule(m, 0)["name"] = "x" },
		"status":          func(m map[string]any) { rule(m, 0)["status"] = "late90" },
		"window":          func(m map[string]any) { rule(m, 1)["window"] = 23 },
		"per mille":       func(m map[string]any) { rule(m, 2)["perMille"] = 951 },
		"at least":        func(m map[string]any) { rule(m, 3)["atLeast"] = 5000001 },
		"predicate":       func(m map[string]any) { rule(m, 3)["predicate"] = "minimum" },
		"rule credential": func(m map[string]any) {
			rule(m, 0)["credential"] = "second-bank"
			rule(m, 1)["credential"] = "main-bank"
		},
		"order of rules": func(m map[string]any) { r := m["rules"].([]any); r[0], r[1] = r[1], r[0] },
		"order of creds": func(m map[string]any) { c := m["credentials"].([]any); c[0], c[1] = c[1], c[0] },
		"a rule less":    func(m map[string]any) { m["rules"] = m["rules"].([]any)[1:] },
		"history not avg": func(m map[string]any) {
			m["rules"].([]any)[3] = map[string]any{"name": "h", "credential": "revenue", "predicate": "history", "months": 12}
		},
		"revenue kind set":  func(m map[string]any) { cred(m, 2)["issuerSet"] = "tax-authorities-2" },
		"sum not average":   func(m map[string]any) { rule(m, 3)["predicate"] = "sum" },
		"description space": func(m map[string]any) { m["description"] = m["description"].(string) + " " },
	} {
		t.Run(name, func(t *testing.T) {
			if got := parse(t, edit(t, base, fn)).HashHex(); got == h {
				t.Fatal("the hash did not change")
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	base := example(t)
	for _, tc := range []struct {
		name string
		fn   func(m map[string]any)
		want string
	}{
		{"version 2", func(m map[string]any) { m["version"] = 2 }, `"version": must be 1`},
		{"missing id", func(m map[string]any) { delete(m, "id") }, `"id": missing`},
		{"bad id", func(m map[string]any) { m["id"] = "SME" }, `"id"`},
		{"unknown field", func(m map[string]any) { m["lender"] = "x" }, `unknown field "lender"`},
		{"unknown rule field", func(m map[string]any) { rule(m, 0)["note"] = "x" }, `unknown field "rules[0].note"`},
		{"empty description", func(m map[string]any) { m["description"] = "" }, `"description"`},
		{"control character", func(m map[string]any) { m["description"] = "a\u0007b" }, `"description": must be printable`},
		{"no credentials", func(m map[string]any) { m["credentials"] = []any{} }, `"credentials": must list 1 to 3`},
		{"four credentials", func(m map[string]any) {
			m["credentials"] = append(m["credentials"].([]any), map[string]any{"name": "x", "kind": "revenue", "issuerSet": "y"})
		}, `"credentials": must list 1 to 3`},
		{"no rules", func(m map[string]any) { m["rules"] = []any{} }, `"rules": must list 1 to 4`},
		{"five rules", func(m map[string]any) { m["rules"] = append(m["rules"].([]any), rule(m, 0)) }, `"rules": must list 1 to 4`},
		{"duplicate credential name", func(m map[string]any) { cred(m, 1)["name"] = "main-bank" }, `names two credentials`},
		{"duplicate rule name", func(m map[string]any) { rule(m, 1)["name"] = rule(m, 0)["name"] }, `names two rules`},
		{"unknown credential", func(m map[string]any) { rule(m, 0)["credential"] = "third-bank" }, `no credential is named`},
		{"unused credential", func(m map[string]any) { rule(m, 1)["credential"] = "main-bank" }, `no rule reads "second-bank"`},
		{"unknown kind", func(m map[string]any) { cred(m, 0)["kind"] = "utility" }, `"credentials[0].kind"`},
		{"bad issuer set", func(m map[string]any) { cred(m, 0)["issuerSet"] = "Banks" }, `"credentials[0].issuerSet"`},
		{"unknown predicate", func(m map[string]any) { rule(m, 0)["predicate"] = "none" }, `"rules[0].predicate"`},
		{"missing window", func(m map[string]any) { delete(rule(m, 0), "window") }, `"rules[0].window": missing`},
		{"window 0", func(m map[string]any) { rule(m, 0)["window"] = 0 }, `must be 1 to 60 months`},
		{"window 61", func(m map[string]any) { rule(m, 0)["window"] = 61 }, `must be 1 to 60 months`},
		{"a parameter the predicate does not take", func(m map[string]any) { rule(m, 0)["perMille"] = 900 }, `"rules[0].perMille": a no-month-at-or-above rule does not take it`},
		{"status ok", func(m map[string]any) { rule(m, 0)["status"] = "ok" }, `late30, late60, late90 or default`},
		{"unknown status", func(m map[string]any) { rule(m, 0)["status"] = "paid" }, `"rules[0].status"`},
		{"per mille 0", func(m map[string]any) { rule(m, 2)["perMille"] = 0 }, `must be 1 to 1000`},
		{"per mille 1001", func(m map[string]any) { rule(m, 2)["perMille"] = 1001 }, `must be 1 to 1000`},
		{"negative amount", func(m map[string]any) { rule(m, 3)["atLeast"] = -1 }, `"rules[3].atLeast"`},
		{"average above 2^48", func(m map[string]any) { rule(m, 3)["atLeast"] = float64(1 << 48) }, `at most 2^48-1`},
		{"fractional amount", func(m map[string]any) { rule(m, 3)["atLeast"] = 1.5 }, `"rules[3].atLeast"`},
		{"history with a window", func(m map[string]any) {
			m["rules"].([]any)[3] = map[string]any{"name": "h", "credential": "revenue", "predicate": "history", "months": 12, "window": 12}
		}, `a history rule does not take it`},
		{"history without months", func(m map[string]any) {
			m["rules"].([]any)[3] = map[string]any{"name": "h", "credential": "revenue", "predicate": "history"}
		}, `"rules[3].months": missing`},
		{"on-time on revenue", func(m map[string]any) { rule(m, 2)["credential"] = "revenue" }, `reads payment statuses`},
		{"no default on revenue", func(m map[string]any) { rule(m, 0)["credential"] = "revenue"; rule(m, 2)["credential"] = "revenue" }, `reads payment statuses`},
		{"amounts of two credentials", func(m map[string]any) {
			m["rules"].([]any)[2] = map[string]any{"name": "s", "credential": "main-bank", "predicate": "sum", "atLeast": 1, "window": 12}
		}, `must read one credential`},
		{"two minimum rules", func(m map[string]any) {
			m["rules"].([]any)[1] = map[string]any{"name": "m1", "credential": "revenue", "predicate": "minimum", "atLeast": 1, "window": 12}
			m["rules"].([]any)[3] = map[string]any{"name": "m2", "credential": "revenue", "predicate": "minimum", "atLeast": 2, "window": 6}
			rule(m, 0)["credential"] = "second-bank"
		}, `at most one minimum rule`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := policydoc.Parse(edit(t, base, tc.fn))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, policydoc.ErrInvalid) {
				t.Fatalf("Parse = %v, want %q", err, tc.want)
			}
		})
	}
	for name, doc := range map[string]string{
		"duplicate key":     `{"version":1,` + string(base[1:]),
		"trailing data":     string(base) + "{}",
		"not JSON":          `policy`,
		"version as string": strings.Replace(string(base), `"version": 1`, `"version": "1"`, 1),
	} {
		if _, err := policydoc.Parse([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPublicFollowsThePolicy(t *testing.T) {
	p := parse(t, example(t))
	roots := []fr.Element{fr.NewElement(1), fr.NewElement(2), fr.NewElement(3)}
	asOf := fixture.Month("2026-11")
	pub, err := circuit.PublicOf(p, roots, asOf, fr.NewElement(4), fr.NewElement(5), fr.NewElement(6))
	if err != nil {
		t.Fatal(err)
	}
	if pub.Policy != p.Hash() || pub.AsOf != asOf {
		t.Fatal("policy hash or as-of month")
	}
	wantSlots := [circuit.Slots]circuit.SlotPublic{
		{Kind: credential.KindPaymentHistory, Root: roots[0]},
		{Kind: credential.KindPaymentHistory, Root: roots[1]},
		{Kind: credential.KindRevenue, Root: roots[2]},
	}
	wantRules := [circuit.Rules]circuit.RulePublic{
		{Kind: circuit.RuleNoMonthAtOrAbove, Slot: 0, Window: 24, Threshold: uint64(credential.StatusDefault)},
		{Kind: circuit.RuleNoMonthAtOrAbove, Slot: 1, Window: 24, Threshold: uint64(credential.StatusDefault)},
		{Kind: circuit.RuleOnTime, Slot: 0, Window: 36, Threshold: 950},
		{Kind: circuit.RuleAverage, Slot: 2, Window: 12, Threshold: 5000000},
	}
	if pub.Slots != wantSlots || pub.Rules != wantRules {
		t.Fatalf("slots %+v rules %+v", pub.Slots, pub.Rules)
	}
	// A smaller policy pads with unused slots and disabled rules.
	small := parse(t, []byte(`{"version":1,"id":"small","credentials":[{"name":"b","kind":"payment-history","issuerSet":"banks"}],
		"rules":[{"name":"customer","credential":"b","predicate":"history","months":36}]}`))
	pub, err = circuit.PublicOf(small, roots[:1], asOf, fr.NewElement(4), fr.NewElement(5), fr.NewElement(6))
	if err != nil {
		t.Fatal(err)
	}
	if pub.Slots[1] != (circuit.SlotPublic{}) || pub.Rules[1] != (circuit.RulePublic{}) ||
		pub.Rules[0] != (circuit.RulePublic{Kind: circuit.RuleHistory, Slot: 0, Window: 36}) {
		t.Fatalf("slots %+v rules %+v", pub.Slots, pub.Rules)
	}
	if _, err := circuit.PublicOf(p, roots[:2], asOf, fr.Element{}, fr.Element{}, fr.Element{}); err == nil {
		t.Fatal("two roots for three credentials accepted")
	}
}

func TestCheckRegistry(t *testing.T) {
	p := parse(t, example(t))
	reg := registry.New()
	if _, err := reg.Put("accredited-banks", credential.KindPaymentHistory, []credential.IssuerKey{fixture.Issuer("b").Public()}); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckRegistry(reg); !errors.Is(err, registry.ErrUnknownSet) {
		t.Fatalf("missing set: %v", err)
	}
	if _, err := reg.Put("tax-authorities", credential.KindPaymentHistory, []credential.IssuerKey{fixture.Issuer("t").Public()}); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckRegistry(reg); !errors.Is(err, registry.ErrKindMismatch) {
		t.Fatalf("kind: %v", err)
	}
}

func TestExplain(t *testing.T) {
	p := parse(t, example(t))
	reg := registry.New()
	var banks []credential.IssuerKey
	for i := 0; i < 40; i++ {
		banks = append(banks, fixture.Issuer("bank-"+string(rune('a'+i))).Public())
	}
	reg.Put("accredited-banks", credential.KindPaymentHistory, banks)
	reg.Put("tax-authorities", credential.KindRevenue, banks[:3])
	text := p.Explain(reg)
	for _, want := range []string{
		p.HashHex(),
		"3 credentials, all bound to its one holder secret and each signed by a different issuer",
		`one of the 40 accredited issuers in the set "accredited-banks"`,
		"main-bank records no month in default in the 24 months before T",
		"at least 95% of the 36 months before T as paid on time",
		"average monthly amount revenue records over the 12 months before T is at least 5,000,000 (minor units)",
		"not which issuer signed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
	for r, want := range map[policydoc.Rule]string{
		{Predicate: circuit.RuleNoMonthAtOrAbove, Credential: "b", Window: 12, Status: credential.StatusLate60}: "no month late60 or worse in the 12 months",
		{Predicate: circuit.RuleOnTime, Credential: "b", Window: 12, PerMille: 975}:                             "at least 97.5% of",
		{Predicate: circuit.RuleSum, Credential: "b", Window: 12, AtLeast: 1234567}:                             "add up to at least 1,234,567",
		{Predicate: circuit.RuleMinimum, Credential: "b", Window: 12, AtLeast: 100}:                             "every monthly amount",
		{Predicate: circuit.RuleHistory, Credential: "b", Months: 36}:                                           "covers each of the 36 months before T",
	} {
		if got := r.Sentence(); !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}

// FuzzParse checks that Parse never panics and that what it accepts has
// one canonical form with one hash.
func FuzzParse(f *testing.F) {
	f.Add(example(f))
	f.Add([]byte(`{"version":1,"id":"small","credentials":[{"name":"b","kind":"payment-history","issuerSet":"banks"}],"rules":[{"name":"c","credential":"b","predicate":"history","months":36}]}`))
	f.Add([]byte(`{"version":1,"id":"x","credentials":[],"rules":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policydoc.Parse(data)
		if err != nil {
			return
		}
		q, err := policydoc.Parse(p.Canonical())
		if err != nil {
			t.Fatalf("the canonical form does not parse: %v", err)
		}
		if string(q.Canonical()) != string(p.Canonical()) || q.Hash() != p.Hash() {
			t.Fatal("not canonical")
		}
	})
}
