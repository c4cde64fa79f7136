package credential

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards/eddsa"

	"github.com/tacit-zk/tacit/internal/strictjson"
)

// Sizes of encoded keys and signatures.
const (
	IssuerKeySize = 32 // compressed twisted Edwards point
	SignatureSize = 64 // R (compressed) || S (big endian)
	seedSize      = 32
)

// IssuerKey is an issuer's public key: a point of BN254's twisted Edwards
// curve in the prime-order subgroup, never the identity.
type IssuerKey struct{ p twistededwards.PointAffine }

// ParseIssuerKey parses 64 lowercase hex characters (gnark-crypto's
// compressed encoding) and refuses non-canonical encodings, points off the
// curve, the identity and points outside the prime-order subgroup (which
// includes every small-order point).
func ParseIssuerKey(s string) (IssuerKey, error) {
	b, err := parseHex(s, IssuerKeySize)
	if err != nil {
		return IssuerKey{}, fmt.Errorf("credential: issuer key: %w", err)
	}
	var p twistededwards.PointAffine
	if _, err := p.SetBytes(b); err != nil {
		return IssuerKey{}, fmt.Errorf("credential: issuer key: %w", err)
	}
	if !p.IsOnCurve() {
		return IssuerKey{}, errors.New("credential: issuer key: not a point on the curve")
	}
	if enc := p.Bytes(); !bytes.Equal(enc[:], b) {
		return IssuerKey{}, errors.New("credential: issuer key: non-canonical encoding")
	}
	if p.IsZero() {
		return IssuerKey{}, errors.New("credential: issuer key: the identity point is not a key")
	}
	if !p.IsInSubGroup() {
		return IssuerKey{}, errors.New("credential: issuer key: not in the prime-order subgroup (small-order component)")
	}
	return IssuerKey{p}, nil
}

// Hex encodes the key as 64 lowercase hex characters.
func (k IssuerKey) Hex() string {
	b := k.p.Bytes()
	return hex.EncodeToString(b[:])
}

// Point returns the key's affine coordinates (for circuit assignments).
func (k IssuerKey) Point() (x, y fr.Element) { return k.p.X, k.p.Y }

// Equal reports whether two keys are the same point.
func (k IssuerKey) Equal(o IssuerKey) bool { return k.p.Equal(&o.p) }

// IsZero reports whether k is the zero value (no key).
func (k IssuerKey) IsZero() bool { return k.p.X.IsZero() && k.p.Y.IsZero() }

// Verify checks an EdDSA signature over the message hash msg. It has no
// side effects.
func (k IssuerKey) Verify(sig [SignatureSize]byte, msg fr.Element) error {
	pub := eddsa.PublicKey{A: k.p}
	mb := msg.Bytes()
	ok, err := pub.Verify(sig[:], mb[:], signatureHasher())
	if err != nil {
		return fmt.Errorf("credential: malformed signature: %w", err)
	}
	if !ok {
		return ErrBadSignature
	}
	return nil
}

// ErrBadSignature means a signature does not verify under the issuer key.
var ErrBadSignature = errors.New("credential: the issuer signature does not verify")

// signatureHasher is the EdDSA challenge hash H(R, A, M): Poseidon2 in
// Merkle-Damgard mode, as gnark's std/signature/eddsa recomputes in circuit.
func signatureHasher() hash.Hash { return poseidon2.NewMerkleDamgardHasher() }

// IssuerSecret is an issuer's signing key.
type IssuerSecret struct {
	seed [seedSize]byte
	key  *eddsa.PrivateKey
}

// GenerateIssuerSecret derives a signing key from 32 bytes of rnd.
func GenerateIssuerSecret(rnd io.Reader) (*IssuerSecret, error) {
	var seed [seedSize]byte
	if _, err := io.ReadFull(rnd, seed[:]); err != nil {
		return nil, fmt.Errorf("credential: reading randomness: %w", err)
	}
	return issuerFromSeed(seed)
}

// NewIssuerSecret draws a signing key from crypto/rand.
func NewIssuerSecret() (*IssuerSecret, error) { return GenerateIssuerSecret(rand.Reader) }

func issuerFromSeed(seed [seedSize]byte) (*IssuerSecret, error) {
	key, err := eddsa.GenerateKey(bytes.NewReader(seed[:]))
	if err != nil {
		return nil, fmt.Errorf("credential: deriving issuer key: %w", err)
	}
	return &IssuerSecret{seed: seed, key: key}, nil
}

// Public returns the issuer's public key.
func (s *IssuerSecret) Public() IssuerKey { return IssuerKey{s.key.PublicKey.A} }

// SignHash signs a message hash.
func (s *IssuerSecret) SignHash(msg fr.Element) ([SignatureSize]byte, error) {
	var out [SignatureSize]byte
	mb := msg.Bytes()
	sig, err := s.key.Sign(mb[:], signatureHasher())
	if err != nil {
		return out, fmt.Errorf("credential: signing: %w", err)
	}
	copy(out[:], sig)
	return out, nil
}

type issuerFileJSON struct {
	Kind   string `json:"kind"`
	Seed   string `json:"seed"`
	Public string `json:"public"`
}

const issuerFileKind = "tacit-issuer-key/v1"

// MarshalJSON writes the key file: the seed and, for reference, the public key.
func (s *IssuerSecret) MarshalJSON() ([]byte, error) {
	return json.Marshal(issuerFileJSON{Kind: issuerFileKind, Seed: hex.EncodeToString(s.seed[:]), Public: s.Public().Hex()})
}

// ParseIssuerSecret reads a key file written by MarshalJSON.
func ParseIssuerSecret(data []byte) (*IssuerSecret, error) {
	var w issuerFileJSON
	if err := strictjson.Decode(data, &w, "issuer key file"); err != nil {
		return nil, err
	}
	if w.Kind != issuerFileKind {
		return nil, fmt.Errorf("issuer key file: field \"kind\": want %q", issuerFileKind)
	}
	b, err := parseHex(w.Seed, seedSize)
	if err != nil {
		return nil, fmt.Errorf("issuer key file: field \"seed\": %w", err)
	}
	s, err := issuerFromSeed([seedSize]byte(b))
	if err != nil {
		return nil, err
	}
	if s.Public().Hex() != w.Public {
		return nil, errors.New("issuer key file: field \"public\" does not match the seed")
	}
	return s, nil
}
