//go:build !race

// The end-to-end ceremony runs real multi-scalar arithmetic for a minute;
// under the race detector it would take ten. `make test` runs it in its
// own step without -race (make ceremony-e2e); the ceremony package's own
// tests cover the same code under -race on a small circuit.

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/logger"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/circuits/nodefaultv2"
	"github.com/tacit-zk/tacit/interop"
	"github.com/tacit-zk/tacit/keys"
)

// TestCeremonyEndToEnd: a three-party ceremony for no-default/v2 from
// init to sealed keys; the keys prove and verify a real attestation;
// `tacit audit` passes on them and fails on a swapped key and a changed
// circuit; the exports are written.
func TestCeremonyEndToEnd(t *testing.T) {
	logger.Disable()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	cdir, kdir, id := p("ceremony"), p("keys"), nodefaultv2.ID
	timed := func(what string, args ...string) string {
		t.Helper()
		start := time.Now()
		out := must(t, args...)
		t.Logf("%-30s %5.1fs", what, time.Since(start).Seconds())
		return out
	}
	parties := []string{"alice", "bob", "carol"}

	timed("init", "ceremony", "init", "--dir", cdir, "--circuit", id)
	for _, name := range parties {
		timed("phase 1 contribution: "+name, "ceremony", "contribute", "--dir", cdir, "--name", name, "--circuit", id)
	}
	timed("phase 2 start (coordinator)", "ceremony", "phase2", "--dir", cdir, "--circuit", id, "--beacon", strings.Repeat("5a", 32))
	for _, name := range parties {
		timed("phase 2 contribution: "+name, "ceremony", "contribute", "--dir", cdir, "--name", name, "--circuit", id)
	}
	out := timed("verify", "ceremony", "verify", "--dir", cdir, "--circuit", id)
	if !strings.Contains(out, "transcript verified (phase 2 open)") || !strings.Contains(out, "phase2/carol") ||
		!strings.Contains(out, "phase 1 beacon: "+strings.Repeat("5a", 32)) || !strings.Contains(out, "phase 2 beacon: (phase 2 not closed yet)") {
		t.Fatalf("verify printed:\n%s", out)
	}
	if code, _, errOut := tacit(t, "ceremony", "seal", "--dir", cdir, "--circuit", id, "--beacon", strings.Repeat("00", 32), "--out", kdir); code != 1 || !strings.Contains(errOut, "all zero") {
		t.Fatalf("seal with an all-zero beacon: exit %d, %s", code, errOut)
	}
	out = timed("seal", "ceremony", "seal", "--dir", cdir, "--circuit", id, "--beacon", strings.Repeat("a5", 32), "--out", kdir)
	if !strings.Contains(out, "transcript verified (sealed)") || !strings.Contains(out, "wrote keys to") ||
		!strings.Contains(out, "phase 1 beacon: "+strings.Repeat("5a", 32)) || !strings.Contains(out, "phase 2 beacon: "+strings.Repeat("a5", 32)) {
		t.Fatalf("seal printed:\n%s", out)
	}
	if out := must(t, "ceremony", "verify", "--dir", cdir, "--circuit", id); !strings.Contains(out, "phase 2 beacon: "+strings.Repeat("a5", 32)) {
		t.Fatalf("verify of the sealed ceremony printed:\n%s", out)
	}
	files, _ := filepath.Glob(filepath.Join(cdir, keys.Folder(id), "*"))
	for _, f := range files {
		st, _ := os.Stat(f)
		t.Logf("  %-24s %9d bytes", filepath.Base(f), st.Size())
	}
	m, err := keys.ReadManifest(kdir, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Setup.Kind != "mpc-ceremony" || len(m.Setup.Contributors) != 6 || len(m.Setup.Transcript) != 64 || m.Setup.Warning != "" {
		t.Fatalf("manifest setup %+v", m.Setup)
	}
	if code, _, errOut := tacit(t, "ceremony", "contribute", "--dir", cdir, "--name", "dave", "--circuit", id); code == 0 || !strings.Contains(errOut, "sealed") {
		t.Fatalf("a contribution after the seal: exit %d, %s", code, errOut)
	}

	// A skipped or reordered contribution fails verify, naming the step.
	folder := keys.Folder(id)
	skipped := copyTree(t, cdir, p("skipped"))
	os.Remove(filepath.Join(skipped, folder, "phase1-0002-bob.bin"))
	reordered := copyTree(t, cdir, p("reordered"))
	os.Rename(filepath.Join(reordered, folder, "phase1-0002-bob.bin"), filepath.Join(reordered, folder, "phase1-0003-bob.bin.tmp"))
	os.Rename(filepath.Join(reordered, folder, "phase1-0003-carol.bin"), filepath.Join(reordered, folder, "phase1-0002-carol.bin"))
	os.Rename(filepath.Join(reordered, folder, "phase1-0003-bob.bin.tmp"), filepath.Join(reordered, folder, "phase1-0003-bob.bin"))
	for c, want := range map[string]string{skipped: "phase 1 step 2: step 2 is missing", reordered: "phase 1 step 2 (carol, phase1-0002-carol.bin)"} {
		code, _, errOut := tacit(t, "ceremony", "verify", "--dir", c, "--circuit", id)
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("verify %s: exit %d, %s", filepath.Base(c), code, errOut)
		}
	}

	// The sealed keys prove and verify.
	issuer := must(t, "issuer", "keygen", "--out", p("issuer.key"))
	subject := must(t, "holder", "keygen", "--out", p("holder.key"))
	must(t, "credential", "sign", "--key", p("issuer.key"), "--subject", subject, "--records", records(t, dir, "r.json", 36, nil),
		"--expires", "2027-06-01", "--issued", "2026-11-02", "--out", p("cred.json"))
	nonce := must(t, "nonce")
	timed("prove with the sealed keys", "prove", "--keys", kdir, "--statement", "no-default", "--window", "24", "--as-of", "2026-11",
		"--credential", p("cred.json"), "--holder", p("holder.key"), "--lender", "bank-a", "--nonce", nonce, "--out", p("att.json"))
	out = must(t, "verify", "--keys", kdir, "--attestation", p("att.json"), "--issuer", issuer, "--lender", "bank-a", "--nonce", nonce, "--as-of", "2026-11")
	if !strings.Contains(out, "verified no-default/v2") {
		t.Fatalf("verify printed %q", out)
	}

	// The audit passes, and names the transcript.
	out = timed("audit --keys --ceremony", "audit", "--keys", kdir, "--ceremony", cdir, "--circuit", id)
	if strings.Contains(out, "FAIL") || !strings.Contains(out, "all checks passed") || !strings.Contains(out, "names the transcript "+m.Setup.Transcript[:16]) {
		t.Fatalf("audit printed:\n%s", out)
	}

	// A swapped verifying key, and a changed circuit, fail it.
	dev := p("dev")
	info, _ := circuits.Lookup(id)
	ccs, err := circuits.Compile(info)
	if err != nil {
		t.Fatal(err)
	}
	pk, vk, err := groth16.Setup(ccs)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Write(dev, id, ccs, pk, vk, keys.SetupInfo{Kind: keys.SetupDevelopment}); err != nil {
		t.Fatal(err)
	}
	devFile := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dev, keys.Folder(id), name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	// (Keys swapped together, which only the ceremony check catches, are
	// tested on a small circuit in package audit.)
	cases := []struct {
		name   string
		damage func(k string)
		want   string
	}{
		{"swapped verifying key", func(k string) {
			writeKeyFile(t, k, keys.VerifyingFile, devFile(keys.VerifyingFile))
		}, "verifying-key fingerprint"},
		{"swapped verifying key, manifest patched", func(k string) {
			writeKeyFile(t, k, keys.VerifyingFile, devFile(keys.VerifyingFile))
			patch(t, k, func(m *keys.Manifest) { m.Files[keys.VerifyingFile] = keys.Fingerprint(devFile(keys.VerifyingFile)) })
		}, "proving key belongs to verifying key"},
		{"changed circuit", func(k string) {
			patch(t, k, func(m *keys.Manifest) { m.Constraints++; m.ConstraintSystemDigest = strings.Repeat("0", 64) })
		}, "constraint-system digest"},
	}
	for _, tc := range cases {
		k := copyTree(t, kdir, p(strings.ReplaceAll(tc.name, " ", "-")))
		tc.damage(k)
		start := time.Now()
		code, out, errOut := tacit(t, "audit", "--keys", k, "--circuit", id)
		t.Logf("%-30s %5.1fs", "audit: "+tc.name, time.Since(start).Seconds())
		if code != 1 || !strings.Contains(errOut, "check(s) failed") || !containsLine(out, "FAIL", tc.want) {
			t.Errorf("%s: exit %d\n%s%s", tc.name, code, out, errOut)
		}
	}

	// Exports for the EVM and snarkjs (checked with the real tools by make interop).
	out = must(t, "circuits", "export-solidity", id, "--keys", kdir, "--out", p("Verifier.sol"))
	if src, _ := os.ReadFile(p("Verifier.sol")); !strings.Contains(string(src), "contract Verifier") || !strings.Contains(out, m.Files[keys.VerifyingFile]) {
		t.Fatalf("export-solidity printed %q", out)
	}
	calldata := must(t, "attestation", "export", "--format", "evm", "--attestation", p("att.json"), "--keys", kdir)
	if !strings.HasPrefix(calldata, "0x454c28a3") || len(calldata) != 2+2*(4+32*11+256) {
		t.Fatalf("calldata %q", calldata)
	}
	must(t, "attestation", "export", "--format", "snarkjs", "--attestation", p("att.json"), "--keys", kdir, "--out", p("snarkjs"))
	var sk interop.SnarkjsKey
	data, _ := os.ReadFile(filepath.Join(p("snarkjs"), interop.SnarkjsKeyFile))
	if err := json.Unmarshal(data, &sk); err != nil || sk.NPublic != 9 {
		t.Fatalf("vk.json: %v %+v", err, sk)
	}
	if code, _, errOut := tacit(t, "attestation", "export", "--format", "evm", "--attestation", p("att.json"), "--keys", dev); code == 0 || !strings.Contains(errOut, "made with verifying key") {
		t.Fatalf("export against other keys: exit %d, %s", code, errOut)
	}
}

func writeKeyFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, keys.Folder(nodefaultv2.ID), name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func patch(t *testing.T, dir string, f func(*keys.Manifest)) {
	t.Helper()
	m, err := keys.ReadManifest(dir, nodefaultv2.ID)
	if err != nil {
		t.Fatal(err)
	}
	f(m)
	data, _ := json.Marshal(m)
	writeKeyFile(t, dir, keys.ManifestFile, data)
}

func copyTree(t *testing.T, src, dst string) string {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func containsLine(out string, subs ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		all := true
		for _, s := range subs {
			all = all && strings.Contains(line, s)
		}
		if all {
			return true
		}
	}
	return false
}
