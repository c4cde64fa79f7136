package server_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/tacit-zk/tacit/audit"
	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/circuits/nodefaultv2"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// TestCircuits is not parallel: it and the server compare audit.Explain's
// breakdown, which gnark's process-wide profiler cannot compute while a
// parallel test compiles a circuit (the policy keys' setup).
func TestCircuits(t *testing.T) {
	s := start(t, setup{})
	r := s.call(auditor, http.MethodGet, "/v1/circuits", nil)
	r.expect(t, http.StatusOK, "")
	type circuit struct {
		ID           string
		Constraints  int
		VerifyingKey struct{ Fingerprint, Data string }
		Breakdown    []struct {
			Name        string
			Constraints int
		}
		Files map[string]string
		Names []string
	}
	// The list holds each circuit whose keys the server has: here only
	// no-default/v2 (see setupKeys).
	list := decode[[]circuit](t, r)
	if len(list) != 1 || list[0].ID != "no-default/v2" || list[0].Constraints == 0 ||
		len(list[0].VerifyingKey.Fingerprint) != 64 || list[0].VerifyingKey.Data == "" {
		t.Fatalf("circuits: %+v", list)
	}
	// The breakdown is audit.Explain's, and the files are the manifest's.
	info, _ := circuits.Lookup(nodefaultv2.ID)
	want, err := audit.Explain(info)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(list[0].Names, info.Statement.Names()) || !slices.Contains(list[0].Names, "no-default") {
		t.Errorf("names %v, want %v", list[0].Names, info.Statement.Names())
	}
	got, sum := list[0].Breakdown, 0
	if len(got) != len(want.Blocks) {
		t.Fatalf("breakdown %+v, want %+v", got, want.Blocks)
	}
	for i, b := range want.Blocks {
		if got[i].Name != b.Name || got[i].Constraints != b.Constraints {
			t.Errorf("breakdown[%d] = %+v, want %+v", i, got[i], b)
		}
		sum += got[i].Constraints
	}
	if sum != list[0].Constraints {
		t.Errorf("breakdown sums to %d, the circuit has %d constraints", sum, list[0].Constraints)
	}
	m, err := keys.ReadManifest(keyDir, nodefaultv2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(list[0].Files, m.Files) || len(m.Files) != 3 || list[0].Files[keys.VerifyingFile] != list[0].VerifyingKey.Fingerprint {
		t.Errorf("files %v, manifest %v", list[0].Files, m.Files)
	}
	one, err := json.Marshal(list[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"no-default-v2", "no-default%2Fv2", "no-default%2fv2"} {
		r := s.call(bankA, http.MethodGet, "/v1/circuits/"+id, nil)
		r.expect(t, http.StatusOK, "")
		if got, _ := json.Marshal(decode[circuit](t, r)); string(got) != string(one) {
			t.Errorf("/v1/circuits/%s = %s, want %s", id, got, one)
		}
	}
	for _, id := range []string{"no-default", "no-default%2Fv9", "no-default%252Fv1"} {
		s.call(bankA, http.MethodGet, "/v1/circuits/"+id, nil).expect(t, http.StatusNotFound, "not_found")
	}
	s.call("", http.MethodGet, "/v1/circuits", nil).expect(t, http.StatusUnauthorized, "unauthenticated")
}

func TestIssuersAdmin(t *testing.T) {
	t.Parallel()
	s := start(t, setup{})
	newKey := otherBank.Public().Hex()
	list := func() map[string]string {
		r := s.call(bankA, http.MethodGet, "/v1/issuers", nil)
		r.expect(t, http.StatusOK, "")
		out := map[string]string{}
		for _, is := range decode[[]struct{ Key, Name string }](t, r) {
			out[is.Key] = is.Name
		}
		return out
	}
	add := func(who, key, name string) reply {
		return s.call(who, http.MethodPost, "/v1/issuers", map[string]string{"key": key, "name": name})
	}

	s.call(admin, http.MethodDelete, "/v1/issuers/"+newKey, nil).expect(t, http.StatusNoContent, "")
	if _, ok := list()[newKey]; ok {
		t.Fatal("removed issuer still listed")
	}
	s.call(admin, http.MethodDelete, "/v1/issuers/"+newKey, nil).expect(t, http.StatusNotFound, "not_found")
	add(admin, newKey, "renamed").expect(t, http.StatusCreated, "")
	if got := list()[newKey]; got != "renamed" {
		t.Fatalf("issuer name %q, want renamed", got)
	}

	for _, who := range []string{acme, bankA, auditor} {
		add(who, newKey, "mallory").expect(t, http.StatusForbidden, "forbidden")
		s.call(who, http.MethodDelete, "/v1/issuers/"+newKey, nil).expect(t, http.StatusForbidden, "forbidden")
	}
	if got := list()[newKey]; got != "renamed" {
		t.Fatalf("after refused changes the issuer is %q", got)
	}
}

// TestStatementMismatch: an attestation for the challenge's nonce and
// lender that proves other parameters than the challenge asked for is
// refused, and the refusal does not use up the challenge.
func TestStatementMismatch(t *testing.T) {
	t.Parallel()
	s := start(t, setup{})
	ch := s.challenge(t, bankA, "no-default", 24)

	// The business proves a stronger statement over a longer window on its
	// own (as `tacit prove` would): the verifier accepts it as at least as
	// strong, the server insists on the exact statement.
	st, err := circuits.Resolve("no-late30")
	if err != nil {
		t.Fatal(err)
	}
	req, err := st.DecodeRequest("no-late30", []byte(`{"window":36,"asOf":"2026-11"}`), credential.MonthOf(now()))
	if err != nil {
		t.Fatal(err)
	}
	stronger, err := prover.New(keyDir).Prove(context.Background(), prover.Task{
		Request: req, Lender: bankA, Nonce: ch.Nonce,
		Inputs: statement.Inputs{Credentials: []*credential.Credential{passing}, Holder: holder},
	})
	if err != nil {
		t.Fatal(err)
	}
	// section edits the no-default section an attestation holds by value.
	section := func(edit func(*nodefault.Section)) func(*verifier.Attestation) {
		return func(a *verifier.Attestation) {
			s := a.Section.(nodefault.Section)
			edit(&s)
			a.Section = s
		}
	}
	tests := []struct {
		name string
		edit func(*verifier.Attestation)
		code string
	}{
		{"stronger statement", func(*verifier.Attestation) {}, "statement_mismatch"},
		{"shorter window", section(func(s *nodefault.Section) { s.Window = 12 }), "window_too_short"},
		{"earlier month", func(a *verifier.Attestation) { a.Binding.AsOf = "2026-10" }, "stale_as_of"},
		{"later month", func(a *verifier.Attestation) { a.Binding.AsOf = "2026-12" }, "future_as_of"},
		{"another lender's proof", func(a *verifier.Attestation) { a.Binding.Lender = bankB }, "wrong_lender"},
		{"public inputs edited to match", section(func(s *nodefault.Section) {
			s.Window, s.Severity = 24, credential.StatusDefault
		}), "bad_proof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			att := *stronger
			tt.edit(&att)
			data, err := json.Marshal(&att)
			if err != nil {
				t.Fatal(err)
			}
			s.verify(bankA, "/v1/verifications", data).expect(t, http.StatusUnprocessableEntity, tt.code)
		})
	}
	// Still unused: a proof job for it is accepted.
	if id := s.submit(t, ch.ID, passing); s.job(t, id).Status != jobs.StatusQueued {
		t.Fatal("job not queued")
	}
}
