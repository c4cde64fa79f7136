package prover_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/witness"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/logger"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/circuits/nodefaultv2"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/internal/fixture/ask"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

var keyDir string

func TestMain(m *testing.M) {
	logger.Disable()
	dir, err := os.MkdirTemp("", "tacit-keys-")
	if err != nil {
		panic(err)
	}
	if err := keys.Setup(dir, io.Discard); err != nil {
		panic(err)
	}
	keyDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	bank   = fixture.Issuer("bank")
	other  = fixture.Issuer("other-bank")
	holder = fixture.Holder("acme")
	nonce  = strings.Repeat("0a", 32)
	now    = func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
	nov    = fixture.Month("2026-11")
)

// request is a no-default proof over 24 months as of 2026-11 of a
// 36-month history with the given statuses.
func request(statuses map[int]credential.Status) prover.Task {
	return prover.Task{
		Request: ask.NoDefault("no-default", 24, nov),
		Inputs: statement.Inputs{
			Credentials: []*credential.Credential{fixture.Credential(bank, holder, fixture.History("2023-11", 36, statuses), "2027-06-01")},
			Holder:      holder,
		},
		Lender: "bank-a", Nonce: nonce,
	}
}

// expect is what the lender expects: no default in at least 24 months,
// signed by bank.
func expect() verifier.Expect {
	return verifier.Expect{
		Request: ask.NoDefault("no-default", 24, nov),
		Trust:   statement.Trust{Issuers: []credential.IssuerKey{bank.Public()}},
		Lender:  "bank-a", Nonce: nonce,
	}
}

// section returns the no-default section of att, to edit and assign back.
func section(att *verifier.Attestation) nodefault.Section { return att.Section.(nodefault.Section) }

func newVerifier(t *testing.T) *verifier.Verifier {
	t.Helper()
	v, err := verifier.New(keyDir, verifier.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var proved *verifier.Attestation

func attestation(t *testing.T) *verifier.Attestation {
	t.Helper()
	if proved == nil {
		att, err := prover.New(keyDir).Prove(context.Background(), request(nil))
		if err != nil {
			t.Fatal(err)
		}
		proved = att
	}
	copied := *proved
	return &copied
}

func TestRoundTrip(t *testing.T) {
	att := attestation(t)
	data, err := att.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := verifier.ParseAttestation(data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := newVerifier(t).Verify(parsed, expect())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	params, ok := res.Params.(nodefault.Params)
	if res.Statement != nodefaultv2.ID || !ok || params.Window != 24 || res.AsOf != fixture.Month("2026-11") || res.Issuer != bank.Public().Hex() {
		t.Fatalf("unexpected result %+v", res)
	}
	lid, _ := verifier.LenderID("bank-a")
	if res.Pseudonym != credential.FieldHex(holder.Pseudonym(lid)) {
		t.Fatal("pseudonym is not H(secret, lender)")
	}
}

// TestEveryPublicInputIsBound changes one public input at a time, and makes
// the verifier expect the changed value, so that only the proof can object.
func TestEveryPublicInputIsBound(t *testing.T) {
	v := newVerifier(t)
	otherNonce := strings.Repeat("0b", 32)
	sep := fixture.Month("2026-10")
	cases := map[string]func(a *verifier.Attestation, e *verifier.Expect){
		"severity": func(a *verifier.Attestation, e *verifier.Expect) {
			s := section(a)
			s.Severity = credential.StatusLate90
			a.Section = s
		},
		"window": func(a *verifier.Attestation, e *verifier.Expect) {
			s := section(a)
			s.Window = 23
			a.Section = s
			e.Request = ask.NoDefault("no-default", 23, nov)
		},
		"asOf": func(a *verifier.Attestation, e *verifier.Expect) { a.Binding.AsOf = "2026-10"; e.AsOf = &sep },
		"issuer": func(a *verifier.Attestation, e *verifier.Expect) {
			s := section(a)
			s.Issuer = other.Public()
			a.Section = s
			e.Trust.Issuers = append(e.Trust.Issuers, other.Public())
		},
		"lender":    func(a *verifier.Attestation, e *verifier.Expect) { a.Binding.Lender = "bank-b"; e.Lender = "bank-b" },
		"nonce":     func(a *verifier.Attestation, e *verifier.Expect) { a.Binding.Nonce = otherNonce; e.Nonce = otherNonce },
		"pseudonym": func(a *verifier.Attestation, e *verifier.Expect) { a.Binding.Pseudonym = strings.Repeat("01", 32) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			att, exp := attestation(t), expect()
			mutate(att, &exp)
			if _, err := v.Verify(att, exp); !errors.Is(err, verifier.ErrBadProof) {
				t.Fatalf("Verify = %v, want ErrBadProof", err)
			}
		})
	}
}

// TestEveryPublicWitnessElementIsBound flips each element of the raw public
// witness, including asOfDay, which the attestation does not carry.
func TestEveryPublicWitnessElementIsBound(t *testing.T) {
	lid, _ := verifier.LenderID("bank-a")
	n, _ := verifier.ParseNonce(nonce)
	pub := nodefault.Public{Severity: credential.StatusDefault, Window: 24, AsOf: fixture.Month("2026-11"),
		Issuer: bank.Public(), Lender: lid, Nonce: n, Pseudonym: holder.Pseudonym(lid)}
	assertEveryInputBound(t, attestation(t), expect().Request, nodefaultv2.ID, nodefaultv2.PublicAssignment(pub), 9)
}

// assertEveryInputBound checks that att's proof verifies against the public
// assignment, which has want elements and is the public witness the
// verifier rebuilds from att and req, and fails once any one of them is
// changed.
func assertEveryInputBound(t *testing.T, att *verifier.Attestation, req statement.Request, id string, assignment frontend.Circuit, want int) {
	t.Helper()
	k, _ := newVerifier(t).Key(id)
	proofBytes, _ := hex.DecodeString(att.Proof)
	proof := groth16.NewProof(k.Key.CurveID())
	if _, err := proof.ReadFrom(strings.NewReader(string(proofBytes))); err != nil {
		t.Fatal(err)
	}
	witness := func() (witness.Witness, fr.Vector) {
		w, err := frontend.NewWitness(assignment, fr.Modulus(), frontend.PublicOnly())
		if err != nil {
			t.Fatal(err)
		}
		return w, w.Vector().(fr.Vector)
	}
	w, vec := witness()
	if err := groth16.Verify(proof, k.Key, w); err != nil {
		t.Fatalf("unmodified witness: %v", err)
	}
	if len(vec) != want {
		t.Fatalf("public witness has %d elements, want %d", len(vec), want)
	}
	rebuilt, err := verifier.PublicWitness(att, req)
	if err != nil {
		t.Fatalf("PublicWitness: %v", err)
	}
	if !slices.Equal(rebuilt, vec) {
		t.Fatalf("the verifier rebuilds another public witness:\n%v\nwant:\n%v", rebuilt, vec)
	}
	for i := range vec {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			w2, v2 := witness()
			var one fr.Element
			one.SetOne()
			v2[i].Add(&v2[i], &one)
			if err := groth16.Verify(proof, k.Key, w2); err == nil {
				t.Fatalf("public input %d is not bound by the proof", i)
			}
		})
	}
}

func TestVerifierNamesTheFailedCheck(t *testing.T) {
	v := newVerifier(t)
	nov := fixture.Month("2026-11")
	oct, dec := nov-1, nov+1
	cases := []struct {
		name   string
		mutate func(a *verifier.Attestation, e *verifier.Expect)
		want   error
	}{
		{"wrong issuer", func(a *verifier.Attestation, e *verifier.Expect) {
			e.Trust.Issuers = []credential.IssuerKey{other.Public()}
		}, verifier.ErrWrongIssuer},
		{"wrong lender", func(a *verifier.Attestation, e *verifier.Expect) { e.Lender = "bank-b" }, verifier.ErrWrongLender},
		{"wrong nonce", func(a *verifier.Attestation, e *verifier.Expect) { e.Nonce = strings.Repeat("0c", 32) }, verifier.ErrWrongNonce},
		{"stale as-of", func(a *verifier.Attestation, e *verifier.Expect) { e.AsOf = &dec }, verifier.ErrStaleAsOf},
		{"future as-of", func(a *verifier.Attestation, e *verifier.Expect) { e.AsOf = &oct }, verifier.ErrFutureAsOf},
		{"window too short", func(a *verifier.Attestation, e *verifier.Expect) { e.Request = ask.NoDefault("no-default", 25, nov) }, verifier.ErrWindowTooShort},
		{"weaker statement", func(a *verifier.Attestation, e *verifier.Expect) { e.Request = ask.NoDefault("no-late60", 24, nov) }, verifier.ErrWeakerStatement},
		{"unknown statement", func(a *verifier.Attestation, e *verifier.Expect) { a.Statement = "no-bankruptcy/v1" }, verifier.ErrUnknownStatement},
		{"key fingerprint mismatch", func(a *verifier.Attestation, e *verifier.Expect) { a.VerifyingKey = strings.Repeat("ab", 32) }, verifier.ErrKeyMismatch},
		{"tampered proof", func(a *verifier.Attestation, e *verifier.Expect) { a.Proof = tamperProof(t, a.Proof) }, verifier.ErrBadProof},
		{"truncated proof", func(a *verifier.Attestation, e *verifier.Expect) { a.Proof = a.Proof[:len(a.Proof)-2] }, verifier.ErrMalformed},
		{"uppercase proof hex", func(a *verifier.Attestation, e *verifier.Expect) { a.Proof = strings.ToUpper(a.Proof) }, verifier.ErrMalformed},
		{"non-canonical nonce", func(a *verifier.Attestation, e *verifier.Expect) {
			a.Binding.Nonce = strings.Repeat("ff", 32)
			e.Nonce = a.Binding.Nonce
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			att, exp := attestation(t), expect()
			tc.mutate(att, &exp)
			_, err := v.Verify(att, exp)
			if tc.want == nil {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("stale by the clock", func(t *testing.T) {
		late, err := verifier.New(keyDir, verifier.WithClock(func() time.Time { return time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC) }))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := late.Verify(attestation(t), expect()); !errors.Is(err, verifier.ErrStaleAsOf) {
			t.Fatalf("Verify = %v, want ErrStaleAsOf", err)
		}
	})
	t.Run("future by the clock", func(t *testing.T) {
		early, _ := verifier.New(keyDir, verifier.WithClock(func() time.Time { return time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC) }))
		if _, err := early.Verify(attestation(t), expect()); !errors.Is(err, verifier.ErrFutureAsOf) {
			t.Fatalf("Verify = %v, want ErrFutureAsOf", err)
		}
	})
}

// tamperProof replaces the proof's A point with another valid G1 point, so
// the proof still decodes but must not verify.
func tamperProof(t *testing.T, s string) string {
	other, err := prover.New(keyDir).Prove(context.Background(), func() prover.Task {
		r := request(nil)
		r.Nonce = strings.Repeat("0d", 32)
		return r
	}())
	if err != nil {
		t.Fatal(err)
	}
	// The first 32 bytes are the compressed A; swap in A from another proof.
	return other.Proof[:64] + s[64:]
}

func TestUnsatisfiedRefusesWithAPlainSentence(t *testing.T) {
	p := prover.New(keyDir)
	secretHex := holder.Hex()
	cases := map[string]struct {
		mutate func(r *prover.Task)
		window int
	}{
		"default in window": {func(r *prover.Task) {
			r.Inputs.Credentials[0] = fixture.Credential(bank, holder, fixture.History("2023-11", 36, map[int]credential.Status{30: credential.StatusDefault}), "2027-06-01")
		}, 24},
		"wrong holder":    {func(r *prover.Task) { r.Inputs.Holder = fixture.Holder("thief") }, 24},
		"window too long": {func(r *prover.Task) { r.Request = ask.NoDefault("no-default", 37, nov) }, 37},
		"expired":         {func(r *prover.Task) { r.Request = ask.NoDefault("no-default", 24, nov+7) }, 24},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := request(nil)
			tc.mutate(&r)
			_, err := p.Prove(context.Background(), r)
			var u *statement.Unsatisfied
			if !errors.Is(err, prover.ErrUnsatisfied) || !errors.As(err, &u) {
				t.Fatalf("Prove = %v, want ErrUnsatisfied", err)
			}
			msg := err.Error()
			want := fmt.Sprintf("the credential does not satisfy no-default over %d months", tc.window)
			if msg != want {
				t.Fatalf("message %q, want %q", msg, want)
			}
			if strings.Contains(msg, secretHex) || strings.Contains(msg, "100000") {
				t.Fatal("the error leaks a private value")
			}
			if detail := u.Detail(nil); strings.Contains(detail, secretHex) || strings.Contains(detail, "100000") {
				t.Fatal("the detail leaks a private value")
			}
		})
	}
}

// copyKeys copies the no-default/v2 artefacts of keyDir into a new
// directory, with edit (if not nil) applied to one file's bytes.
func copyKeys(t *testing.T, edit string) string {
	t.Helper()
	dir := t.TempDir()
	folder := keys.Folder(nodefaultv2.ID)
	if err := os.MkdirAll(filepath.Join(dir, folder), 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(keyDir, folder))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(keyDir, folder, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == edit {
			data = data[:len(data)-1]
		}
		if err := os.WriteFile(filepath.Join(dir, folder, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestKeyLoadingFailures: the witness is solved while the proving key
// loads, and a damaged or missing artefact is still reported as such, never
// as an unsatisfied statement; a failed load is tried again on the next
// proof.
func TestKeyLoadingFailures(t *testing.T) {
	for _, file := range []string{keys.CircuitFile, keys.ProvingFile} {
		t.Run(file, func(t *testing.T) {
			_, err := prover.New(copyKeys(t, file)).Prove(context.Background(), request(nil))
			if !errors.Is(err, keys.ErrFingerprint) || !strings.Contains(err.Error(), file) {
				t.Fatalf("damaged %s: %v; want ErrFingerprint naming it", file, err)
			}
		})
	}
	t.Run("installed later", func(t *testing.T) {
		dir := t.TempDir()
		p := prover.New(dir)
		if _, err := p.Prove(context.Background(), request(nil)); !errors.Is(err, keys.ErrMissing) {
			t.Fatalf("no keys: %v; want ErrMissing", err)
		}
		if err := os.Rename(filepath.Join(copyKeys(t, ""), keys.Folder(nodefaultv2.ID)), filepath.Join(dir, keys.Folder(nodefaultv2.ID))); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Prove(context.Background(), request(nil)); err != nil {
			t.Fatalf("after the keys were installed: %v", err)
		}
	})
}

// TestConcurrentFirstProofs: proofs that start together on a new prover
// share one load and all verify.
func TestConcurrentFirstProofs(t *testing.T) {
	p := prover.New(copyKeys(t, ""))
	atts := make([]*verifier.Attestation, 3)
	errs := make([]error, len(atts))
	var wg sync.WaitGroup
	for i := range atts {
		wg.Go(func() { atts[i], errs[i] = p.Prove(context.Background(), request(nil)) })
	}
	wg.Wait()
	v := newVerifier(t)
	for i, att := range atts {
		if errs[i] != nil {
			t.Fatalf("proof %d: %v", i, errs[i])
		}
		if _, err := v.Verify(att, expect()); err != nil {
			t.Fatalf("proof %d does not verify: %v", i, err)
		}
	}
}
