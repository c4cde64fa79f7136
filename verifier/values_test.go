package verifier_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// wantErr fails unless err is non-nil and its message contains each of subs.
func wantErr(t *testing.T, err error, subs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want an error mentioning %q", subs)
	}
	for _, s := range subs {
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("error %q does not mention %q", err, s)
		}
	}
}

var modulusHex = fmt.Sprintf("%064x", fr.Modulus())

func TestLenderID(t *testing.T) {
	names := []string{"a", "acme-bank", "acme_bank", "acme.bank", "0", strings.Repeat("z", statement.MaxLenderLength), "acme-bank2"}
	seen := map[fr.Element]string{}
	for _, name := range names {
		id, err := verifier.LenderID(name)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if again, _ := verifier.LenderID(name); again != id {
			t.Errorf("%q: LenderID is not deterministic", name)
		}
		if b := id.Bytes(); b[0] >= 0x20 {
			t.Errorf("%q: top bits set: %x", name, b)
		}
		if other, ok := seen[id]; ok {
			t.Errorf("%q and %q share an identifier", name, other)
		}
		seen[id] = name
	}
	for _, tc := range []struct{ name, lender string }{
		{"empty", ""},
		{"65 characters", strings.Repeat("z", statement.MaxLenderLength+1)},
		{"uppercase", "Acme-bank"},
		{"space", "acme bank"},
		{"slash", "acme/bank"},
		{"non-ASCII", "bänk"},
		{"NUL", "acme\x00bank"},
		{"newline", "acme\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifier.LenderID(tc.lender)
			wantErr(t, err, "verifier: lender identifier")
			wantErr(t, verifier.ValidateLender(tc.lender), "verifier: lender identifier")
		})
	}
}

func TestParseNonce(t *testing.T) {
	var max fr.Element
	max.SetOne().Neg(&max)
	for _, s := range []string{strings.Repeat("00", 32), strings.Repeat("00", 31) + "01", credential.FieldHex(max)} {
		e, err := verifier.ParseNonce(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if credential.FieldHex(e) != s {
			t.Fatalf("%s: round trip gave %s", s, credential.FieldHex(e))
		}
	}
	good, err := verifier.NewNonce(fixture.Rand("nonce"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, nonce, want string }{
		{"63 characters", good[:63], "64 lowercase hex characters"},
		{"65 characters", good + "0", "64 lowercase hex characters"},
		{"empty", "", "64 lowercase hex characters"},
		{"uppercase", strings.ToUpper(good), "lowercase hex"},
		{"the modulus", modulusHex, "modulus"},
		{"all ff", strings.Repeat("ff", 32), "modulus"},
		{"0x prefix", "0x" + good[2:], "lowercase hex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "uppercase" && strings.ToUpper(good) == good {
				t.Skip("the sample nonce has no letters")
			}
			_, err := verifier.ParseNonce(tc.nonce)
			wantErr(t, err, "verifier: nonce: ", tc.want)
		})
	}
}

func TestNewNonce(t *testing.T) {
	a, err := verifier.NewNonce(fixture.Rand("a"))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := verifier.NewNonce(fixture.Rand("a")); again != a {
		t.Error("NewNonce is not deterministic in its reader")
	}
	if b, _ := verifier.NewNonce(fixture.Rand("b")); b == a {
		t.Error("two readers gave one nonce")
	}
	seen := map[string]bool{}
	for range 50 {
		n, err := verifier.NewNonce(nil) // crypto/rand
		if err != nil {
			t.Fatal(err)
		}
		e, err := verifier.ParseNonce(n)
		if err != nil {
			t.Fatalf("NewNonce gave %q, which ParseNonce refuses: %v", n, err)
		}
		if credential.FieldHex(e) != n {
			t.Fatalf("NewNonce gave a non-canonical %q", n)
		}
		if seen[n] {
			t.Fatalf("repeated nonce %s", n)
		}
		seen[n] = true
	}
}

// TestNewNonceRejectsOutOfRange feeds the modulus first: it must be
// rejected, not reduced, and the next candidate taken.
func TestNewNonceRejectsOutOfRange(t *testing.T) {
	modulus := make([]byte, fr.Bytes)
	fr.Modulus().FillBytes(modulus)
	one := make([]byte, fr.Bytes)
	one[fr.Bytes-1] = 1
	n, err := verifier.NewNonce(bytes.NewReader(append(modulus, one...)))
	if err != nil {
		t.Fatal(err)
	}
	if n != strings.Repeat("00", 31)+"01" {
		t.Fatalf("got %s, want 1 after rejecting the modulus", n)
	}
	if _, err := verifier.NewNonce(bytes.NewReader(modulus)); err == nil {
		t.Fatal("no error when randomness runs out")
	}
}
