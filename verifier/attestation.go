package verifier

import (
	"encoding/json"
	"fmt"

	"github.com/tacit-zk/tacit/credential"
)

// AttestationVersion is the only attestation layout this package reads.
const AttestationVersion = 1

// Attestation is what a prover hands to a lender.
type Attestation struct {
	Version      int    `json:"version"`
	Statement    string `json:"statement"`    // circuit id, e.g. "no-default/v1"
	VerifyingKey string `json:"verifyingKey"` // sha256 of the verifying key file
	Public       Public `json:"public"`
	Proof        string `json:"proof"` // hex of the gnark-serialized Groth16 proof
}

// Public holds an attestation's public inputs as readable values.
type Public struct {
	Severity  string `json:"severity"`  // status the window must not contain: late30..default
	Window    int    `json:"window"`    // months
	AsOf      string `json:"asOf"`      // YYYY-MM
	Issuer    string `json:"issuer"`    // issuer public key, 64 hex
	Lender    string `json:"lender"`    // lender identifier
	Nonce     string `json:"nonce"`     // 64 hex
	Pseudonym string `json:"pseudonym"` // 64 hex
}

// ParseAttestation decodes an attestation strictly: unknown or duplicate
// fields, trailing data and a missing field are refused.
func ParseAttestation(data []byte) (*Attestation, error) {
	var a Attestation
	if err := credential.DecodeStrict(data, &a, "attestation"); err != nil {
		return nil, err
	}
	if a.Version != AttestationVersion {
		return nil, fmt.Errorf("attestation: field \"version\": must be %d", AttestationVersion)
	}
	for _, f := range []struct{ name, v string }{{"statement", a.Statement}, {"verifyingKey", a.VerifyingKey},
		{"public.severity", a.Public.Severity}, {"public.asOf", a.Public.AsOf}, {"public.issuer", a.Public.Issuer},
		{"public.lender", a.Public.Lender}, {"public.nonce", a.Public.Nonce}, {"public.pseudonym", a.Public.Pseudonym},
		{"proof", a.Proof}} {
		if f.v == "" {
			return nil, fmt.Errorf("attestation: field %q: missing", f.name)
		}
	}
	return &a, nil
}

// MarshalIndent is the file format the CLI writes.
func (a *Attestation) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
