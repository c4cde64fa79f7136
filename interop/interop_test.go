package interop_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/witness"
	"github.com/consensys/gnark/logger"
	"golang.org/x/crypto/sha3"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/circuits/nodefaultv2"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/internal/fixture/ask"
	"github.com/tacit-zk/tacit/interop"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

var (
	keyDir string
	vk     *keys.Verifying
	att    *verifier.Attestation
)

// TestMain makes development keys for no-default/v2 only, the default
// version (the other statements are not needed; the exports do not depend
// on the statement), and one real attestation.
func TestMain(m *testing.M) {
	logger.Disable()
	dir, err := os.MkdirTemp("", "tacit-interop-")
	if err != nil {
		panic(err)
	}
	keyDir = dir
	if err := setUp(); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func setUp() error {
	info, err := circuits.Lookup(nodefaultv2.ID)
	if err != nil {
		return err
	}
	ccs, err := circuits.Compile(info)
	if err != nil {
		return err
	}
	pk, v, err := groth16.Setup(ccs)
	if err != nil {
		return err
	}
	if err := keys.Write(keyDir, nodefaultv2.ID, ccs, pk, v, keys.SetupInfo{Kind: keys.SetupDevelopment, Warning: keys.DevelopmentWarning}); err != nil {
		return err
	}
	if vk, err = keys.LoadVerifying(keyDir, nodefaultv2.ID); err != nil {
		return err
	}
	bank, holder := fixture.Issuer("bank"), fixture.Holder("acme")
	att, err = prover.New(keyDir).Prove(context.Background(), prover.Task{
		Request: ask.NoDefault("no-default", 24, fixture.Month("2026-11")),
		Inputs: statement.Inputs{
			Credentials: []*credential.Credential{fixture.Credential(bank, holder, fixture.History("2023-11", 36, nil), "2027-06-01")},
			Holder:      holder,
		},
		Lender: "bank-a", Nonce: strings.Repeat("0a", 32),
	})
	return err
}

// tampered returns copies of the attestation that must not verify.
func tampered(t *testing.T) map[string]*verifier.Attestation {
	t.Helper()
	nonce := *att
	nonce.Binding.Nonce = strings.Repeat("0b", 32)
	window := *att
	window.Section = editSection(att, func(s *nodefault.Section) { s.Window = 23 })
	proof := *att
	p, err := interop.Proof(att)
	if err != nil {
		t.Fatal(err)
	}
	_, _, g1, _ := curve.Generators()
	p.Ar.Add(&p.Ar, &g1)
	var buf bytes.Buffer
	if _, err := p.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	proof.Proof = hex.EncodeToString(buf.Bytes())
	return map[string]*verifier.Attestation{"other nonce": &nonce, "other window": &window, "changed proof": &proof}
}

// editSection returns a copy of a no-default attestation's section, edited.
func editSection(a *verifier.Attestation, edit func(s *nodefault.Section)) statement.Section {
	s := a.Section.(nodefault.Section)
	edit(&s)
	return s
}

func publicWitness(t *testing.T, in []fr.Element) witness.Witness {
	t.Helper()
	w, err := witness.New(ecc.BN254.ScalarField())
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan any, len(in))
	for i := range in {
		ch <- in[i]
	}
	close(ch)
	if err := w.Fill(len(in), 0, ch); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestPublicInputsAreTheProofsInputs(t *testing.T) {
	in, err := interop.PublicInputs(att, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != 9 || in[1].Uint64() != 24 {
		t.Fatalf("inputs %v", in)
	}
	p, err := interop.Proof(att)
	if err != nil {
		t.Fatal(err)
	}
	if err := groth16.Verify(p, vk.Key, publicWitness(t, in)); err != nil {
		t.Fatalf("gnark rejects the converted inputs: %v", err)
	}
	for name, bad := range tampered(t) {
		in, err := interop.PublicInputs(bad, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := interop.Proof(bad)
		if err != nil {
			t.Fatal(err)
		}
		if groth16.Verify(p, vk.Key, publicWitness(t, in)) == nil {
			t.Errorf("%s: verified", name)
		}
	}

	// A policy/v1 attestation's inputs need the lender's policy document.
	other := *att
	other.Statement = "policy/v1"
	if _, err := interop.PublicInputs(&other, nil); !errors.Is(err, verifier.ErrNeedsRequest) {
		t.Fatalf("policy/v1: %v", err)
	}
	if _, err := interop.PublicInputs(att, ask.NoDefault("no-default", 24, fixture.Month("2026-11"))); err != nil {
		t.Fatalf("with its request: %v", err)
	}
	for field, edit := range map[string]func(a *verifier.Attestation){
		"severity": func(a *verifier.Attestation) {
			a.Section = editSection(a, func(s *nodefault.Section) { s.Severity = credential.StatusDefault + 1 })
		},
		"window": func(a *verifier.Attestation) {
			a.Section = editSection(a, func(s *nodefault.Section) { s.Window = 61 })
		},
		"issuer": func(a *verifier.Attestation) {
			a.Section = editSection(a, func(s *nodefault.Section) { s.Issuer = credential.IssuerKey{} })
		},
		"nonce": func(a *verifier.Attestation) { a.Binding.Nonce = strings.Repeat("ff", 32) },
		"proof": func(a *verifier.Attestation) { a.Proof = a.Proof + "00" },
	} {
		bad := *att
		edit(&bad)
		_, err1 := interop.PublicInputs(&bad, nil)
		_, err2 := interop.Proof(&bad)
		if err1 == nil && err2 == nil {
			t.Errorf("%s: malformed attestation converted", field)
		}
	}
}

func TestCalldataLayout(t *testing.T) {
	data, err := interop.Calldata(att, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := interop.PublicInputs(att, nil)
	p, _ := interop.Proof(att)
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte("verifyProof(bytes,uint256[9])"))
	if want := h.Sum(nil)[:4]; !bytes.Equal(data[:4], want) || hex.EncodeToString(want) != "454c28a3" {
		t.Fatalf("selector %x", data[:4])
	}
	words := data[4:]
	if len(words) != 32*(1+9+1)+256 {
		t.Fatalf("calldata is %d bytes", len(data))
	}
	word := func(i int) []byte { return words[32*i : 32*i+32] }
	if binary.BigEndian.Uint64(word(0)[24:]) != 32*10 || binary.BigEndian.Uint64(word(10)[24:]) != 256 {
		t.Fatal("bad offset or length word")
	}
	for i := range in {
		if b := in[i].Bytes(); !bytes.Equal(word(1+i), b[:]) {
			t.Fatalf("input %d differs", i)
		}
	}
	if !bytes.Equal(words[32*11:], p.MarshalSolidity()) {
		t.Fatal("proof bytes differ from MarshalSolidity")
	}
}

// TestSnarkjsJSONVerifiesInGo reads the JSON back and checks snarkjs's
// equation e(-A, B)·e(cpub, γ)·e(C, δ)·e(α, β) = 1 with gnark-crypto's
// pairing, independently of gnark's verifier: c0 must be the real part.
func TestSnarkjsJSONVerifiesInGo(t *testing.T) {
	check := func(a *verifier.Attestation) bool {
		dir := t.TempDir()
		if err := interop.WriteSnarkjs(dir, vk.Key, a, nil); err != nil {
			t.Fatal(err)
		}
		var k interop.SnarkjsKey
		var p interop.SnarkjsProof
		var pub []string
		for name, v := range map[string]any{interop.SnarkjsKeyFile: &k, interop.SnarkjsProofFile: &p, interop.SnarkjsPublicFile: &pub} {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, v); err != nil {
				t.Fatal(err)
			}
		}
		if k.Protocol != "groth16" || k.Curve != "bn128" || k.NPublic != 9 || len(k.IC) != 10 || len(pub) != 9 || p.Protocol != "groth16" {
			t.Fatalf("key %+v, %d inputs", k, len(pub))
		}
		cpub := parseG1(t, k.IC[0])
		for i, s := range pub {
			x, ok := new(big.Int).SetString(s, 10)
			if !ok {
				t.Fatalf("input %q", s)
			}
			var term curve.G1Affine
			ic := parseG1(t, k.IC[i+1])
			term.ScalarMultiplication(&ic, x)
			cpub.Add(&cpub, &term)
		}
		var negA curve.G1Affine
		pa := parseG1(t, p.A)
		negA.Neg(&pa)
		ok, err := curve.PairingCheck(
			[]curve.G1Affine{negA, cpub, parseG1(t, p.C), parseG1(t, k.Alpha1)},
			[]curve.G2Affine{parseG2(t, p.B), parseG2(t, k.Gamma2), parseG2(t, k.Delta2), parseG2(t, k.Beta2)})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !check(att) {
		t.Fatal("the snarkjs JSON of a valid attestation fails the pairing check")
	}
	for name, bad := range tampered(t) {
		if check(bad) {
			t.Errorf("%s: passes the pairing check", name)
		}
	}
}

func parseG1(t *testing.T, s [3]string) curve.G1Affine {
	t.Helper()
	var p curve.G1Affine
	if s[2] != "1" {
		t.Fatalf("not affine: %v", s)
	}
	if _, err := p.X.SetString(s[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Y.SetString(s[1]); err != nil {
		t.Fatal(err)
	}
	if !p.IsOnCurve() {
		t.Fatalf("%v is not on G1", s)
	}
	return p
}

func parseG2(t *testing.T, s [3][2]string) curve.G2Affine {
	t.Helper()
	var p curve.G2Affine
	if s[2] != [2]string{"1", "0"} {
		t.Fatalf("not affine: %v", s)
	}
	for _, f := range []struct {
		dst *curve.E2
		src [2]string
	}{{&p.X, s[0]}, {&p.Y, s[1]}} {
		if _, err := f.dst.A0.SetString(f.src[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := f.dst.A1.SetString(f.src[1]); err != nil {
			t.Fatal(err)
		}
	}
	if !p.IsOnCurve() || !p.IsInSubGroup() {
		t.Fatalf("%v is not in G2", s)
	}
	return p
}

func TestSolidityExport(t *testing.T) {
	var buf bytes.Buffer
	if err := interop.Solidity(&buf, vk.Key); err != nil {
		t.Fatal(err)
	}
	src := buf.String()
	for _, want := range []string{"contract Verifier", "function verifyProof(", "uint256[9] calldata input", "PRECOMPILE_VERIFY"} {
		if !strings.Contains(src, want) {
			t.Errorf("the contract has no %q", want)
		}
	}
}

// --- checks with the real tools (make interop) ---

// nodeTools returns node and interop/js, or skips unless TACIT_INTEROP is
// set, in which case missing tools fail the test with what to install.
func nodeTools(t *testing.T) (string, string) {
	t.Helper()
	if os.Getenv("TACIT_INTEROP") == "" {
		t.Skip("solc, EVM and snarkjs checks run with `make interop`")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("missing: Node.js 20.19 or newer and npm, then `make interop`")
	}
	js, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"solc", "snarkjs", "@ethereumjs/evm"} {
		if _, err := os.Stat(filepath.Join(js, "node_modules", m)); err != nil {
			t.Fatalf("missing: interop/js/node_modules/%s (run `npm ci --prefix interop/js`, or `make interop`)", m)
		}
	}
	return node, js
}

type evmRun struct {
	Solc              string            `json:"solc"`
	MethodIdentifiers map[string]string `json:"methodIdentifiers"`
	Calls             []struct {
		File     string `json:"file"`
		Accepted bool   `json:"accepted"`
		Error    string `json:"error"`
		Returned string `json:"returned"`
		GasUsed  int    `json:"gasUsed"`
	} `json:"calls"`
}

// runEVM exports vk as a Solidity verifier, has evm.mjs compile it with
// solc, deploy it and call it with each calldata (named by names), and
// returns what it reports and its raw output.
func runEVM(t *testing.T, node, js string, vk groth16.VerifyingKey, names []string, calls [][]byte) (evmRun, []byte) {
	t.Helper()
	dir := t.TempDir()
	var src bytes.Buffer
	if err := interop.Solidity(&src, vk); err != nil {
		t.Fatal(err)
	}
	sol := filepath.Join(dir, "Verifier.sol")
	os.WriteFile(sol, src.Bytes(), 0o644)
	args := []string{filepath.Join(js, "evm.mjs"), sol}
	for i, n := range names {
		f := filepath.Join(dir, strings.ReplaceAll(n, " ", "-")+".hex")
		os.WriteFile(f, []byte("0x"+hex.EncodeToString(calls[i])), 0o644)
		args = append(args, f)
	}
	cmd := exec.Command(node, args...)
	cmd.Dir = js
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("evm.mjs: %v\n%s", err, stderr.String())
	}
	var run evmRun
	if err := json.Unmarshal(out, &run); err != nil {
		t.Fatalf("evm.mjs printed %s: %v", out, err)
	}
	return run, out
}

// TestNodeSolidityVerifierInEVM compiles the exported contract with solc,
// deploys it in an EVM and calls it with a real attestation's calldata and
// with tampered ones, including an input aliased by adding r.
func TestNodeSolidityVerifierInEVM(t *testing.T) {
	node, js := nodeTools(t)
	names := []string{"valid"}
	calldata := map[string][]byte{}
	good, err := interop.Calldata(att, nil)
	if err != nil {
		t.Fatal(err)
	}
	calldata["valid"] = good
	for name, bad := range tampered(t) {
		if calldata[name], err = interop.Calldata(bad, nil); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	// The nonce (input 8) plus r: the same value mod r, rejected as unreduced.
	aliased := append([]byte(nil), good...)
	word := aliased[4+32*8 : 4+32*9]
	v := new(big.Int).Add(new(big.Int).SetBytes(word), fr.Modulus())
	v.FillBytes(word)
	calldata["aliased nonce"] = aliased
	names = append(names, "aliased nonce")

	calls := make([][]byte, len(names))
	for i, n := range names {
		calls[i] = calldata[n]
	}
	run, _ := runEVM(t, node, js, vk.Key, names, calls)
	if id := run.MethodIdentifiers["verifyProof(bytes,uint256[9])"]; id != hex.EncodeToString(good[:4]) {
		t.Fatalf("solc says verifyProof is %q, the calldata uses %x", id, good[:4])
	}
	revert := func(signature string) string {
		h := sha3.NewLegacyKeccak256()
		h.Write([]byte(signature))
		return "0x" + hex.EncodeToString(h.Sum(nil)[:4])
	}
	for i, c := range run.Calls {
		want := "0x"
		switch names[i] {
		case "valid":
		case "aliased nonce":
			want = revert("PublicInputNotInField()")
		default:
			want = revert("ProofInvalid()")
		}
		if c.Accepted != (names[i] == "valid") || c.Returned != want {
			t.Errorf("%s: accepted = %v, returned %s (%s), want %s", names[i], c.Accepted, c.Returned, c.Error, want)
		}
		t.Logf("%-14s accepted=%-5v gas=%d %s", names[i], c.Accepted, c.GasUsed, c.Returned)
	}
	t.Logf("solc %s", run.Solc)
}

// TestNodeSnarkjsVerify runs `snarkjs groth16 verify` on the exported
// files of a real attestation and of tampered ones.
func TestNodeSnarkjsVerify(t *testing.T) {
	node, js := nodeTools(t)
	snarkjs := filepath.Join(js, "node_modules", "snarkjs", "build", "cli.cjs")
	verify := func(a *verifier.Attestation, edit func(dir string)) (bool, string) {
		dir := t.TempDir()
		if err := interop.WriteSnarkjs(dir, vk.Key, a, nil); err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(dir)
		}
		cmd := exec.Command(node, snarkjs, "groth16", "verify", filepath.Join(dir, interop.SnarkjsKeyFile),
			filepath.Join(dir, interop.SnarkjsPublicFile), filepath.Join(dir, interop.SnarkjsProofFile))
		out, err := cmd.CombinedOutput()
		return err == nil && strings.Contains(string(out), "OK!"), string(out)
	}
	if ok, out := verify(att, nil); !ok {
		t.Fatalf("snarkjs rejects a valid attestation:\n%s", out)
	}
	for name, bad := range tampered(t) {
		if ok, out := verify(bad, nil); ok {
			t.Errorf("%s: snarkjs accepts it:\n%s", name, out)
		}
	}
	aliased := func(dir string) {
		path := filepath.Join(dir, interop.SnarkjsPublicFile)
		var pub []string
		data, _ := os.ReadFile(path)
		json.Unmarshal(data, &pub)
		n, _ := new(big.Int).SetString(pub[7], 10)
		pub[7] = n.Add(n, fr.Modulus()).String()
		data, _ = json.Marshal(pub)
		os.WriteFile(path, data, 0o644)
	}
	if ok, out := verify(att, aliased); ok {
		t.Errorf("aliased nonce: snarkjs accepts it:\n%s", out)
	}
}
