package wallet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
	"github.com/tacit-zk/tacit/web/wallet"
)

// request is a presentation request for no-default over 24 months as of
// 2026-11, naming the artefacts in dir.
func request(t *testing.T, dir string) []byte {
	t.Helper()
	m, err := keys.ReadManifest(dir, nodefault.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := map[string]any{
		"id": "abc", "lender": "bank-a", "statement": "no-default", "params": json.RawMessage(`{"window":24,"severity":"default","asOf":"2026-11"}`),
		"asOf": "2026-11", "nonce": strings.Repeat("0a", 32), "responseUri": "http://x/v1/requests/abc/response",
		"circuit": map[string]any{
			"id": nodefault.ID, "constraints": m.Constraints,
			"provingKey":         map[string]any{"url": "http://x/pk", "sha256": m.Files[keys.ProvingFile]},
			"constraintSystem":   map[string]any{"url": "http://x/ccs", "sha256": m.Files[keys.CircuitFile]},
			"verifyingKeySha256": m.Files[keys.VerifyingFile],
		},
	}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func read(t *testing.T, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, keys.Folder(nodefault.ID), name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestProve: the wallet proves a request from files as tacit writes them
// and artefacts checked against the request, and the verifier accepts the
// attestation; a wrong artefact, an unsatisfied credential and bad files
// are refused before any proving.
func TestProve(t *testing.T) {
	dir := t.TempDir()
	if err := keys.Setup(dir, io.Discard, nodefault.ID); err != nil {
		t.Fatal(err)
	}
	r, req, err := wallet.ParseRequest(request(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	ccs, pk := read(t, dir, keys.CircuitFile), read(t, dir, keys.ProvingFile)
	if err := wallet.CheckArtefact(r.Circuit.ProvingKey, pk); err != nil {
		t.Fatal(err)
	}
	if err := wallet.CheckArtefact(r.Circuit.ProvingKey, ccs); !errors.Is(err, wallet.ErrFingerprint) {
		t.Fatalf("the constraint system as the proving key: %v", err)
	}
	if _, err := r.LoadKeys(ccs, append(bytes.Clone(pk), 0)); !errors.Is(err, keys.ErrFingerprint) {
		t.Fatalf("a proving key with a byte more: %v", err)
	}
	k, err := r.LoadKeys(ccs, pk)
	if err != nil {
		t.Fatal(err)
	}

	file, subject, err := wallet.NewHolder(fixture.Rand("wallet"))
	if err != nil {
		t.Fatal(err)
	}
	holder, err := wallet.ParseHolder(file)
	if err != nil || holder.Subject().Hex() != subject {
		t.Fatalf("a new holder file does not read back: %v", err)
	}
	issuer := fixture.Issuer("wallet")
	good, _ := json.Marshal(fixture.Credential(issuer, holder, fixture.History("2023-11", 36, nil), "2027-06-30"))
	bad, _ := json.Marshal(fixture.Credential(issuer, holder, fixture.History("2023-11", 36, map[int]credential.Status{30: credential.StatusDefault}), "2027-06-30"))

	in, err := wallet.Inputs([][]byte{bad}, file)
	if err != nil {
		t.Fatal(err)
	}
	var u *statement.Unsatisfied
	if err := wallet.Precheck(r, req, in); !errors.As(err, &u) || u.Code != statement.CodeUnsatisfied {
		t.Fatalf("a default in the window: %v", err)
	}
	if _, err := wallet.Prove(context.Background(), r, req, k, in); !errors.Is(err, statement.ErrUnsatisfied) {
		t.Fatalf("proving a default in the window: %v", err)
	}

	in, err = wallet.Inputs([][]byte{good}, file)
	if err != nil {
		t.Fatal(err)
	}
	if err := wallet.Precheck(r, req, in); err != nil {
		t.Fatal(err)
	}
	data, err := wallet.Prove(context.Background(), r, req, k, in)
	if err != nil {
		t.Fatal(err)
	}
	att, err := verifier.ParseAttestation(data)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verifier.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	asOf := req.AsOf()
	if _, err := v.Verify(att, verifier.Expect{Request: req, Trust: statement.Trust{Issuers: []credential.IssuerKey{issuer.Public()}},
		Lender: "bank-a", Nonce: r.Nonce, AsOf: &asOf, Match: statement.Exactly}); err != nil {
		t.Fatalf("the verifier refuses the wallet's attestation: %v", err)
	}
	if bytes.Contains(data, []byte(holder.Hex())) || bytes.Contains(data, []byte(subject)) {
		t.Fatal("the attestation holds the holder secret or the subject")
	}
}

// TestBadInput: requests and files the wallet refuses, with the reason.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct{ name, req, want string }{
		{"not JSON", `{`, "reading the request"},
		{"unknown statement", `{"statement":"nope"}`, "unknown statement"},
		{"other circuit", `{"statement":"no-default","circuit":{"id":"policy/v1"}}`, "is not its statement's"},
		{"no fingerprints", `{"statement":"no-default","circuit":{"id":"no-default/v1"}}`, "no sha256 fingerprint"},
		{"too large", `"` + strings.Repeat("a", wallet.MaxRequestSize) + `"`, "larger than"},
	} {
		if _, _, err := wallet.ParseRequest([]byte(tc.req)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	for _, f := range []string{"", "zz\n", strings.Repeat("0", 64) + "\n", strings.Repeat("a", 2000)} {
		if _, err := wallet.ParseHolder([]byte(f)); err == nil {
			t.Errorf("holder file %.20q accepted", f)
		}
	}
	if _, err := wallet.Inputs([][]byte{[]byte(`{}`)}, []byte(strings.Repeat("1", 64)+"\n")); err == nil || !strings.Contains(err.Error(), "credential 1") {
		t.Errorf("a bad credential: %v", err)
	}
}
