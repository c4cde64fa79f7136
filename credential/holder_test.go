package credential_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
)

func TestParseHolderSecret(t *testing.T) {
	s := fixture.Holder("acme")
	got, err := credential.ParseHolderSecret(s.Hex())
	if err != nil {
		t.Fatal(err)
	}
	if got != s {
		t.Fatal("round trip changed the secret")
	}
	one := strings.Repeat("00", 31) + "01"
	if _, err := credential.ParseHolderSecret(one); err != nil {
		t.Fatalf("secret 1: %v", err)
	}
	for _, tc := range []struct{ name, hex, want string }{
		{"zero", strings.Repeat("00", 32), "must not be zero"},
		{"the modulus", modulusHex, "modulus"},
		{"all ff", strings.Repeat("ff", 32), "modulus"},
		{"uppercase", strings.ToUpper(s.Hex()), "lowercase hex"},
		{"63 characters", s.Hex()[:63], "64 lowercase hex characters"},
		{"65 characters", s.Hex() + "0", "64 lowercase hex characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := credential.ParseHolderSecret(tc.hex)
			wantErr(t, err, "credential: holder secret: ", tc.want)
		})
	}
}

func TestParseSubject(t *testing.T) {
	sub := fixture.Holder("acme").Subject()
	got, err := credential.ParseSubject(sub.Hex())
	if err != nil || !got.Equal(sub) {
		t.Fatalf("round trip: %v", err)
	}
	for _, bad := range []string{modulusHex, strings.ToUpper(sub.Hex()), sub.Hex()[:63]} {
		_, err := credential.ParseSubject(bad)
		wantErr(t, err, "credential: subject: ")
	}
}

func TestSubjectAndPseudonym(t *testing.T) {
	acme, other := fixture.Holder("acme"), fixture.Holder("other")
	again, err := credential.ParseHolderSecret(acme.Hex())
	if err != nil {
		t.Fatal(err)
	}
	if !acme.Subject().Equal(again.Subject()) {
		t.Error("Subject is not deterministic")
	}
	if acme.Subject().Equal(other.Subject()) {
		t.Error("two holders share a subject")
	}
	lenderA, lenderB := fr.NewElement(1), fr.NewElement(2)
	pa, pb := acme.Pseudonym(lenderA), acme.Pseudonym(lenderB)
	if pa2 := again.Pseudonym(lenderA); !pa.Equal(&pa2) {
		t.Error("Pseudonym is not deterministic")
	}
	if pa.Equal(&pb) {
		t.Error("one holder has the same pseudonym at two lenders")
	}
	if po := other.Pseudonym(lenderA); pa.Equal(&po) {
		t.Error("two holders share a pseudonym at one lender")
	}
	if sub := acme.Subject().Element(); pa.Equal(&sub) {
		t.Error("the pseudonym equals the subject")
	}
	want := credential.Hash(credential.TagPseudonym, acme.Element(), lenderA)
	if !pa.Equal(&want) {
		t.Error("Pseudonym is not H(tacit/pseudonym/v1, secret, lender)")
	}
	if want := credential.Hash(credential.TagSubject, acme.Element()); !acme.Subject().Equal(mustSubject(t, credential.FieldHex(want))) {
		t.Error("Subject is not H(tacit/subject/v1, secret)")
	}
}

func mustSubject(t *testing.T, s string) credential.Subject {
	t.Helper()
	sub, err := credential.ParseSubject(s)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// TestGenerateHolderSecretRejects feeds the modulus and zero first: both
// must be rejected and the next candidate taken.
func TestGenerateHolderSecretRejects(t *testing.T) {
	modulus := make([]byte, fr.Bytes)
	fr.Modulus().FillBytes(modulus)
	one := make([]byte, fr.Bytes)
	one[fr.Bytes-1] = 1
	rnd := bytes.NewReader(bytes.Join([][]byte{modulus, make([]byte, fr.Bytes), one}, nil))
	s, err := credential.GenerateHolderSecret(rnd)
	if err != nil {
		t.Fatal(err)
	}
	if s.Hex() != strings.Repeat("00", 31)+"01" {
		t.Fatalf("got %s, want 1 after rejecting the modulus and zero", s.Hex())
	}
	if _, err := credential.GenerateHolderSecret(bytes.NewReader(modulus)); err == nil {
		t.Fatal("no error when randomness runs out")
	}
}
