package credential_test

import (
	"encoding/json"
	"errors"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
)

func TestCredentialV2SignParseVerify(t *testing.T) {
	c, data := sampleCredentialV2(t)
	if c.Version != credential.LayoutV2 {
		t.Fatalf("Version = %d, want %d", c.Version, credential.LayoutV2)
	}
	if err := c.Verify(); err != nil {
		t.Fatalf("fresh credential: %v", err)
	}
	golden(t, "credential_v2.json", append(data, '\n'))
	parsed, err := credential.ParseCredential(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := parsed.Verify(); err != nil {
		t.Fatalf("parsed credential: %v", err)
	}
	if parsed.Version != credential.LayoutV2 {
		t.Fatalf("the file does not record layout v2: %s", data)
	}
	assertCredentialCanonical(t, parsed)
}

// TestOldV1FileStillParses reads a v1 file written before layout v2
// existed (the known answer of TestCredentialSignParseVerify).
func TestOldV1FileStillParses(t *testing.T) {
	c, err := credential.ParseCredential(readTestdata(t, "credential.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != credential.LayoutV1 {
		t.Fatalf("Version = %d, want 1", c.Version)
	}
	if err := c.Verify(); err != nil {
		t.Fatal(err)
	}
}

// TestLayoutsDoNotCrossVerify: a signature in one layout never verifies
// as the other, with every other field equal.
func TestLayoutsDoNotCrossVerify(t *testing.T) {
	v1, _ := sampleCredential(t)
	v2, _ := sampleCredentialV2(t)
	if v1.MessageHash() == v2.MessageHash() {
		t.Fatal("the two layouts sign the same hash")
	}
	asV2, asV1 := *v1, *v2
	asV2.Version, asV1.Version = credential.LayoutV2, credential.LayoutV1
	for name, c := range map[string]*credential.Credential{"v1 signature read as v2": &asV2, "v2 signature read as v1": &asV1} {
		if err := c.Verify(); !errors.Is(err, credential.ErrBadSignature) {
			t.Errorf("%s: Verify() = %v, want ErrBadSignature", name, err)
		}
	}
	// The v1 message's hash under the v2 tag is not the v2 hash either.
	m := v1.Message()
	if credential.Hash(credential.TagCredentialV2, m[:]...) == v2.MessageHash() {
		t.Error("v1 elements under the v2 tag give the v2 hash")
	}
}

// TestMessageLayoutV2 recomputes the v2 hash from the documented layout,
// unpacking nothing through the package's own Parts.
func TestMessageLayoutV2(t *testing.T) {
	c, _ := sampleCredentialV2(t)
	p := c.Parts()
	bitsAt := func(e fr.Element, shift, width uint) uint64 {
		v := e.BigInt(new(big.Int))
		return new(big.Int).And(new(big.Int).Rsh(v, shift), big.NewInt(1<<width-1)).Uint64()
	}
	if got := bitsAt(p.Header, credential.HeaderVersionShift, 8); got != 2 {
		t.Errorf("header version = %d, want 2", got)
	}
	if p.Header.BigInt(new(big.Int)).BitLen() > credential.HeaderBits {
		t.Error("header wider than HeaderBits")
	}
	if !p.Subject.Equal(ptr(c.Subject.Element())) {
		t.Error("subject part is not the subject")
	}
	for i := range credential.MaxMonths {
		want := uint64(0)
		if i < len(c.Months) {
			want = uint64(c.Months[i].Status)
		}
		if got := bitsAt(p.Statuses, uint(credential.StatusBits*i), credential.StatusBits); got != want {
			t.Errorf("status slot %d = %d, want %d", i, got, want)
		}
	}
	var packs []fr.Element
	for j := range credential.AmountElements {
		v := new(big.Int)
		for k := credential.AmountsPerElement - 1; k >= 0; k-- {
			var a uint64
			if i := j*credential.AmountsPerElement + k; i < len(c.Months) {
				a = c.Months[i].Amount
			}
			v.Lsh(v, credential.AmountBits).Or(v, new(big.Int).SetUint64(a))
		}
		var e fr.Element
		e.SetBigInt(v)
		packs = append(packs, e)
	}
	if d := referenceHash(credential.TagAmounts, packs); !d.Equal(&p.AmountsDigest) {
		t.Error("amounts digest is not Hash(TagAmounts, packed amounts)")
	}
	want := referenceHash(credential.TagCredentialV2, []fr.Element{c.Header(), c.Subject.Element(), p.Statuses, p.AmountsDigest})
	if h := c.MessageHash(); !h.Equal(&want) {
		t.Error("v2 MessageHash is not Hash(TagCredentialV2, header, subject, statuses, amountsDigest)")
	}
}

func TestCredentialV2TamperingBreaksSignature(t *testing.T) {
	_, data := sampleCredentialV2(t)
	for _, tc := range []struct {
		field string
		value any
	}{
		{"months.4.status", "ok"},
		{"months.17.amount", json.Number("1")},
		{"months.35.amount", json.Number("0")},
		{"subject", fixture.Holder("other").Subject().Hex()},
		{"expiresAt", "2027-06-02"},
		{"issuedAt", "2026-10-16"},
		{"periodStart", "2023-12"},
		{"kind", "revenue"},
		{"issuer", fixture.Issuer("bank-b").Public().Hex()},
		{"version", 1},
	} {
		t.Run(tc.field, func(t *testing.T) {
			c, err := credential.ParseCredential(edit(t, data, tc.field, tc.value))
			if err != nil {
				t.Fatalf("tampered credential does not parse: %v", err)
			}
			if err := c.Verify(); !errors.Is(err, credential.ErrBadSignature) {
				t.Fatalf("Verify() = %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestRequireLayout(t *testing.T) {
	v1, _ := sampleCredential(t)
	v2, _ := sampleCredentialV2(t)
	if err := credential.RequireLayout(v2, credential.LayoutV2, "no-default/v2", "no-default/v1"); err != nil {
		t.Fatal(err)
	}
	err := credential.RequireLayout(v1, credential.LayoutV2, "no-default/v2", "no-default/v1")
	var le *credential.LayoutError
	if !errors.As(err, &le) || le.Have != 1 || le.Want != 2 {
		t.Fatalf("RequireLayout = %v, want a *LayoutError from 1 to 2", err)
	}
	wantErr(t, err, "credential: this credential uses layout v1; statement no-default/v2 needs layout v2",
		"ask the issuer to re-sign it in layout v2, or use no-default/v1")
	wantErr(t, credential.RequireLayout(v2, credential.LayoutV1, "policy/v1", ""), "uses layout v2; statement policy/v1 needs layout v1")
}

func TestParseLayout(t *testing.T) {
	for s, want := range map[string]int{"v1": 1, "v2": 2} {
		if got, err := credential.ParseLayout(s); err != nil || got != want {
			t.Errorf("ParseLayout(%q) = %d, %v", s, got, err)
		}
		if credential.LayoutName(want) != s {
			t.Errorf("LayoutName(%d) != %q", want, s)
		}
	}
	for _, s := range []string{"", "2", "V2", "v3"} {
		if _, err := credential.ParseLayout(s); err == nil {
			t.Errorf("ParseLayout(%q) accepted", s)
		}
	}
}
