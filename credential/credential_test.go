package credential_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
)

// sampleCredential is the fixture credential the tests and seeds share: 36
// months from 2023-11 with a late30 at index 4, issued 2026-10-15 and
// expiring 2027-06-01, in layout v1 (its known answer predates v2).
func sampleCredential(tb testing.TB) (*credential.Credential, []byte) {
	return signSample(tb, credential.LayoutV1)
}

// sampleCredentialV2 is sampleCredential's history signed in layout v2.
func sampleCredentialV2(tb testing.TB) (*credential.Credential, []byte) {
	return signSample(tb, credential.LayoutV2)
}

func signSample(tb testing.TB, layout int) (*credential.Credential, []byte) {
	tb.Helper()
	h := fixture.History("2023-11", 36, map[int]credential.Status{4: credential.StatusLate30})
	c, err := credential.Sign(fixture.Issuer("bank-a"), credential.Terms{
		Layout: layout, Kind: credential.KindPaymentHistory, Subject: fixture.Holder("acme").Subject(),
		IssuedAt: fixture.Day("2026-10-15"), ExpiresAt: fixture.Day("2027-06-01"),
	}, h)
	if err != nil {
		tb.Fatal(err)
	}
	data, err := c.MarshalJSON()
	if err != nil {
		tb.Fatal(err)
	}
	return c, data
}

// modulusHex is the BN254 scalar field modulus as 64 hex characters.
var modulusHex = fmt.Sprintf("%064x", fr.Modulus())

// assertCredentialCanonical parses data and checks that the credential
// re-marshals to bytes that parse back to the same credential and bytes.
func assertCredentialCanonical(t *testing.T, c *credential.Credential) []byte {
	t.Helper()
	b1, err := c.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := credential.ParseCredential(b1)
	if err != nil {
		t.Fatalf("re-parsing %s: %v", b1, err)
	}
	if !reflect.DeepEqual(c, c2) {
		t.Fatalf("round trip changed the credential:\n%+v\n%+v", c, c2)
	}
	b2, err := c2.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("not canonical:\n%s\n%s", b1, b2)
	}
	return b1
}

func TestCredentialSignParseVerify(t *testing.T) {
	c, data := sampleCredential(t)
	if err := c.Verify(); err != nil {
		t.Fatalf("fresh credential: %v", err)
	}
	// The signed format is a known answer: the message layout, the hash and
	// the deterministic signature all feed into these bytes.
	golden(t, "credential.json", append(data, '\n'))

	parsed, err := credential.ParseCredential(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := parsed.Verify(); err != nil {
		t.Fatalf("parsed credential: %v", err)
	}
	if !parsed.Subject.Equal(fixture.Holder("acme").Subject()) || !parsed.Issuer.Equal(fixture.Issuer("bank-a").Public()) {
		t.Fatal("parsed credential names another subject or issuer")
	}
	assertCredentialCanonical(t, parsed)

	// Embedded in another document, the credential decodes through ParseCredential.
	var doc struct{ Credential *credential.Credential }
	if err := json.Unmarshal([]byte(`{"Credential":`+string(data)+`}`), &doc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(doc.Credential, parsed) {
		t.Fatal("UnmarshalJSON decodes differently from ParseCredential")
	}
	if err := json.Unmarshal([]byte(`{"Credential":{"kind":"revenue"}}`), &doc); err == nil {
		t.Fatal("UnmarshalJSON accepted an incomplete credential")
	}
}

func TestCredentialRevenueKind(t *testing.T) {
	c, err := credential.Sign(fixture.Issuer("bank-b"), credential.Terms{
		Kind: credential.KindRevenue, Subject: fixture.Holder("acme").Subject(),
		IssuedAt: fixture.Day("2026-01-01"), ExpiresAt: fixture.Day("2026-01-02"),
	}, fixture.History("2199-12", 1, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Verify(); err != nil {
		t.Fatal(err)
	}
	if b := assertCredentialCanonical(t, c); !bytes.Contains(b, []byte(`"kind":"revenue"`)) {
		t.Fatalf("kind not written: %s", b)
	}
}

func TestParseCredentialRefuses(t *testing.T) {
	c, data := sampleCredential(t)
	iss, sub := c.Issuer.Hex(), c.Subject.Hex()
	sig := hex.EncodeToString(c.Signature[:])
	for _, s := range []string{iss, sub, sig} {
		if strings.ToUpper(s) == s {
			t.Fatalf("%s has no letters to uppercase", s)
		}
	}
	for _, tc := range []struct {
		name  string
		field string // dotted path for edit
		value any
		want  string
	}{
		{"unknown field", "note", "x", `unknown field "note"`},
		{"unknown field in a month", "months.3.note", "x", `unknown field "months[3].note"`},
		{"version 3", "version", 3, `field "version": must be 1 or 2`},
		{"version 0", "version", 0, `field "version"`},
		{"version as a string", "version", "1", `field "version"`},
		{"version 1.0", "version", json.Number("1.0"), `field "version"`},
		{"missing version", "version", remove, `field "version": missing`},
		{"null version", "version", nil, `field "version": missing`},
		{"unknown kind", "kind", "mortgage", `field "kind"`},
		{"uppercase kind", "kind", "Revenue", `field "kind"`},
		{"missing kind", "kind", remove, `field "kind": missing`},
		{"uppercase issuer", "issuer", strings.ToUpper(iss), `field "issuer"`},
		{"63-char issuer", "issuer", iss[:63], `field "issuer"`},
		{"65-char issuer", "issuer", iss + "0", `field "issuer"`},
		{"identity issuer", "issuer", "01" + strings.Repeat("00", 31), `field "issuer"`},
		{"missing issuer", "issuer", remove, `field "issuer": missing`},
		{"uppercase subject", "subject", strings.ToUpper(sub), `field "subject"`},
		{"63-char subject", "subject", sub[:63], `field "subject"`},
		{"65-char subject", "subject", sub + "0", `field "subject"`},
		{"subject all ff", "subject", strings.Repeat("ff", 32), `field "subject"`},
		{"subject equal to the modulus", "subject", modulusHex, `field "subject"`},
		{"subject with 0x", "subject", "0x" + sub[2:], `field "subject"`},
		{"null subject", "subject", nil, `field "subject": missing`},
		{"uppercase signature", "signature", strings.ToUpper(sig), `field "signature"`},
		{"127-char signature", "signature", sig[:127], `field "signature"`},
		{"129-char signature", "signature", sig + "0", `field "signature"`},
		{"missing signature", "signature", remove, `field "signature": missing`},
		{"expiresAt equal to issuedAt", "expiresAt", "2026-10-15", `field "expiresAt": must be after issuedAt`},
		{"expiresAt before issuedAt", "expiresAt", "2026-10-14", `field "expiresAt": must be after issuedAt`},
		{"expiresAt 2027-6-1", "expiresAt", "2027-6-1", `field "expiresAt"`},
		{"expiresAt 2027-02-30", "expiresAt", "2027-02-30", `field "expiresAt"`},
		{"expiresAt with a time", "expiresAt", "2027-06-01T00:00:00Z", `field "expiresAt"`},
		{"expiresAt 2200-01-01", "expiresAt", "2200-01-01", `field "expiresAt"`},
		{"issuedAt 1969-12-31", "issuedAt", "1969-12-31", `field "issuedAt"`},
		{"issuedAt 2026-10-5", "issuedAt", "2026-10-5", `field "issuedAt"`},
		{"missing expiresAt", "expiresAt", remove, `field "expiresAt": missing`},
		{"periodStart 2023-13", "periodStart", "2023-13", `field "periodStart"`},
		{"missing periodStart", "periodStart", remove, `field "periodStart": missing`},
		{"uppercase status", "months.3.status", "OK", `field "months[3].status"`},
		{"fractional amount", "months.3.amount", json.Number("1.5"), `field "months[3].amount"`},
		{"amount 2^48", "months.3.amount", json.Number("281474976710656"), `field "months[3].amount"`},
		{"no months", "months", []any{}, `field "months"`},
		{"missing months", "months", remove, `field "months": missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := credential.ParseCredential(edit(t, data, tc.field, tc.value))
			wantErr(t, err, "credential: ", tc.want)
		})
	}

	doc := string(data)
	for _, tc := range []struct{ name, doc, want string }{
		{"duplicate key", `{"kind":"revenue",` + doc[1:], `"kind" appears twice`},
		{"key differing only in case", `{"Kind":"revenue",` + doc[1:], `unknown field "Kind"`},
		{"trailing data", doc + `{}`, "after the JSON value"},
		{"an array", `[` + doc + `]`, "expected an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := credential.ParseCredential([]byte(tc.doc))
			wantErr(t, err, "credential: ", tc.want)
		})
	}
}

func TestCredentialTamperingBreaksSignature(t *testing.T) {
	_, data := sampleCredential(t)
	other := fixture.Credential(fixture.Issuer("bank-b"), fixture.Holder("acme"), fixture.History("2023-11", 36, nil), "2027-06-01")
	for _, tc := range []struct {
		name  string
		field string
		value any
	}{
		{"a month's status", "months.4.status", "ok"},
		{"a month's amount", "months.17.amount", json.Number("1")},
		{"the subject", "subject", fixture.Holder("other").Subject().Hex()},
		{"the expiry", "expiresAt", "2027-06-02"},
		{"the issue date", "issuedAt", "2026-10-16"},
		{"the periodStart", "periodStart", "2023-12"},
		{"the kind", "kind", "revenue"},
		{"the issuer", "issuer", other.Issuer.Hex()},
		{"the signature", "signature", hex.EncodeToString(other.Signature[:])},
	} {
		t.Run(tc.name, func(t *testing.T) {
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

func TestVerifyMalformedSignature(t *testing.T) {
	c, _ := sampleCredential(t)
	for _, tc := range []struct {
		name string
		mut  func(sig *[credential.SignatureSize]byte)
	}{
		{"zero", func(sig *[credential.SignatureSize]byte) { *sig = [credential.SignatureSize]byte{} }},
		{"S all ones", func(sig *[credential.SignatureSize]byte) {
			copy(sig[32:], bytes.Repeat([]byte{0xff}, 32))
		}},
		{"R with y at least p", func(sig *[credential.SignatureSize]byte) { copy(sig[:32], bytes.Repeat([]byte{0xff}, 31)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := *c
			tc.mut(&bad.Signature)
			if err := bad.Verify(); err == nil {
				t.Fatal("Verify accepted a malformed signature")
			}
		})
	}
}

func TestSignRefusesInvalidTerms(t *testing.T) {
	issuer := fixture.Issuer("bank-a")
	good := credential.Terms{
		Kind: credential.KindPaymentHistory, Subject: fixture.Holder("acme").Subject(),
		IssuedAt: fixture.Day("2026-10-15"), ExpiresAt: fixture.Day("2027-06-01"),
	}
	for _, tc := range []struct {
		name string
		mut  func(*credential.Terms, *credential.History)
		want string
	}{
		{"kind 0", func(tr *credential.Terms, _ *credential.History) { tr.Kind = 0 }, `field "kind"`},
		{"expiry on issue", func(tr *credential.Terms, _ *credential.History) { tr.ExpiresAt = tr.IssuedAt }, `field "expiresAt"`},
		{"issued before 1970", func(tr *credential.Terms, _ *credential.History) { tr.IssuedAt = -1 }, `field "issuedAt"`},
		{"expires after 2199", func(tr *credential.Terms, _ *credential.History) { tr.ExpiresAt = fixture.Day("2199-12-31") + 1 }, `field "expiresAt"`},
		{"no months", func(_ *credential.Terms, h *credential.History) { h.Months = nil }, `field "months"`},
		{"amount 2^48", func(_ *credential.Terms, h *credential.History) { h.Months[0].Amount = credential.MaxAmount + 1 }, `field "months[0].amount"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			terms, h := good, fixture.History("2023-11", 3, nil)
			tc.mut(&terms, &h)
			_, err := credential.Sign(issuer, terms, h)
			wantErr(t, err, "credential: ", tc.want)
		})
	}
}

func TestCredentialExpiredAt(t *testing.T) {
	c, _ := sampleCredential(t)
	if c.ExpiredAt(c.ExpiresAt - 1) {
		t.Error("expired the day before ExpiresAt")
	}
	if !c.ExpiredAt(c.ExpiresAt) {
		t.Error("still valid on ExpiresAt")
	}
}

// TestMessageLayout unpacks the signed message by the documented bit
// layout, independently of the packing code.
func TestMessageLayout(t *testing.T) {
	c, _ := sampleCredential(t)
	m := c.Message()
	bitsAt := func(e fr.Element, shift, width uint) uint64 {
		v := e.BigInt(new(big.Int))
		return new(big.Int).And(new(big.Int).Rsh(v, shift), big.NewInt(1<<width-1)).Uint64()
	}
	for _, f := range []struct {
		name         string
		shift, width uint
		want         uint64
	}{
		{"kind", credential.HeaderKindShift, 8, uint64(c.Kind)},
		{"version", credential.HeaderVersionShift, 8, 1},
		{"periodStart", credential.HeaderStartShift, credential.MonthBits, uint64(fixture.Month("2023-11"))},
		{"months", credential.HeaderMonthsShift, credential.MonthsBits, 36},
		{"issuedAt", credential.HeaderIssuedShift, credential.DayBits, uint64(fixture.Day("2026-10-15"))},
		{"expiresAt", credential.HeaderExpiresShift, credential.DayBits, uint64(fixture.Day("2027-06-01"))},
	} {
		if got := bitsAt(m[0], f.shift, f.width); got != f.want {
			t.Errorf("header %s = %d, want %d", f.name, got, f.want)
		}
	}
	if bitsAt(m[0], credential.HeaderExpiresShift+credential.DayBits, 64) != 0 {
		t.Error("header has bits above expiresAt")
	}
	if !m[1].Equal(ptr(c.Subject.Element())) {
		t.Error("element 1 is not the subject")
	}
	for i := range credential.MaxMonths {
		wantStatus, wantAmount := uint64(0), uint64(0)
		if i < len(c.Months) {
			wantStatus, wantAmount = uint64(c.Months[i].Status), c.Months[i].Amount
		}
		if got := bitsAt(m[4], uint(credential.StatusBits*i), credential.StatusBits); got != wantStatus {
			t.Errorf("status slot %d = %d, want %d", i, got, wantStatus)
		}
		e := m[5+i/credential.AmountsPerElement]
		if got := bitsAt(e, uint(credential.AmountBits*(i%credential.AmountsPerElement)), credential.AmountBits); got != wantAmount {
			t.Errorf("amount slot %d = %d, want %d", i, got, wantAmount)
		}
	}
	h := c.MessageHash()
	if want := credential.Hash(credential.TagCredential, m[:]...); !h.Equal(&want) {
		t.Error("MessageHash is not Hash(TagCredential, Message())")
	}
}

func ptr[T any](v T) *T { return &v }

// FuzzParseCredential checks that ParseCredential never panics and that
// what it accepts has one encoding; Verify must not panic either.
func FuzzParseCredential(f *testing.F) {
	_, data := sampleCredential(f)
	f.Add(data)
	revenue, err := credential.Sign(fixture.Issuer("bank-b"), credential.Terms{
		Kind: credential.KindRevenue, Subject: fixture.Holder("shop").Subject(),
		IssuedAt: fixture.Day("2026-01-31"), ExpiresAt: fixture.Day("2028-02-29"),
	}, fixture.History("2021-02", credential.MaxMonths, map[int]credential.Status{59: credential.StatusDefault}))
	if err != nil {
		f.Fatal(err)
	}
	rev, err := revenue.MarshalJSON()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rev)
	_, v2 := sampleCredentialV2(f)
	f.Add(v2)
	doc := string(data)
	for _, s := range []string{
		`{"kind":"revenue",` + doc[1:],
		`{"Kind":"revenue",` + doc[1:],
		strings.Replace(doc, `"version":1`, `"version":2`, 1),
		strings.Replace(doc, `"version":1`, `"version":3`, 1),
		strings.Replace(doc, `"expiresAt":"2027-06-01"`, `"expiresAt":"2026-10-15"`, 1),
		strings.Replace(doc, `"issuer":"`, `"issuer":"01`+strings.Repeat("00", 31)+`","x":"`, 1),
		strings.Replace(doc, `"subject":"`, `"subject":"`+modulusHex+`","y":"`, 1),
		doc + " {}",
		`{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := credential.ParseCredential(data)
		if err != nil {
			return
		}
		verr := c.Verify()
		b := assertCredentialCanonical(t, c)
		c2, err := credential.ParseCredential(b)
		if err != nil {
			t.Fatal(err)
		}
		if verr2 := c2.Verify(); (verr == nil) != (verr2 == nil) {
			t.Fatalf("Verify changed across a round trip: %v, then %v", verr, verr2)
		}
	})
}
