package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/circuits"
)

// scriptable checks the scripting surface on the keys, credential and
// attestation of TestIssuerBusinessLenderFlow: --json results and refusals,
// exit statuses, and `-` for standard input and output.
func scriptable(t *testing.T, p func(string) string, issuer, nonce string, proveArgs []string) {
	t.Helper()
	verifyArgs := func(att string, extra ...string) []string {
		return append([]string{"verify", "--keys", p("keys"), "--attestation", att, "--issuer", issuer, "--lender", "bank-a", "--as-of", "2026-11"}, extra...)
	}

	// verify --json: the result, and a refusal with its code and exit status 1.
	var ok verifyResult
	if err := json.Unmarshal([]byte(must(t, verifyArgs(p("att.json"), "--nonce", nonce, "--json")...)), &ok); err != nil ||
		!ok.OK || ok.Statement != "no-default/v2" || ok.Lender != "bank-a" || len(ok.Pseudonym) == 0 || ok.AsOf != "2026-11" {
		t.Fatalf("verify --json: %v %+v", err, ok)
	}
	code, out, errOut := tacit(t, verifyArgs(p("att.json"), "--nonce", strings.Repeat("0", 64), "--json")...)
	var r refusal
	if err := json.Unmarshal([]byte(out), &r); code != 1 || err != nil || r.OK || r.Error.Code != "wrong_nonce" || !strings.Contains(errOut, "wrong nonce") {
		t.Fatalf("refused verify --json: exit %d, %v, %q, stderr %q", code, err, out, errOut)
	}
	// A usage error under --json: exit status 2 and a refusal object.
	code, out, _ = tacit(t, "verify", "--attestation", p("att.json"), "--json")
	if err := json.Unmarshal([]byte(out), &r); code != 2 || err != nil || r.Error.Code != "usage" {
		t.Fatalf("verify --json without --lender: exit %d, %q", code, out)
	}

	// --attestation - reads standard input.
	att, err := os.ReadFile(p("att.json"))
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := tacitIn(t, string(att), verifyArgs("-", "--nonce", nonce)...); code != 0 || !strings.Contains(out, "verified no-default/v2") {
		t.Fatalf("verify --attestation -: exit %d, %q %q", code, out, errOut)
	}
	if code, _, _ := tacitIn(t, "", verifyArgs("-", "--nonce", nonce)...); code != 1 {
		t.Fatalf("verify of an empty standard input: exit %d", code)
	}

	// prove --out -: the attestation on standard output, the message on
	// standard error; it verifies like the file.
	stdoutArgs := append([]string(nil), proveArgs...)
	stdoutArgs[len(stdoutArgs)-1] = "-"
	code, out, errOut = tacit(t, stdoutArgs...)
	if code != 0 || !strings.Contains(errOut, "wrote standard output: no-default/v2") {
		t.Fatalf("prove --out -: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := tacitIn(t, out, verifyArgs("-", "--nonce", nonce)...); code != 0 {
		t.Fatalf("the attestation prove printed does not verify: %s", errOut)
	}
	// --credential - reads standard input, once.
	cred, err := os.ReadFile(p("cred.json"))
	if err != nil {
		t.Fatal(err)
	}
	stdinArgs := append([]string(nil), proveArgs...)
	stdinArgs[slicesIndex(stdinArgs, "--credential")+1] = "-"
	stdinArgs[len(stdinArgs)-1] = p("att-stdin.json")
	if code, _, errOut := tacitIn(t, string(cred), append(stdinArgs, "--json")...); code != 0 {
		t.Fatalf("prove --credential -: exit %d, %s", code, errOut)
	}
	twice := append(append([]string(nil), stdinArgs...), "--credential", "-")
	if code, _, errOut := tacitIn(t, string(cred), twice...); code != 2 || !strings.Contains(errOut, "standard input is already read") {
		t.Fatalf("prove --credential - twice: exit %d, %s", code, errOut)
	}

	// prove --json: the result; an unsatisfied statement is a refusal, exit 1.
	jsonArgs := append(append([]string(nil), proveArgs...), "--json")
	jsonArgs[len(proveArgs)-1] = p("att-json.json")
	var pr proveResult
	if err := json.Unmarshal([]byte(must(t, jsonArgs...)), &pr); err != nil || !pr.OK || pr.Statement != "no-default/v2" || pr.Out != p("att-json.json") {
		t.Fatalf("prove --json: %v %+v", err, pr)
	}
	jsonArgs[6] = "36" // the default at index 3 is inside 36 months
	code, out, _ = tacit(t, jsonArgs...)
	if err := json.Unmarshal([]byte(out), &r); code != 1 || err != nil || r.Error.Code != "unsatisfied" || strings.Contains(out, "50003") {
		t.Fatalf("unsatisfied prove --json: exit %d, %q", code, out)
	}
	if code, _, errOut := tacit(t, append(stdoutArgs, "--json")...); code != 2 || !strings.Contains(errOut, "--json and --out -") {
		t.Fatalf("prove --json --out -: exit %d, %s", code, errOut)
	}

	// keys verify --json lists its checks.
	var ar auditResult
	if err := json.Unmarshal([]byte(must(t, "keys", "verify", "--dir", p("keys"), "--json")), &ar); err != nil || !ar.OK || len(ar.Checks) == 0 || ar.Gnark != circuits.GnarkVersion {
		t.Fatalf("keys verify --json: %v %+v", err, ar)
	}
	for _, c := range ar.Checks {
		if c.Result == "fail" {
			t.Fatalf("keys verify --json: %+v", c)
		}
	}
	if code, out, _ := tacit(t, "audit", "--keys", p("keys"), "--circuit", "no-such/v1", "--json"); code != 1 || !strings.Contains(out, `"ok": false`) {
		t.Fatalf("audit --json of an unknown circuit: exit %d, %q", code, out)
	}
}

func slicesIndex(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func TestVersion(t *testing.T) {
	out := must(t, "version")
	if !strings.HasPrefix(out, "tacit ") || !strings.Contains(out, "gnark "+circuits.GnarkVersion) {
		t.Fatalf("version printed %q", out)
	}
	var v versionInfo
	if err := json.Unmarshal([]byte(must(t, "version", "--json")), &v); err != nil || v.Version == "" || v.Gnark != circuits.GnarkVersion || !strings.HasPrefix(v.Go, "go") {
		t.Fatalf("version --json: %v %+v", err, v)
	}
	if code, _, _ := tacit(t, "version", "extra"); code != 2 {
		t.Fatalf("version extra: exit %d", code)
	}
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	issuer := must(t, "issuer", "keygen", "--out", filepath.Join(dir, "issuer.key"))
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"no", "such", "command"}, 2},
		{[]string{"keys", "nope"}, 2},
		{[]string{"nonce", "--bogus"}, 2},
		{[]string{"nonce", "extra"}, 2},
		{[]string{"prove", "--as-of", "2026-11"}, 2},                                   // missing flags
		{[]string{"verify", "--attestation", "a", "--lender", "l", "--nonce", "n"}, 2}, // missing --issuer
		{[]string{"verify", "--attestation", "a", "--lender", "l", "--nonce", "n", "--issuer", "zz"}, 2},
		{[]string{"circuits", "explain"}, 2},
		{[]string{"audit"}, 2},
		{[]string{"attestation", "export", "--format", "pdf", "--attestation", "a"}, 2},
		{[]string{"credential", "verify", "--credential", filepath.Join(dir, "missing.json")}, 1},
		{[]string{"verify", "--attestation", filepath.Join(dir, "missing.json"), "--lender", "l", "--nonce", "n", "--issuer", issuer}, 1},
		{[]string{"nonce", "--help"}, 0},
		{[]string{"--help"}, 0},
	} {
		if code, _, errOut := tacit(t, tc.args...); code != tc.code {
			t.Errorf("tacit %s: exit %d, want %d (%s)", strings.Join(tc.args, " "), code, tc.code, errOut)
		}
	}
}

func TestGroupsListTheirCommands(t *testing.T) {
	groups := map[string]bool{}
	for _, c := range commands {
		if w := strings.Fields(c.words); len(w) > 1 {
			groups[w[0]] = true
		}
	}
	for _, g := range []string{"keys", "circuits", "credential", "holder", "issuer", "policy", "registry", "ceremony", "apikey", "attestation"} {
		if !groups[g] {
			t.Errorf("no command group %q", g)
		}
	}
	for g := range groups {
		for _, help := range []string{"--help", "-h", "help"} {
			code, out, _ := tacit(t, g, help)
			if code != 0 {
				t.Errorf("tacit %s %s: exit %d", g, help, code)
			}
			for _, c := range groupCommands(g) {
				if !strings.Contains(out, c.words+" ") || !strings.Contains(out, c.summary) {
					t.Errorf("tacit %s %s does not list %q:\n%s", g, help, c.words, out)
				}
			}
		}
		code, out, errOut := tacit(t, g)
		_, want, _ := tacit(t, g, "--help")
		if code != 2 || out != "" || errOut != want {
			t.Errorf("tacit %s: exit %d, stdout %q, stderr %q", g, code, out, errOut)
		}
	}
}

func TestStatementNamesEverywhere(t *testing.T) {
	want := must(t, "circuits", "explain", "no-default/v2")
	for _, name := range []string{"no-default", "no-default-v2"} {
		if got := must(t, "circuits", "explain", name); got != want {
			t.Errorf("circuits explain %s:\n%s\nwant\n%s", name, got, want)
		}
	}
	if code, _, errOut := tacit(t, "circuits", "explain", "no-such-thing"); code != 1 || !strings.Contains(errOut, "no-such-thing") {
		t.Errorf("unknown statement: exit %d, %s", code, errOut)
	}
}

func TestSignRecordsFromStandardInput(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	must(t, "issuer", "keygen", "--out", p("issuer.key"))
	subject := must(t, "holder", "keygen", "--out", p("holder.key"))
	recs, err := os.ReadFile(records(t, dir, "r.json", 36, nil)) // 2023-11 .. 2026-10
	if err != nil {
		t.Fatal(err)
	}
	sign := func(stdin, issued string, extra ...string) (int, string, string) {
		return tacitIn(t, stdin, append([]string{"credential", "sign", "--key", p("issuer.key"), "--subject", subject,
			"--records", "-", "--expires", "2027-06-01", "--issued", issued}, extra...)...)
	}
	code, out, errOut := sign(string(recs), "2026-10-01", "--out", "-")
	if code != 0 || !strings.Contains(errOut, "wrote standard output") {
		t.Fatalf("sign --records - --out -: exit %d, %s", code, errOut)
	}
	if code, _, errOut := tacitIn(t, out, "credential", "verify", "--credential", "-"); code != 0 {
		t.Fatalf("the printed credential: %s", errOut)
	}

	// The last month may be the signing date's month, not a later one.
	code, _, errOut = sign(string(recs), "2026-09-30", "--out", p("c.json"))
	if code != 1 || !strings.Contains(errOut, `"months[35]": is 2026-10, after the signing date 2026-09-30`) {
		t.Fatalf("months after the signing date: exit %d, %s", code, errOut)
	}
	if _, err := os.Stat(p("c.json")); !os.IsNotExist(err) {
		t.Fatal("a credential was written")
	}

	// A labelled export that dropped a month is refused where it shifts.
	var labelled strings.Builder
	labelled.WriteString(`{"periodStart":"2024-01","months":[`)
	for i, m := range []string{"2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-07"} {
		if i > 0 {
			labelled.WriteString(",")
		}
		fmt.Fprintf(&labelled, `{"month":%q,"status":"ok","amount":%d}`, m, 1000+i)
	}
	labelled.WriteString("]}")
	code, _, errOut = sign(labelled.String(), "2026-10-01", "--out", p("c.json"))
	if code != 1 || !strings.Contains(errOut, `"months[5].month": labelled 2024-07, but its position is 2024-06`) || strings.Contains(errOut, "1005") {
		t.Fatalf("a dropped month: exit %d, %s", code, errOut)
	}
}
