package verifier

import (
	"crypto/rand"
	"fmt"
	"io"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/name"
)

// MaxLenderLength bounds lender identifiers.
const MaxLenderLength = 64

// ValidateLender checks a lender identifier: 1 to 64 characters of a-z,
// 0-9, '.', '_' and '-'.
func ValidateLender(lender string) error {
	if len(lender) == 0 || len(lender) > MaxLenderLength {
		return fmt.Errorf("verifier: lender identifier must be 1 to %d characters", MaxLenderLength)
	}
	if !name.Valid(lender, MaxLenderLength) {
		return fmt.Errorf("verifier: lender identifier %q may use only a-z, 0-9, '.', '_' and '-'", lender)
	}
	return nil
}

// LenderID maps a lender identifier to the circuit's public input L:
// sha256("tacit/lender/v1" || 0x00 || name) with the top three bits cleared
// (credential.TagDigest).
func LenderID(name string) (fr.Element, error) {
	if err := ValidateLender(name); err != nil {
		return fr.Element{}, err
	}
	return credential.TagDigest("tacit/lender/v1", []byte(name)), nil
}

// ParseNonce parses a lender nonce: 64 lowercase hex characters of a value
// below the BN254 scalar field modulus.
func ParseNonce(s string) (fr.Element, error) {
	e, err := credential.ParseFieldHex(s)
	if err != nil {
		return fr.Element{}, fmt.Errorf("verifier: nonce: %w", err)
	}
	return e, nil
}

// NewNonce draws a fresh uniform nonce from rnd (crypto/rand if nil) and
// returns it as 64 lowercase hex characters.
func NewNonce(rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	for {
		var b [fr.Bytes]byte
		if _, err := io.ReadFull(rnd, b[:]); err != nil {
			return "", fmt.Errorf("verifier: reading randomness: %w", err)
		}
		b[0] &= 0x3f
		if v := new(big.Int).SetBytes(b[:]); v.Cmp(fr.Modulus()) < 0 {
			var e fr.Element
			e.SetBigInt(v)
			return credential.FieldHex(e), nil
		}
	}
}
