package interop

import (
	"encoding/binary"
	"fmt"
	"io"

	"golang.org/x/crypto/sha3"

	"github.com/consensys/gnark/backend/groth16"

	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// Solidity writes gnark's Solidity verifier for vk: a contract Verifier
// whose verifyProof(bytes proof, uint256[n] input) reverts unless the
// proof verifies.
func Solidity(w io.Writer, vk groth16.VerifyingKey) error {
	k, err := key(vk)
	if err != nil {
		return err
	}
	if err := k.ExportSolidity(w); err != nil {
		return fmt.Errorf("interop: exporting Solidity: %w", err)
	}
	return nil
}

// Signature is the Solidity signature of the exported verifier's entry
// point for n public inputs.
func Signature(n int) string { return fmt.Sprintf("verifyProof(bytes,uint256[%d])", n) }

// Selector is the first four bytes of keccak256(Signature(n)).
func Selector(n int) [4]byte {
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(Signature(n)))
	var s [4]byte
	copy(s[:], h.Sum(nil))
	return s
}

// Calldata ABI-encodes the call verifyProof(proof, input) for att: the
// selector, the offset of the bytes argument, the n inputs, then the
// proof's length (256) and its points in EIP-197 order (gnark's
// MarshalSolidity: A, B with the imaginary parts first, C). req is the
// request att answers (nil: see PublicInputs).
func Calldata(att *verifier.Attestation, req statement.Request) ([]byte, error) {
	inputs, err := PublicInputs(att, req)
	if err != nil {
		return nil, err
	}
	proof, err := Proof(att)
	if err != nil {
		return nil, err
	}
	raw := proof.MarshalSolidity()
	n := len(inputs)
	sel := Selector(n)
	out := append([]byte(nil), sel[:]...)
	out = append(out, word(uint64(32*(1+n)))...) // the bytes argument follows the head
	for i := range inputs {
		b := inputs[i].Bytes()
		out = append(out, b[:]...)
	}
	out = append(out, word(uint64(len(raw)))...)
	out = append(out, raw...)
	if pad := len(raw) % 32; pad != 0 {
		out = append(out, make([]byte, 32-pad)...)
	}
	return out, nil
}

func word(v uint64) []byte {
	var w [32]byte
	binary.BigEndian.PutUint64(w[24:], v)
	return w[:]
}
