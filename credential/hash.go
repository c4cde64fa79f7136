package credential

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
)

// The sponge's Poseidon2 instance: width 3 (capacity 1, rate 2), 8 full and
// 56 partial rounds, round constants from gnark-crypto's deterministic
// generator. circuits/gadget uses the same parameters.
const (
	SpongeWidth        = 3
	SpongeFullRounds   = 8
	SpongePartialRound = 56
)

// Domain tags. Each hash in tacit names its purpose and version.
const (
	TagCredential = "tacit/credential/v1"
	TagSubject    = "tacit/subject/v1"
	TagPseudonym  = "tacit/pseudonym/v1"
)

var permutation = poseidon2.NewPermutation(SpongeWidth, SpongeFullRounds, SpongePartialRound)

// DomainTag is the sponge's initial capacity for a hash of n elements under
// tag: sha256(tag || 0x00 || n as uint32) with the top three bits cleared, so
// it is a canonical field element. Binding n makes the fixed-length sponge
// injective without padding rules.
func DomainTag(tag string, n int) fr.Element {
	var nb [4]byte
	binary.BigEndian.PutUint32(nb[:], uint32(n))
	return TagDigest(tag, nb[:])
}

// TagDigest maps data to a field element under a domain tag:
// sha256(tag || 0x00 || data) with the top three bits cleared, so that it
// is a canonical field element (below 2^253, and so below the modulus).
// DomainTag, the policy hash and the lender identifier are all TagDigests.
func TagDigest(tag string, data []byte) fr.Element {
	h := sha256.New()
	h.Write([]byte(tag))
	h.Write([]byte{0})
	h.Write(data)
	sum := h.Sum(nil)
	sum[0] &= 0x1f
	var e fr.Element
	e.SetBigInt(new(big.Int).SetBytes(sum))
	return e
}

// Hash is tacit's domain-separated Poseidon2 sponge over field elements:
// the state starts as [DomainTag(tag, len(elems)), 0, 0]; each pair of
// elements is added into the two rate cells and the state permuted (an odd
// last element is paired with zero); the digest is the first rate cell.
func Hash(tag string, elems ...fr.Element) fr.Element {
	state := make([]fr.Element, SpongeWidth)
	state[0] = DomainTag(tag, len(elems))
	for i := 0; i < len(elems); i += 2 {
		state[1].Add(&state[1], &elems[i])
		if i+1 < len(elems) {
			state[2].Add(&state[2], &elems[i+1])
		}
		if err := permutation.Permutation(state); err != nil {
			panic(err) // the width is fixed above, so this cannot happen
		}
	}
	if len(elems) == 0 {
		if err := permutation.Permutation(state); err != nil {
			panic(err)
		}
	}
	return state[1]
}
