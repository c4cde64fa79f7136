package interop

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/verifier"
)

// ErrUnsupported means the attestation's statement has no conversion.
var ErrUnsupported = errors.New("interop: statement not supported (only no-default/v1)")

// PublicInputs returns an attestation's public inputs as field elements,
// in the circuit's order. It checks their ranges, not the proof.
func PublicInputs(att *verifier.Attestation) ([]fr.Element, error) {
	if att.Statement != nodefault.ID {
		return nil, fmt.Errorf("%w: %q", ErrUnsupported, att.Statement)
	}
	var p nodefault.Public
	var err error
	bad := func(field string, err error) error {
		return fmt.Errorf("interop: attestation field \"public.%s\": %w", field, err)
	}
	if p.Severity, err = credential.ParseStatus(att.Public.Severity); err != nil {
		return nil, bad("severity", err)
	}
	p.Window = att.Public.Window
	if p.AsOf, err = credential.ParseMonth(att.Public.AsOf); err != nil {
		return nil, bad("asOf", err)
	}
	if p.Issuer, err = credential.ParseIssuerKey(att.Public.Issuer); err != nil {
		return nil, bad("issuer", err)
	}
	if p.Lender, err = verifier.LenderID(att.Public.Lender); err != nil {
		return nil, bad("lender", err)
	}
	if p.Nonce, err = verifier.ParseNonce(att.Public.Nonce); err != nil {
		return nil, bad("nonce", err)
	}
	if p.Pseudonym, err = credential.ParseFieldHex(att.Public.Pseudonym); err != nil {
		return nil, bad("pseudonym", err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("interop: %w", err)
	}
	w, err := frontend.NewWitness(p.Assignment(), fr.Modulus(), frontend.PublicOnly())
	if err != nil {
		return nil, fmt.Errorf("interop: %w", err)
	}
	vec, ok := w.Vector().(fr.Vector)
	if !ok {
		return nil, errors.New("interop: unexpected witness type")
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
