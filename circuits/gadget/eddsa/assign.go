package eddsa

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	nativeeddsa "github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"
)

// SignatureSize is the size of an encoded signature: R compressed (32
// bytes) then S big-endian (32 bytes), as credential.SignatureSize.
const SignatureSize = 64

// ErrSignatureEncoding means a signature's bytes do not decode.
var ErrSignatureEncoding = errors.New("eddsa: malformed signature encoding")

// Assign sets p to the affine point (x, y).
func (p *Point) Assign(x, y fr.Element) {
	p.X, p.Y = toBig(&x), toBig(&y)
}

// Assign sets s from an encoded signature, as `tacit credential sign`
// writes it. It refuses what gnark-crypto's decoder refuses (S >= l, S = 0,
// R not a canonical point of the prime-order subgroup).
func (s *Signature) Assign(b [SignatureSize]byte) error {
	var sig nativeeddsa.Signature
	if _, err := sig.SetBytes(b[:]); err != nil {
		return fmt.Errorf("%w: %w", ErrSignatureEncoding, err)
	}
	s.R.Assign(sig.R.X, sig.R.Y)
	s.S = new(big.Int).SetBytes(sig.S[:])
	return nil
}
