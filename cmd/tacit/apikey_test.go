package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/server/auth"
)

func TestAPIKeyListAndRevoke(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.jsonl")
	for _, p := range [][2]string{{"acme", "business"}, {"bank-a", "lender"}, {"acme", "auditor"}} {
		must(t, "apikey", "new", "--auth", file, "--name", p[0], "--role", p[1])
	}
	lines := strings.Split(must(t, "apikey", "list", "--auth", file), "\n")
	if len(lines) != 3 {
		t.Fatalf("list: %q", lines)
	}
	for i, want := range [][2]string{{"acme", "business"}, {"bank-a", "lender"}, {"acme", "auditor"}} {
		f := strings.Fields(lines[i])
		if len(f) != 3 || f[0] != want[0] || f[1] != want[1] || len(f[2]) != 64 {
			t.Fatalf("list line %d: %q", i, lines[i])
		}
	}
	var listed []auth.Entry
	if err := json.Unmarshal([]byte(must(t, "apikey", "list", "--auth", file, "--json")), &listed); err != nil || len(listed) != 3 {
		t.Fatalf("list --json: %v %v", listed, err)
	}

	// By sha256 (flags after the argument work too), then by name.
	out := must(t, "apikey", "revoke", listed[1].Hash, "--auth", file)
	if !strings.Contains(out, "revoked bank-a (lender)") {
		t.Fatalf("revoke by hash: %q", out)
	}
	out = must(t, "apikey", "revoke", "--auth", file, "acme")
	if strings.Count(out, "revoked acme") != 2 {
		t.Fatalf("revoke by name: %q", out)
	}
	if out := must(t, "apikey", "list", "--auth", file); out != "" {
		t.Fatalf("after revoking every key: %q", out)
	}
	if code, _, errOut := tacit(t, "apikey", "revoke", "--auth", file, "acme"); code != 1 || !strings.Contains(errOut, "no key") {
		t.Fatalf("revoking a missing key: exit %d: %s", code, errOut)
	}
	if code, _, _ := tacit(t, "apikey", "revoke", "--auth", file); code != 2 {
		t.Fatalf("revoke without an argument: exit %d, want 2", code)
	}
}
