package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark/logger"
)

// tacit runs the CLI in-process and returns its exit code and output.
func tacit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return tacitIn(t, "", args...)
}

// tacitIn is tacit with stdin as standard input. No output of any command
// holds an ANSI escape: the CLI prints no colour, terminal or not.
func tacitIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runIO(strings.NewReader(stdin), args, &out, &errOut)
	if strings.ContainsRune(out.String()+errOut.String(), '\x1b') {
		t.Errorf("tacit %s printed an ANSI escape", strings.Join(args, " "))
	}
	return code, out.String(), errOut.String()
}

func must(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := tacit(t, args...)
	if code != 0 {
		t.Fatalf("tacit %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return strings.TrimSpace(out)
}

func records(t *testing.T, dir, name string, n int, special map[int]string) string {
	months := make([]map[string]any, n)
	for i := range months {
		st := "ok"
		if s, ok := special[i]; ok {
			st = s
		}
		months[i] = map[string]any{"status": st, "amount": 50000 + i}
	}
	data, _ := json.Marshal(map[string]any{"periodStart": "2023-11", "months": months})
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestIssuerBusinessLenderFlow(t *testing.T) {
	logger.Disable()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	must(t, "keys", "setup", "--dir", p("keys"), "--circuit", "no-default/v2")
	if out := must(t, "keys", "verify", "--dir", p("keys")); strings.Contains(out, "FAIL") {
		t.Fatal(out)
	}

	issuer := must(t, "issuer", "keygen", "--out", p("issuer.key"))
	subject := must(t, "holder", "keygen", "--out", p("holder.key"))
	for _, s := range []string{issuer, subject} {
		if len(s) != 64 || strings.ToLower(s) != s {
			t.Fatalf("not 64 lowercase hex: %q", s)
		}
	}
	for _, f := range []string{"issuer.key", "holder.key"} {
		if st, _ := os.Stat(p(f)); st.Mode().Perm() != 0o600 {
			t.Fatalf("%s has mode %v", f, st.Mode().Perm())
		}
	}
	if code, _, errOut := tacit(t, "holder", "keygen", "--out", p("holder.key")); code == 0 || !strings.Contains(errOut, "already exists") {
		t.Fatal("keygen overwrote an existing secret")
	}

	must(t, "credential", "sign", "--key", p("issuer.key"), "--subject", subject, "--records", records(t, dir, "r.json", 36, map[int]string{3: "default"}),
		"--expires", "2027-06-01", "--issued", "2026-11-02", "--out", p("cred.json"))
	must(t, "credential", "verify", "--credential", p("cred.json"))

	nonce := must(t, "nonce")
	proveArgs := []string{"prove", "--keys", p("keys"), "--statement", "no-default", "--window", "24", "--as-of", "2026-11",
		"--credential", p("cred.json"), "--holder", p("holder.key"), "--lender", "bank-a", "--nonce", nonce, "--out", p("att.json")}
	must(t, proveArgs...)
	out := must(t, "verify", "--keys", p("keys"), "--attestation", p("att.json"), "--issuer", issuer, "--lender", "bank-a", "--nonce", nonce, "--as-of", "2026-11", "--min-window", "24")
	if !strings.Contains(out, "verified no-default/v2") {
		t.Fatalf("verify printed %q", out)
	}
	scriptable(t, p, issuer, nonce, proveArgs)

	// A credential signed in layout v1 is refused by no-default (v2) with
	// a sentence that says what to do, before any proving.
	must(t, "credential", "sign", "--layout", "v1", "--key", p("issuer.key"), "--subject", subject, "--records", p("r.json"),
		"--expires", "2027-06-01", "--issued", "2026-11-02", "--out", p("cred-v1.json"))
	if data, _ := os.ReadFile(p("cred-v1.json")); !strings.Contains(string(data), `"version": 1`) {
		t.Fatalf("--layout v1 wrote %s", data)
	}
	v1Args := append([]string(nil), proveArgs...)
	v1Args[10], v1Args[len(v1Args)-1] = p("cred-v1.json"), p("att-v1.json")
	code, _, errOut := tacit(t, v1Args...)
	if code == 0 || !strings.Contains(errOut, "this credential uses layout v1; statement no-default/v2 needs layout v2: ask the issuer to re-sign it in layout v2, or use no-default/v1") {
		t.Fatalf("a v1 credential: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := tacit(t, "credential", "sign", "--layout", "v3", "--key", p("issuer.key"), "--subject", subject, "--records", p("r.json"),
		"--expires", "2027-06-01", "--out", p("cred-v3.json")); code == 0 || !strings.Contains(errOut, "--layout") {
		t.Fatalf("--layout v3: exit %d, stderr %q", code, errOut)
	}

	// The default at index 3 (2024-02) is inside a 36-month window.
	long := append([]string(nil), proveArgs...)
	long[6], long[len(long)-1] = "36", p("att36.json")
	code, _, errOut = tacit(t, long...)
	if code == 0 || !strings.Contains(errOut, "the credential does not satisfy no-default over 36 months") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(p("att36.json")); !os.IsNotExist(err) {
		t.Fatal("an attestation file was written for an unsatisfied statement")
	}
	secret, _ := os.ReadFile(p("holder.key"))
	if strings.Contains(errOut, strings.TrimSpace(string(secret))) || strings.Contains(errOut, "50003") {
		t.Fatal("stderr leaks a private value")
	}

	for name, args := range map[string][]string{
		"wrong lender": {"--lender", "bank-b", "--nonce", nonce},
		"wrong nonce":  {"--lender", "bank-a", "--nonce", strings.Repeat("0", 64)},
		"stale as-of":  {"--lender", "bank-a", "--nonce", nonce, "--as-of", "2026-12"},
		"short window": {"--lender", "bank-a", "--nonce", nonce, "--min-window", "30"},
		"wrong issuer": {"--lender", "bank-a", "--nonce", nonce, "--issuer-override"},
	} {
		base := []string{"verify", "--keys", p("keys"), "--attestation", p("att.json")}
		if args[len(args)-1] == "--issuer-override" {
			other := must(t, "issuer", "keygen", "--out", p("other.key"))
			base = append(base, "--issuer", other)
			args = args[:len(args)-1]
		} else {
			base = append(base, "--issuer", issuer)
		}
		code, _, errOut := tacit(t, append(base, args...)...)
		if code == 0 || !strings.Contains(errOut, strings.Split(name, " ")[0]) {
			t.Errorf("%s: exit %d, stderr %q", name, code, errOut)
		}
	}
}

func TestBadInputNamesTheField(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	must(t, "issuer", "keygen", "--out", p("issuer.key"))
	subject := must(t, "holder", "keygen", "--out", p("holder.key"))
	bad := p("bad.json")
	os.WriteFile(bad, []byte(`{"periodStart":"2023-11","months":[{"status":"ok","amount":1},{"status":"paid","amount":2}]}`), 0o644)
	code, _, errOut := tacit(t, "credential", "sign", "--key", p("issuer.key"), "--subject", subject, "--records", bad, "--expires", "2027-06-01", "--out", p("c.json"))
	if code == 0 || !strings.Contains(errOut, "months[1].status") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = tacit(t, "credential", "sign", "--key", p("issuer.key"), "--subject", strings.ToUpper(subject), "--records", bad, "--expires", "2027-06-01", "--out", p("c.json"))
	if code == 0 || !strings.Contains(errOut, "--subject") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := tacit(t, "no", "such", "command"); code != 2 {
		t.Fatalf("unknown command exit %d", code)
	}
	if code, _, errOut := tacit(t, "prove", "--as-of", "2026-11"); code == 0 || !strings.Contains(errOut, "missing required flag") {
		t.Fatalf("exit %d, %q", code, errOut)
	}
}

func TestCircuitsList(t *testing.T) {
	out := must(t, "circuits", "list", "--json")
	var list []struct {
		ID          string `json:"id"`
		Constraints int    `json:"constraints"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) == 0 || list[0].ID != "no-default/v1" || list[0].Constraints < 1000 {
		t.Fatalf("circuits list --json: %v %q", err, out)
	}
}
