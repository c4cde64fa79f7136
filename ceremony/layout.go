package ceremony

// gnark's decoders allocate whatever a file declares (a uint64 domain
// size, uint32 slice lengths) before reading a point, so a crafted file
// could make a verifier allocate terabytes. Every body is therefore
// checked against the exact layout gnark writes (compressed points) for
// the ceremony's sizes before it is decoded.

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Sizes of gnark-crypto's compressed BN254 encodings.
const (
	g1Size    = 32
	g2Size    = 64
	proofSize = g1Size + g2Size // an mpcsetup.UpdateProof
)

// commonsSize is the length of a serialized SrsCommons of domain n.
func commonsSize(n uint64) uint64 {
	return 8 + g2Size + (2*n-2)*g1Size + (n-1)*g2Size + 2*n*g1Size
}

// phase1Size is the length of a serialized Phase1 of domain n after a
// contribution: three update proofs, the parameters, a 32-byte challenge.
func phase1Size(n uint64) uint64 { return 3*proofSize + commonsSize(n) + 1 + 32 }

func checkPhase1Layout(body []byte, n uint64) error {
	if uint64(len(body)) != phase1Size(n) {
		return fmt.Errorf("%d bytes; a phase 1 contribution of domain %d has %d", len(body), n, phase1Size(n))
	}
	if got := binary.BigEndian.Uint64(body[3*proofSize:]); got != n {
		return fmt.Errorf("domain %d, the ceremony's is %d", got, n)
	}
	return nil
}

func checkCommonsLayout(data []byte, n uint64) error {
	if uint64(len(data)) != commonsSize(n) {
		return fmt.Errorf("%d bytes; a sealed phase 1 of domain %d has %d", len(data), n, commonsSize(n))
	}
	if got := binary.BigEndian.Uint64(data); got != n {
		return fmt.Errorf("domain %d, the ceremony's is %d", got, n)
	}
	return nil
}

// slices walks length-prefixed slices of fixed-size points from off and
// checks each length; want < 0 accepts any length that fits.
func slices(data []byte, off uint64, parts ...struct {
	size uint64
	want int64
}) (uint64, error) {
	for i, p := range parts {
		if uint64(len(data)) < off+4 {
			return 0, errors.New("truncated")
		}
		n := uint64(binary.BigEndian.Uint32(data[off:]))
		off += 4
		if p.want >= 0 && n != uint64(p.want) {
			return 0, fmt.Errorf("vector %d has %d points, want %d", i+1, n, p.want)
		}
		if uint64(len(data))-off < n*p.size {
			return 0, fmt.Errorf("vector %d: truncated", i+1)
		}
		off += n * p.size
	}
	return off, nil
}

type vec = struct {
	size uint64
	want int64
}

// checkPhase2Layout checks a serialized Phase2 without commitments: the
// commitment count (0), [δ]₁, PKK, Z (n-1 points), [δ]₂, the update
// proof and the challenge. pkk < 0 accepts any PKK length.
func checkPhase2Layout(body []byte, n uint64, pkk int64) error {
	if len(body) < 2+g1Size {
		return errors.New("truncated")
	}
	if binary.BigEndian.Uint16(body) != 0 {
		return errors.New("commitments are not supported")
	}
	off, err := slices(body, 2+g1Size, vec{g1Size, pkk}, vec{g1Size, int64(n) - 1})
	if err != nil {
		return err
	}
	off += g2Size + proofSize
	if uint64(len(body)) < off+1 {
		return errors.New("truncated")
	}
	if end := off + 1 + uint64(body[off]); uint64(len(body)) != end {
		return fmt.Errorf("%d bytes, the layout gives %d", len(body), end)
	}
	return nil
}

// checkEvalsLayout checks encodeEvals's output: A, B, VKK in 𝔾₁, B in 𝔾₂.
func checkEvalsLayout(data []byte, wires, public int) error {
	off, err := slices(data, 0, vec{g1Size, int64(wires)}, vec{g1Size, int64(wires)}, vec{g1Size, int64(public)}, vec{g2Size, int64(wires)})
	if err != nil {
		return err
	}
	if off != uint64(len(data)) {
		return fmt.Errorf("%d trailing bytes", uint64(len(data))-off)
	}
	return nil
}
