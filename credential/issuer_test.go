package credential_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
)

func pointHex(p twistededwards.PointAffine) string {
	b := p.Bytes()
	return hex.EncodeToString(b[:])
}

// torsion returns a point of exact order n (2, 4 or 8) of BN254's twisted
// Edwards curve, built without the parser: [order]Q for points Q on the
// curve lands in the 8-torsion, and doubling lowers the order.
func torsion(t *testing.T, n int) twistededwards.PointAffine {
	t.Helper()
	curve := twistededwards.GetEdwardsCurve()
	orderOf := func(p twistededwards.PointAffine) int {
		k := 1
		for !p.IsZero() {
			p.Double(&p)
			k *= 2
			if k > 8 {
				t.Fatal("point outside the 8-torsion")
			}
		}
		return k
	}
	for y := uint64(2); y < 1000; y++ {
		var q twistededwards.PointAffine
		q.Y.SetUint64(y)
		if !onCurveY(&q.Y, &q.X, curve) {
			continue
		}
		var tp twistededwards.PointAffine
		tp.ScalarMultiplication(&q, &curve.Order)
		if orderOf(tp) != 8 {
			continue
		}
		for k := 8; k > n; k /= 2 {
			tp.Double(&tp)
		}
		if !tp.IsOnCurve() || orderOf(tp) != n {
			t.Fatalf("built a point of order %d, want %d", orderOf(tp), n)
		}
		return tp
	}
	t.Fatal("no point of order 8 found")
	return twistededwards.PointAffine{}
}

// onCurveY solves a*x^2 + y^2 = 1 + d*x^2*y^2 for x, reporting whether y
// is the y-coordinate of a point on the curve.
func onCurveY(y, x *fr.Element, curve twistededwards.CurveParams) bool {
	var one, y2, num, den fr.Element
	one.SetOne()
	y2.Square(y)
	num.Sub(&one, &y2)
	den.Mul(&curve.D, &y2)
	den.Sub(&curve.A, &den)
	if den.IsZero() {
		return false
	}
	x.Div(&num, &den)
	return x.Sqrt(x) != nil
}

// leHex writes v as the 32-byte little-endian encoding the compressed points use.
func leHex(v *big.Int) string {
	b := make([]byte, 32)
	v.FillBytes(b)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return hex.EncodeToString(b)
}

func TestParseIssuerKeyAccepts(t *testing.T) {
	for _, label := range []string{"x", "bank-a", "bank-b"} {
		k := fixture.Issuer(label).Public()
		got, err := credential.ParseIssuerKey(k.Hex())
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		if !got.Equal(k) || got.Hex() != k.Hex() || got.IsZero() {
			t.Fatalf("%s: round trip changed the key", label)
		}
	}
	if fixture.Issuer("x").Public().Equal(fixture.Issuer("y").Public()) {
		t.Fatal("distinct labels gave one key")
	}
}

func TestParseIssuerKeyRefuses(t *testing.T) {
	key := fixture.Issuer("x").Public()
	kx, ky := key.Point()
	var keyPoint twistededwards.PointAffine
	keyPoint.X, keyPoint.Y = kx, ky

	identity := twistededwards.NewPointAffine(fr.NewElement(0), fr.NewElement(1))
	mixed := func(n int) string {
		tp := torsion(t, n)
		var p twistededwards.PointAffine
		p.Add(&keyPoint, &tp)
		if !p.IsOnCurve() {
			t.Fatal("sum is off the curve")
		}
		return pointHex(p)
	}
	var negOne fr.Element
	negOne.SetOne().Neg(&negOne)
	order2 := twistededwards.NewPointAffine(fr.NewElement(0), negOne)
	if p := torsion(t, 2); !p.Equal(&order2) {
		t.Fatal("the order-2 point is not (0, -1)")
	}

	// y + p encodes the key's y non-canonically when it still fits in 255 bits.
	yPlusP := new(big.Int).Add(ky.BigInt(new(big.Int)), fr.Modulus())
	if yPlusP.BitLen() > 255 {
		t.Fatal("y + p does not fit the encoding")
	}
	signBit := func(s string) string { // set the x-sign bit (top bit of the last byte)
		b, _ := hex.DecodeString(s)
		b[31] |= 0x80
		return hex.EncodeToString(b)
	}
	offCurve := func() string {
		curve := twistededwards.GetEdwardsCurve()
		for y := uint64(2); ; y++ {
			var fy, x fr.Element
			fy.SetUint64(y)
			if !onCurveY(&fy, &x, curve) {
				return leHex(new(big.Int).SetUint64(y))
			}
		}
	}()

	for _, tc := range []struct{ name, hex, want string }{
		{"identity", pointHex(identity), "identity"},
		{"order 2: (0, -1)", pointHex(order2), "prime-order subgroup"},
		{"order 4", pointHex(torsion(t, 4)), "prime-order subgroup"},
		{"order 8", pointHex(torsion(t, 8)), "prime-order subgroup"},
		{"key plus order 2", mixed(2), "prime-order subgroup"},
		{"key plus order 8", mixed(8), "prime-order subgroup"},
		{"y + p", leHex(yPlusP), "non-canonical"},
		{"identity with the sign bit", signBit(pointHex(identity)), "non-canonical"},
		{"order 2 with the sign bit", signBit(pointHex(order2)), "non-canonical"},
		{"y all ones", strings.Repeat("ff", 31) + "7f", "issuer key"},
		{"y not on the curve", offCurve, "not a point on the curve"},
		{"uppercase", strings.ToUpper(key.Hex()), "lowercase hex"},
		{"63 characters", key.Hex()[:63], "64 lowercase hex characters"},
		{"65 characters", key.Hex() + "0", "64 lowercase hex characters"},
		{"62 characters", key.Hex()[:62], "64 lowercase hex characters"},
		{"empty", "", "64 lowercase hex characters"},
		{"not hex", "zz" + key.Hex()[2:], "lowercase hex"},
		{"0x prefix", "0x" + key.Hex()[2:], "lowercase hex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := credential.ParseIssuerKey(tc.hex)
			wantErr(t, err, "credential: issuer key: ", tc.want)
			if !k.IsZero() {
				t.Error("returned a key with the error")
			}
		})
	}
}

func TestIssuerSignatureIsBoundToKeyAndMessage(t *testing.T) {
	a, b := fixture.Issuer("a"), fixture.Issuer("b")
	msg, other := fr.NewElement(42), fr.NewElement(43)
	sig, err := a.SignHash(msg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.SignHash(msg)
	if err != nil || again != sig {
		t.Fatalf("signing is not deterministic: %v", err)
	}
	if err := a.Public().Verify(sig, msg); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"other message": a.Public().Verify(sig, other),
		"other key":     b.Public().Verify(sig, msg),
	} {
		if !errors.Is(err, credential.ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", name, err)
		}
	}
}

func TestIssuerSecretFile(t *testing.T) {
	s := fixture.Issuer("bank-a")
	data, err := s.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := credential.ParseIssuerSecret(data)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Public().Equal(s.Public()) {
		t.Fatal("key file round trip changed the key")
	}
	otherPub := fixture.Issuer("bank-b").Public().Hex()
	for _, tc := range []struct {
		name  string
		field string
		value any
		want  string
	}{
		{"wrong kind", "kind", "tacit-issuer-key/v2", `field "kind"`},
		{"missing kind", "kind", remove, `field "kind": missing`},
		{"short seed", "seed", "00", `field "seed"`},
		{"missing seed", "seed", remove, `field "seed": missing`},
		{"public key of another seed", "public", otherPub, `field "public"`},
		{"unknown field", "note", "x", `unknown field "note"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := credential.ParseIssuerSecret(edit(t, data, tc.field, tc.value))
			wantErr(t, err, "issuer key file: ", tc.want)
		})
	}
}

func TestGenerateIssuerSecretShortRead(t *testing.T) {
	if _, err := credential.GenerateIssuerSecret(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Fatal("accepted 31 bytes of randomness")
	}
}
