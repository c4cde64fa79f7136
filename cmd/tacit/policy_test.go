package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark/logger"

	policycircuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/keys"
)

const examplePolicy = "../../examples/policy/policy.json"

// registryWith builds a registry file with the example's two sets and
// returns the keys of the issuers it made.
func registryWith(t *testing.T, dir string, extraBanks int) (path string, issuers map[string]string) {
	t.Helper()
	p := func(name string) string { return filepath.Join(dir, name) }
	issuers = map[string]string{}
	for _, name := range []string{"main-bank", "second-bank", "tax-bureau", "accountant"} {
		issuers[name] = must(t, "issuer", "keygen", "--out", p(name+".key"))
	}
	banks := []string{"registry", "build", "--registry", p("registry.json"), "--set", "accredited-banks", "--kind", "payment-history",
		"--issuer", issuers["main-bank"], "--issuer", issuers["second-bank"]}
	for i := 0; i < extraBanks; i++ {
		banks = append(banks, "--issuer", must(t, "issuer", "keygen", "--out", p("bank"+string(rune('a'+i))+".key")))
	}
	out := must(t, banks...)
	if !strings.Contains(out, `set "accredited-banks" (payment-history): 2 issuer(s)`) && extraBanks == 0 {
		t.Fatalf("registry build printed %q", out)
	}
	must(t, "registry", "build", "--registry", p("registry.json"), "--set", "tax-authorities", "--kind", "revenue",
		"--issuer", issuers["tax-bureau"], "--issuer", issuers["accountant"])
	return p("registry.json"), issuers
}

func TestPolicyAndRegistryCommands(t *testing.T) {
	dir := t.TempDir()
	reg, issuers := registryWith(t, dir, 0)

	out := must(t, "registry", "show", "--registry", reg)
	for _, want := range []string{"accredited-banks (payment-history): 2 issuer(s), depth 6", "tax-authorities (revenue): 2 issuer(s)"} {
		if !strings.Contains(out, want) {
			t.Fatalf("registry show lacks %q:\n%s", want, out)
		}
	}
	var roots []struct {
		Name, Kind, Root string
		Issuers          int
		Retired          []string
	}
	if err := json.Unmarshal([]byte(must(t, "registry", "show", "--registry", reg, "--json")), &roots); err != nil || len(roots) != 2 || len(roots[0].Root) != 64 {
		t.Fatalf("registry show --json: %v %+v", err, roots)
	}

	hash := must(t, "policy", "hash", examplePolicy)
	if len(hash) != 64 {
		t.Fatalf("policy hash printed %q", hash)
	}
	if out := must(t, "policy", "check", examplePolicy, "--registry", reg); !strings.Contains(out, "valid policy \"sme-working-capital-v1\": 3 credential(s), 4 rule(s), hash "+hash) {
		t.Fatalf("policy check printed %q", out)
	}
	if out := must(t, "policy", "explain", "--registry", reg, examplePolicy); !strings.Contains(out, `one of the 2 accredited issuers in the set "accredited-banks"`) {
		t.Fatalf("policy explain printed %q", out)
	}

	// Removing an issuer retires the root.
	out = must(t, "registry", "build", "--registry", reg, "--set", "accredited-banks", "--kind", "payment-history", "--issuer", issuers["main-bank"])
	if !strings.Contains(out, "retired root "+roots[0].Root) {
		t.Fatalf("registry build printed %q", out)
	}
	if out := must(t, "registry", "show", "--registry", reg); !strings.Contains(out, "retired "+roots[0].Root) {
		t.Fatalf("registry show lacks the retired root:\n%s", out)
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(mustRead(t, examplePolicy), `"window": 24`, `"window": 61`, 1)), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"policy", "check", bad}, `"rules[0].window": must be 1 to 60 months`},
		{[]string{"policy", "check"}, "missing the policy file argument"},
		{[]string{"policy", "hash", examplePolicy, "extra"}, `unexpected argument "extra"`},
		{[]string{"policy", "check", examplePolicy, "--registry", filepath.Join(dir, "none.json")}, "no such file"},
		{[]string{"registry", "build", "--registry", reg, "--set", "accredited-banks", "--kind", "revenue", "--issuer", issuers["main-bank"]}, "another credential kind"},
		{[]string{"registry", "build", "--registry", reg, "--set", "x", "--kind", "revenue", "--issuer", strings.ToUpper(issuers["main-bank"])}, "--issuer 1"},
		{[]string{"registry", "build", "--registry", reg, "--set", "x", "--kind", "revenue"}, "missing required flag --issuer"},
	} {
		code, _, errOut := tacit(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("tacit %s: exit %d, stderr %q, want %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
	// A registry that lacks a set the policy names.
	small := filepath.Join(dir, "small.json")
	must(t, "registry", "build", "--registry", small, "--set", "accredited-banks", "--kind", "payment-history", "--issuer", issuers["main-bank"])
	if code, _, errOut := tacit(t, "policy", "check", examplePolicy, "--registry", small); code == 0 || !strings.Contains(errOut, `unknown issuer set "tax-authorities"`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// policyKeys copies the shared development keys for policy/v1 into dir
// (a setup costs tens of seconds under -race; present_test.go shares it).
func policyKeys(t *testing.T, dir string) {
	t.Helper()
	keysFor(t, dir, keys.Folder(policycircuit.ID))
}

func TestPolicyProveVerifyFlow(t *testing.T) {
	logger.Disable()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	policyKeys(t, p("keys"))
	reg, issuers := registryWith(t, dir, 3)
	subject := must(t, "holder", "keygen", "--out", p("holder.key"))
	sign := func(issuer, kind, records, out string) {
		must(t, "credential", "sign", "--key", p(issuer+".key"), "--kind", kind, "--subject", subject, "--records", records,
			"--expires", "2027-06-01", "--issued", "2026-11-02", "--out", p(out))
	}
	// records() writes histories from 2023-11 (36 months to 2026-10), amounts 50,000 and up.
	sign("main-bank", "payment-history", records(t, dir, "main.json", 36, map[int]string{20: "late30"}), "main.json.cred")
	sign("second-bank", "payment-history", records(t, dir, "second.json", 36, nil), "second.json.cred")
	sign("second-bank", "payment-history", records(t, dir, "second-bad.json", 36, map[int]string{30: "default"}), "second-bad.json.cred")
	sign("tax-bureau", "revenue", records(t, dir, "revenue.json", 36, nil), "revenue.json.cred")

	policyPath := p("policy.json")
	os.WriteFile(policyPath, []byte(strings.Replace(mustRead(t, examplePolicy), `"atLeast": 5000000`, `"atLeast": 50000`, 1)), 0o644)
	nonce := must(t, "nonce")
	prove := func(out string, creds ...string) (int, string, string) {
		args := []string{"prove", "--keys", p("keys"), "--policy", policyPath, "--registry", reg, "--as-of", "2026-11",
			"--holder", p("holder.key"), "--lender", "bank-a", "--nonce", nonce, "--out", p(out)}
		for _, c := range creds {
			args = append(args, "--credential", p(c))
		}
		return tacit(t, args...)
	}
	if code, out, errOut := prove("att.json", "revenue.json.cred", "second.json.cred", "main.json.cred"); code != 0 || !strings.Contains(out, "wrote "+p("att.json")+": policy/v1") {
		t.Fatalf("prove: exit %d, %q %q", code, out, errOut)
	}
	verify := []string{"verify", "--keys", p("keys"), "--attestation", p("att.json"), "--lender", "bank-a", "--nonce", nonce, "--as-of", "2026-11"}
	out := must(t, append(verify, "--policy", policyPath, "--registry", reg)...)
	if !strings.Contains(out, `verified policy/v1: policy "sme-working-capital-v1" holds as of 2026-11`) || !strings.Contains(out, "4. average revenue of 50,000.00") {
		t.Fatalf("verify printed %q", out)
	}

	// The exports rebuild a policy attestation's inputs from the policy.
	calldata := must(t, "attestation", "export", "--format", "evm", "--attestation", p("att.json"), "--keys", p("keys"), "--policy", policyPath)
	if !strings.HasPrefix(calldata, "0x") || len(calldata) != 2+2*(4+32*(1+28+1)+256) {
		t.Fatalf("calldata %q", calldata)
	}
	must(t, "attestation", "export", "--format", "snarkjs", "--attestation", p("att.json"), "--keys", p("keys"), "--policy", policyPath, "--out", p("snarkjs"))
	if pub := mustRead(t, filepath.Join(p("snarkjs"), "public.json")); strings.Count(pub, `"`) != 2*28 {
		t.Fatalf("public.json %s", pub)
	}
	if code, _, errOut := tacit(t, "attestation", "export", "--format", "evm", "--attestation", p("att.json")); code == 0 || !strings.Contains(errOut, "--policy") {
		t.Fatalf("export without the policy: exit %d, %q", code, errOut)
	}
	if code, _, errOut := tacit(t, "attestation", "export", "--format", "evm", "--attestation", p("att.json"), "--policy", examplePolicy); code == 0 || !strings.Contains(errOut, "another policy") {
		t.Fatalf("export against another policy: exit %d, %q", code, errOut)
	}

	code, _, errOut := prove("att-bad.json", "main.json.cred", "second-bad.json.cred", "revenue.json.cred")
	if code == 0 || !strings.Contains(errOut, `rule "no default at the second bank" on second-bank (--credential `+p("second-bad.json.cred")+`)`) ||
		!strings.Contains(errOut, "no attestation written") {
		t.Fatalf("unsatisfied prove: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(p("att-bad.json")); !os.IsNotExist(err) {
		t.Fatal("an attestation was written for an unsatisfied policy")
	}
	secret := strings.TrimSpace(mustRead(t, p("holder.key")))
	if strings.Contains(errOut, secret) || strings.Contains(errOut, "50030") {
		t.Fatal("stderr leaks a private value")
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a statement verifier", append(verify, "--issuer", must(t, "issuer", "keygen", "--out", p("x.key"))), "verified against a policy"},
		{"no --registry", append(verify, "--policy", policyPath), "missing required flag --registry"},
		{"no --issuer and no --policy", verify, "missing required flag --issuer"},
		{"another policy", append(verify, "--policy", examplePolicy, "--registry", reg), "answers another policy"},
		{"another lender", append(append([]string(nil), verify...), "--policy", policyPath, "--registry", reg, "--lender", "bank-b"), "wrong lender"},
	} {
		code, _, errOut := tacit(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", tc.name, code, errOut, tc.want)
		}
	}
	if code, _, errOut := tacit(t, "prove", "--keys", p("keys"), "--as-of", "2026-11", "--holder", p("holder.key"), "--lender", "bank-a",
		"--nonce", nonce, "--out", p("x.json"), "--credential", p("main.json.cred"), "--credential", p("second.json.cred")); code == 0 || !strings.Contains(errOut, "a statement takes one credential") {
		t.Fatalf("two credentials without --policy: exit %d, %q", code, errOut)
	}

	// The registry withdraws the second bank: its old root is retired.
	must(t, "registry", "build", "--registry", reg, "--set", "accredited-banks", "--kind", "payment-history", "--issuer", must(t, "issuer", "keygen", "--out", p("y.key")),
		"--issuer", issuers["main-bank"])
	if code, _, errOut := tacit(t, append(verify, "--policy", policyPath, "--registry", reg)...); code == 0 || !strings.Contains(errOut, "retired issuer-set root") {
		t.Fatalf("retired root: exit %d, %q", code, errOut)
	}
}
