package registry_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/registry"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

func keys(prefix string, n int) []credential.IssuerKey {
	out := make([]credential.IssuerKey, n)
	for i := range out {
		out[i] = fixture.Issuer(prefix + "-" + string(rune('a'+i))).Public()
	}
	return out
}

func TestProofsVerify(t *testing.T) {
	for _, n := range []int{1, 2, 5, 40, registry.Capacity} {
		ks := keys("bank", n)
		s, err := registry.NewSet("banks", credential.KindPaymentHistory, ks)
		if err != nil {
			t.Fatal(err)
		}
		root := s.Root()
		for _, k := range ks {
			p, err := s.Prove(k)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Root(registry.Leaf(k)); got != root {
				t.Fatalf("n=%d: proof of %s does not give the root", n, k.Hex())
			}
			other := fixture.Issuer("outsider").Public()
			if got := p.Root(registry.Leaf(other)); got == root {
				t.Fatal("an outsider's leaf gives the root")
			}
		}
	}
}

func TestSetIsOrderIndependent(t *testing.T) {
	ks := keys("bank", 7)
	a, _ := registry.NewSet("banks", credential.KindPaymentHistory, ks)
	rev := append([]credential.IssuerKey(nil), ks...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	b, _ := registry.NewSet("banks", credential.KindPaymentHistory, rev)
	if a.Root() != b.Root() {
		t.Fatal("the root depends on the order of the issuers")
	}
}

func TestNewSetRefuses(t *testing.T) {
	ks := keys("bank", 3)
	for name, f := range map[string]func() error{
		"no issuer": func() error { _, err := registry.NewSet("banks", credential.KindPaymentHistory, nil); return err },
		"duplicate": func() error {
			_, err := registry.NewSet("banks", credential.KindPaymentHistory, append(ks, ks[1]))
			return err
		},
		"too many": func() error {
			_, err := registry.NewSet("banks", credential.KindPaymentHistory, keys("x", registry.Capacity+1))
			return err
		},
		"bad name":     func() error { _, err := registry.NewSet("Banks", credential.KindPaymentHistory, ks); return err },
		"unknown kind": func() error { _, err := registry.NewSet("banks", credential.Kind(9), ks); return err },
		"zero key": func() error {
			_, err := registry.NewSet("banks", credential.KindRevenue, []credential.IssuerKey{{}})
			return err
		},
		"long name": func() error {
			_, err := registry.NewSet(strings.Repeat("a", 65), credential.KindRevenue, ks)
			return err
		},
		"non-member": func() error {
			s, _ := registry.NewSet("banks", credential.KindRevenue, ks)
			_, err := s.Prove(keys("y", 1)[0])
			return err
		},
		"index too high": func() error { tr, _ := registry.NewTree(nil); _, err := tr.Prove(registry.Capacity); return err },
	} {
		if f() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestRetiredRoots: changing a set retires its root; CheckRoot names a
// retired root; a root that becomes current again leaves the retired list.
func TestRetiredRoots(t *testing.T) {
	ks := keys("bank", 4)
	r := registry.New()
	if changed, err := r.Put("banks", credential.KindPaymentHistory, ks); err != nil || !changed {
		t.Fatal(changed, err)
	}
	s, _ := r.Set("banks")
	first := s.Root()
	if err := r.CheckRoot("banks", credential.KindPaymentHistory, first); err != nil {
		t.Fatal(err)
	}
	if changed, err := r.Put("banks", credential.KindPaymentHistory, ks); err != nil || changed {
		t.Fatal("an unchanged set changed", err)
	}
	if _, err := r.Put("banks", credential.KindRevenue, ks[:3]); !errors.Is(err, registry.ErrKindMismatch) {
		t.Fatalf("kind change: %v", err)
	}
	if _, err := r.Put("banks", credential.KindPaymentHistory, ks[:3]); err != nil {
		t.Fatal(err)
	}
	s, _ = r.Set("banks")
	second := s.Root()
	if err := r.CheckRoot("banks", credential.KindPaymentHistory, first); !errors.Is(err, registry.ErrRetiredRoot) {
		t.Fatalf("retired root: %v", err)
	}
	if err := r.CheckRoot("banks", credential.KindPaymentHistory, second); err != nil {
		t.Fatal(err)
	}
	if err := r.CheckRoot("banks", credential.KindRevenue, second); !errors.Is(err, registry.ErrKindMismatch) {
		t.Fatalf("kind: %v", err)
	}
	if err := r.CheckRoot("banks", credential.KindPaymentHistory, fr.NewElement(5)); !errors.Is(err, registry.ErrUnknownRoot) {
		t.Fatalf("unknown root: %v", err)
	}
	if err := r.CheckRoot("tax", credential.KindRevenue, second); !errors.Is(err, registry.ErrUnknownSet) {
		t.Fatalf("unknown set: %v", err)
	}
	// The removed bank is accredited again: the first root is current again.
	if _, err := r.Put("banks", credential.KindPaymentHistory, ks); err != nil {
		t.Fatal(err)
	}
	if err := r.CheckRoot("banks", credential.KindPaymentHistory, first); err != nil {
		t.Fatalf("first root again: %v", err)
	}
	if err := r.CheckRoot("banks", credential.KindPaymentHistory, second); !errors.Is(err, registry.ErrRetiredRoot) {
		t.Fatalf("second root: %v", err)
	}
	// And the file keeps all of it.
	data, err := r.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := registry.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.CheckRoot("banks", credential.KindPaymentHistory, second); !errors.Is(err, registry.ErrRetiredRoot) {
		t.Fatalf("after a round trip: %v", err)
	}
	if d2, _ := r2.MarshalIndent(); string(d2) != string(data) {
		t.Fatal("the registry file is not canonical")
	}
}

func sampleFile(t testing.TB) []byte {
	r := registry.New()
	if _, err := r.Put("banks", credential.KindPaymentHistory, keys("bank", 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Put("banks", credential.KindPaymentHistory, keys("bank", 2)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Put("tax", credential.KindRevenue, keys("tax", 1)); err != nil {
		t.Fatal(err)
	}
	data, err := r.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseRefuses(t *testing.T) {
	doc := string(sampleFile(t))
	var f map[string]any
	if err := json.Unmarshal([]byte(doc), &f); err != nil {
		t.Fatal(err)
	}
	set := f["sets"].([]any)[0].(map[string]any)
	issuers := set["issuers"].([]any)
	root := set["root"].(string)
	retired := set["retired"].([]any)[0].(string)
	edit := func(fn func(m map[string]any, s map[string]any)) string {
		var m map[string]any
		json.Unmarshal([]byte(doc), &m)
		fn(m, m["sets"].([]any)[0].(map[string]any))
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown field", strings.Replace(doc, `"version"`, `"x": 1, "version"`, 1), `unknown field "x"`},
		{"version 2", edit(func(m, s map[string]any) { m["version"] = 2 }), `"version": must be 1`},
		{"depth 8", edit(func(m, s map[string]any) { m["depth"] = 8 }), `"depth": must be 6`},
		{"missing root", edit(func(m, s map[string]any) { delete(s, "root") }), `root`},
		{"root that does not match", edit(func(m, s map[string]any) { s["root"] = retired }), `does not match the issuers`},
		{"unsorted issuers", edit(func(m, s map[string]any) { s["issuers"] = []any{issuers[1], issuers[0]} }), `sorted and distinct`},
		{"duplicate issuer", edit(func(m, s map[string]any) { s["issuers"] = []any{issuers[0], issuers[0]} }), `sorted and distinct`},
		{"small-order issuer", edit(func(m, s map[string]any) {
			s["issuers"] = []any{"0000000000000000000000000000000000000000000000000000000000000080"}
		}), `issuers[0]`},
		{"current root retired", edit(func(m, s map[string]any) { s["retired"] = []any{root} }), `is the current root`},
		{"retired twice", edit(func(m, s map[string]any) { s["retired"] = []any{retired, retired} }), `appears twice`},
		{"duplicate set", edit(func(m, s map[string]any) { m["sets"] = []any{s, s} }), `appears twice`},
		{"unknown kind", edit(func(m, s map[string]any) { s["kind"] = "utility" }), `"sets[0].kind"`},
		{"bad name", edit(func(m, s map[string]any) { s["name"] = "Banks" }), `"sets[0].name"`},
		{"trailing data", doc + "{}", "after the JSON value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := registry.Parse([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestKnownAnswers pins leaves and roots: the circuit recomputes them, so a
// change here is a change to every policy proof.
func TestKnownAnswers(t *testing.T) {
	type vector struct {
		Issuers []string `json:"issuers"`
		Leaves  []string `json:"leaves"`
		Root    string   `json:"root"`
	}
	var got []vector
	for _, n := range []int{1, 3, registry.Capacity} {
		ks := keys("vector", n)
		s, err := registry.NewSet("vectors", credential.KindPaymentHistory, ks)
		if err != nil {
			t.Fatal(err)
		}
		v := vector{Root: credential.FieldHex(s.Root())}
		for _, k := range s.Issuers() {
			v.Issuers = append(v.Issuers, k.Hex())
			v.Leaves = append(v.Leaves, credential.FieldHex(registry.Leaf(k)))
		}
		got = append(got, v)
	}
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "vectors.json")
	if *update {
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(data)+"\n" {
		t.Fatal("leaves or roots changed; regenerate with -update only if the change is intended")
	}
	// The empty tree's root is the node hash iterated over zeros.
	tr, _ := registry.NewTree(nil)
	var z fr.Element
	for d := 0; d < registry.Depth; d++ {
		z = registry.Node(z, z)
	}
	if tr.Root() != z {
		t.Fatal("empty tree root")
	}
}

// FuzzParse checks that Parse never panics and that what it accepts
// re-encodes to the same document.
func FuzzParse(f *testing.F) {
	doc := sampleFile(f)
	f.Add(doc)
	f.Add([]byte(`{"version":1,"depth":6,"sets":[]}`))
	f.Add([]byte(`{"version":1,"depth":6,"sets":null}`))
	f.Add([]byte(strings.Replace(string(doc), `"depth": 6`, `"depth": 6.0`, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := registry.Parse(data)
		if err != nil {
			return
		}
		out, err := r.MarshalIndent()
		if err != nil {
			t.Fatal(err)
		}
		r2, err := registry.Parse(out)
		if err != nil {
			t.Fatalf("re-parsing: %v", err)
		}
		out2, _ := r2.MarshalIndent()
		if string(out) != string(out2) {
			t.Fatal("not canonical")
		}
	})
}
