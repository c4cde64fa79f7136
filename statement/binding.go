package statement

import (
	"crypto/rand"
	"fmt"
	"io"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/name"
)

// Binding is what every proof is bound to, as an attestation shows it: the
// as-of month, the lender it was made for, the lender's nonce, and the
// holder's pseudonym towards that lender.
type Binding struct {
	AsOf      string `json:"asOf"`      // YYYY-MM
	Lender    string `json:"lender"`    // lender identifier
	Nonce     string `json:"nonce"`     // 64 hex
	Pseudonym string `json:"pseudonym"` // 64 hex
}

// The binding's member names in an attestation's "public" object.
var bindingMembers = [...]string{"asOf", "lender", "nonce", "pseudonym"}

// IsBindingMember reports whether k is one of the binding's member names.
func IsBindingMember(k string) bool {
	for _, b := range bindingMembers {
		if k == b {
			return true
		}
	}
	return false
}

// Member returns the binding's value of one of its member names.
func (b Binding) Member(k string) string {
	switch k {
	case "asOf":
		return b.AsOf
	case "lender":
		return b.Lender
	case "nonce":
		return b.Nonce
	}
	return b.Pseudonym
}

// SetMember sets one of the binding's members by name.
func (b *Binding) SetMember(k, v string) {
	switch k {
	case "asOf":
		b.AsOf = v
	case "lender":
		b.Lender = v
	case "nonce":
		b.Nonce = v
	default:
		b.Pseudonym = v
	}
}

// Values is the binding as circuit values.
type Values struct {
	AsOf      credential.Month
	Lender    fr.Element // LenderID of the lender identifier
	Nonce     fr.Element
	Pseudonym fr.Element
}

// Values parses the binding, refusing any member not in its one canonical
// form; the error wraps ErrMalformed and names the member.
func (b Binding) Values() (Values, error) {
	var v Values
	var err error
	if v.AsOf, err = credential.ParseMonth(b.AsOf); err != nil {
		return v, Malformed("public.asOf", err)
	}
	if v.Lender, err = LenderID(b.Lender); err != nil {
		return v, Malformed("public.lender", err)
	}
	if v.Nonce, err = ParseNonce(b.Nonce); err != nil {
		return v, Malformed("public.nonce", err)
	}
	if v.Pseudonym, err = credential.ParseFieldHex(b.Pseudonym); err != nil {
		return v, Malformed("public.pseudonym", err)
	}
	return v, nil
}

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
func LenderID(lender string) (fr.Element, error) {
	if err := ValidateLender(lender); err != nil {
		return fr.Element{}, err
	}
	return credential.TagDigest("tacit/lender/v1", []byte(lender)), nil
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
