package credential

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// HolderSecret is the business's secret: a non-zero canonical element of
// BN254's scalar field. It never leaves the business except to a prover it
// runs or trusts.
type HolderSecret struct{ e fr.Element }

// Subject is the public commitment to a holder secret that issuers bind
// credentials to.
type Subject struct{ e fr.Element }

// GenerateHolderSecret draws a uniform non-zero secret from rnd.
func GenerateHolderSecret(rnd io.Reader) (HolderSecret, error) {
	for {
		var buf [fr.Bytes]byte
		if _, err := io.ReadFull(rnd, buf[:]); err != nil {
			return HolderSecret{}, fmt.Errorf("credential: reading randomness: %w", err)
		}
		buf[0] &= 0x3f // rejection sampling below the modulus
		v := new(big.Int).SetBytes(buf[:])
		if v.Sign() != 0 && v.Cmp(fr.Modulus()) < 0 {
			var s HolderSecret
			s.e.SetBigInt(v)
			return s, nil
		}
	}
}

// NewHolderSecret draws a secret from crypto/rand.
func NewHolderSecret() (HolderSecret, error) { return GenerateHolderSecret(rand.Reader) }

// ParseHolderSecret parses 64 lowercase hex characters.
func ParseHolderSecret(s string) (HolderSecret, error) {
	e, err := parseFieldHex(s)
	if err != nil {
		return HolderSecret{}, fmt.Errorf("credential: holder secret: %w", err)
	}
	if e.IsZero() {
		return HolderSecret{}, errors.New("credential: holder secret: must not be zero")
	}
	return HolderSecret{e}, nil
}

// Hex encodes the secret as 64 lowercase hex characters.
func (s HolderSecret) Hex() string { return fieldHex(s.e) }

// Element returns the secret as a field element (for circuit assignments).
func (s HolderSecret) Element() fr.Element { return s.e }

// Subject returns the commitment H("tacit/subject/v1", secret).
func (s HolderSecret) Subject() Subject { return Subject{Hash(TagSubject, s.e)} }

// Pseudonym returns H("tacit/pseudonym/v1", secret, lender): stable for one
// lender, unlinkable across lenders.
func (s HolderSecret) Pseudonym(lender fr.Element) fr.Element {
	return Hash(TagPseudonym, s.e, lender)
}

// ParseSubject parses a subject commitment (64 lowercase hex characters).
func ParseSubject(s string) (Subject, error) {
	e, err := parseFieldHex(s)
	if err != nil {
		return Subject{}, fmt.Errorf("credential: subject: %w", err)
	}
	return Subject{e}, nil
}

// Hex encodes the subject as 64 lowercase hex characters.
func (s Subject) Hex() string { return fieldHex(s.e) }

// Element returns the subject as a field element.
func (s Subject) Element() fr.Element { return s.e }

// Equal reports whether two subjects are the same commitment.
func (s Subject) Equal(o Subject) bool { return s.e.Equal(&o.e) }

// ParseFieldHex parses a canonical field element written as 64 lowercase
// hex characters (big endian, below the BN254 scalar field modulus).
func ParseFieldHex(s string) (fr.Element, error) { return parseFieldHex(s) }

// FieldHex writes e as 64 lowercase hex characters.
func FieldHex(e fr.Element) string { return fieldHex(e) }

func parseFieldHex(s string) (fr.Element, error) {
	b, err := parseHex(s, fr.Bytes)
	if err != nil {
		return fr.Element{}, err
	}
	v := new(big.Int).SetBytes(b)
	if v.Cmp(fr.Modulus()) >= 0 {
		return fr.Element{}, errors.New("is not below the BN254 scalar field modulus")
	}
	var e fr.Element
	e.SetBigInt(v)
	return e, nil
}

func fieldHex(e fr.Element) string {
	b := e.Bytes()
	return hex.EncodeToString(b[:])
}

// parseHex decodes exactly n bytes written as 2n lowercase hex characters.
func parseHex(s string, n int) ([]byte, error) {
	if len(s) != 2*n {
		return nil, fmt.Errorf("must be %d lowercase hex characters, got %d characters", 2*n, len(s))
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return nil, fmt.Errorf("must be %d lowercase hex characters", 2*n)
		}
	}
	return hex.DecodeString(s)
}
