package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/consensys/gnark/logger"
)

// The commands' input checks; the ceremony, the audit and the exports run
// for real in TestCeremonyEndToEnd.

func TestCircuitsExplain(t *testing.T) {
	logger.Disable()
	out := must(t, "circuits", "explain", "no-default/v1")
	for _, want := range []string{"public inputs, in the proof's order", "1. severity", "9. pseudonym", "R1CS constraints", "signature", "hashing"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain has no %q:\n%s", want, out)
		}
	}
	// The blocks add up to the total.
	var total, sum int
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 2 && f[1] == "R1CS":
			total, _ = strconv.Atoi(f[0])
		case len(f) > 2 && strings.HasSuffix(f[1], "%"):
			n, _ := strconv.Atoi(f[0])
			sum += n
		}
	}
	if total == 0 || sum != total {
		t.Fatalf("blocks sum to %d of %d:\n%s", sum, total, out)
	}
	if must(t, "circuits", "explain", "no-default-v1") != out {
		t.Fatal("the folder name gives another explanation")
	}
	for _, args := range [][]string{{"circuits", "explain"}, {"circuits", "explain", "nope/v1"}, {"circuits", "explain", "a", "b"}} {
		if code, _, _ := tacit(t, args...); code == 0 {
			t.Errorf("tacit %s succeeded", strings.Join(args, " "))
		}
	}
}

func TestCeremonyAuditExportRefuseBadInput(t *testing.T) {
	dir := t.TempDir()
	att := filepath.Join(dir, "att.json")
	// Only the issuer is malformed: attestations are parsed strictly, the
	// binding first, so the export's refusal must name the issuer.
	hex64 := strings.Repeat("0a", 32)
	os.WriteFile(att, []byte(`{"version":1,"statement":"no-default/v1","verifyingKey":"00","public":{"severity":"default","window":24,"asOf":"2026-11",`+
		`"issuer":"00","lender":"bank-a","nonce":"`+hex64+`","pseudonym":"`+hex64+`"},"proof":"00"}`), 0o644)
	cases := []struct {
		args []string
		says string
	}{
		{[]string{"ceremony", "init"}, "--dir"},
		{[]string{"ceremony", "init", "--dir", dir, "--circuit", "nope/v1"}, "unknown statement"},
		{[]string{"ceremony", "contribute", "--dir", dir, "--name", "Bad Name"}, "contributor name"},
		{[]string{"ceremony", "contribute", "--dir", dir, "--name", "alice"}, "no ceremony"},
		{[]string{"ceremony", "phase2", "--dir", dir, "--beacon", "zz"}, "beacon"},
		{[]string{"ceremony", "phase2", "--dir", dir, "--beacon", "00"}, "at least 16 bytes"},
		{[]string{"ceremony", "verify", "--dir", dir}, "no ceremony"},
		{[]string{"ceremony", "seal", "--dir", dir, "--beacon", strings.Repeat("ab", 16)}, "--out"},
		{[]string{"audit"}, "exactly one of --keys and --server"},
		{[]string{"audit", "--keys", dir, "--server", "http://127.0.0.1:1"}, "exactly one"},
		{[]string{"audit", "--keys", filepath.Join(dir, "none")}, "no such file"},
		{[]string{"audit", "--keys", dir}, "publishes none"},
		{[]string{"audit", "--keys", dir, "--circuit", "nope/v1"}, "unknown statement"},
		{[]string{"circuits", "export-solidity", "--out", "x.sol"}, "missing the circuit id"},
		{[]string{"circuits", "export-solidity", "no-default/v1", "--keys", dir, "--out", filepath.Join(dir, "V.sol")}, "no keys"},
		{[]string{"attestation", "export", "--format", "evm"}, "--attestation"},
		{[]string{"attestation", "export", "--format", "xml", "--attestation", att}, "evm or snarkjs"},
		{[]string{"attestation", "export", "--format", "snarkjs", "--attestation", att}, "--keys and --out"},
		{[]string{"attestation", "export", "--format", "evm", "--attestation", att, "--out", dir}, "--out is for snarkjs"},
		{[]string{"attestation", "export", "--format", "evm", "--attestation", att}, "issuer"},
	}
	for _, tc := range cases {
		code, out, errOut := tacit(t, tc.args...)
		if code == 0 || !strings.Contains(out+errOut, tc.says) {
			t.Errorf("tacit %s: exit %d, stderr %q, want %q", strings.Join(tc.args, " "), code, errOut, tc.says)
		}
	}
}
