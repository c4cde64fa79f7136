package interop

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// PublicInputs returns the public inputs of an attestation that answers
// req, as field elements in the circuit's order. It checks their ranges,
// not the proof. With req nil the request is rebuilt from the attestation
// (verifier.Claim), which works for statements whose public inputs the
// attestation alone gives; a policy/v1 attestation needs the lender's
// policy document, and without it the error wraps verifier.ErrNeedsRequest.
func PublicInputs(att *verifier.Attestation, req statement.Request) ([]fr.Element, error) {
	if req == nil {
		var err error
		if req, err = verifier.Claim(att); err != nil {
			return nil, fmt.Errorf("interop: %w", err)
		}
	}
	if id := req.Statement().ID(); id != att.Statement {
		return nil, fmt.Errorf("interop: the attestation proves %s, the request is for %s", att.Statement, id)
	}
	vec, err := verifier.PublicWitness(att, req)
	if err != nil {
		return nil, fmt.Errorf("interop: %w", err)
	}
	return vec, nil
}

// Proof decodes an attestation's proof (hex of gnark's serialization).
func Proof(att *verifier.Attestation) (*groth16bn254.Proof, error) {
	b, err := hex.DecodeString(att.Proof)
	if err != nil {
		return nil, fmt.Errorf("interop: attestation field \"proof\": %w", err)
	}
	proof := groth16.NewProof(circuits.Curve)
	n, err := proof.ReadFrom(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("interop: attestation field \"proof\": %w", err)
	}
	if n != int64(len(b)) {
		return nil, errors.New("interop: attestation field \"proof\": trailing bytes")
	}
	p, ok := proof.(*groth16bn254.Proof)
	if !ok || len(p.Commitments) != 0 {
		return nil, errors.New("interop: not a plain BN254 Groth16 proof")
	}
	return p, nil
}

// key returns vk as gnark's BN254 type, refusing keys with commitments.
func key(vk groth16.VerifyingKey) (*groth16bn254.VerifyingKey, error) {
	k, ok := vk.(*groth16bn254.VerifyingKey)
	if !ok {
		return nil, errors.New("interop: not a BN254 Groth16 verifying key")
	}
	if len(k.CommitmentKeys) != 0 {
		return nil, errors.New("interop: verifying keys with commitments are not supported")
	}
	return k, nil
}
