package policyv2

import (
	"encoding/hex"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	edwards "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/tacit-zk/tacit/credential"
)

// TestPaddingSignature: the padding constants are a valid signature under
// a valid issuer key, as tacit verifies signatures natively.
func TestPaddingSignature(t *testing.T) {
	var a edwards.PointAffine
	a.X.SetBigInt(padding.ax)
	a.Y.SetBigInt(padding.ay)
	enc := a.Bytes()
	key, err := credential.ParseIssuerKey(hex.EncodeToString(enc[:]))
	if err != nil {
		t.Fatal(err)
	}
	var sig eddsa.Signature
	sig.R.X.SetBigInt(padding.rx)
	sig.R.Y.SetBigInt(padding.ry)
	padding.s.FillBytes(sig.S[:])
	var raw [credential.SignatureSize]byte
	copy(raw[:], sig.Bytes())
	var msg fr.Element
	msg.SetBigInt(padding.msg)
	if err := key.Verify(raw, msg); err != nil {
		t.Fatal(err)
	}
	msg.SetOne()
	if key.Verify(raw, msg) == nil {
		t.Fatal("the padding signature verifies another message")
	}
}
