package verifier

import (
	"encoding/json"
	"fmt"

	policycircuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/internal/strictjson"
)

// policyStatement is the statement whose attestations carry a policy section.
const policyStatement = policycircuit.ID

// AttestationVersion is the only attestation layout this package reads.
const AttestationVersion = 1

// Attestation is what a prover hands to a lender.
type Attestation struct {
	Version      int    `json:"version"`
	Statement    string `json:"statement"`    // circuit id, e.g. "no-default/v1"
	VerifyingKey string `json:"verifyingKey"` // sha256 of the verifying key file
	Public       Public `json:"public"`
	// Policy is set for policy/v1 attestations only (and omitted
	// otherwise, so no-default attestations are unchanged).
	Policy *PolicyPublic `json:"policy,omitempty"`
	Proof  string        `json:"proof"` // hex of the gnark-serialized Groth16 proof
}

// Public holds an attestation's public inputs as readable values.
// Severity, Window and Issuer belong to no-default/v1 and are absent from
// policy/v1 attestations.
type Public struct {
	Severity  string `json:"severity,omitempty"` // status the window must not contain: late30..default
	Window    int    `json:"window,omitempty"`   // months
	AsOf      string `json:"asOf"`               // YYYY-MM
	Issuer    string `json:"issuer,omitempty"`   // issuer public key, 64 hex
	Lender    string `json:"lender"`             // lender identifier
	Nonce     string `json:"nonce"`              // 64 hex
	Pseudonym string `json:"pseudonym"`          // 64 hex
}

// PolicyPublic is a policy/v1 attestation's policy section: which policy
// it answers and the issuer-set roots its credentials were proven against.
// The verifier derives the rules from its own copy of the policy.
type PolicyPublic struct {
	ID    string   `json:"id"`    // the policy's id (the hash binds it)
	Hash  string   `json:"hash"`  // the policy hash, 64 hex
	Roots []string `json:"roots"` // one issuer-set root per policy credential, 64 hex
}

// ParseAttestation decodes an attestation strictly: unknown or duplicate
// fields, trailing data and a missing field are refused.
func ParseAttestation(data []byte) (*Attestation, error) {
	var a Attestation
	if err := strictjson.Decode(data, &a, "attestation"); err != nil {
		return nil, err
	}
	if a.Version != AttestationVersion {
		return nil, fmt.Errorf("attestation: field \"version\": must be %d", AttestationVersion)
	}
	if err := a.checkFields(); err != nil {
		return nil, err
	}
	return &a, nil
}

// checkFields refuses a missing field, and fields of the other statement:
// policy/v1 attestations carry a policy section and no severity, window or
// issuer; the others carry those and no policy section.
func (a *Attestation) checkFields() error {
	isPolicy := a.Statement == policyStatement
	type field struct {
		name    string
		present bool
	}
	fields := []field{{"statement", a.Statement != ""}, {"verifyingKey", a.VerifyingKey != ""}}
	if !isPolicy {
		fields = append(fields, field{"public.severity", a.Public.Severity != ""}, field{"public.window", a.Public.Window != 0})
	}
	fields = append(fields, field{"public.asOf", a.Public.AsOf != ""})
	if !isPolicy {
		fields = append(fields, field{"public.issuer", a.Public.Issuer != ""})
	}
	fields = append(fields, field{"public.lender", a.Public.Lender != ""}, field{"public.nonce", a.Public.Nonce != ""},
		field{"public.pseudonym", a.Public.Pseudonym != ""})
	if isPolicy {
		p := a.Policy
		fields = append(fields, field{"policy", p != nil}, field{"policy.id", p != nil && p.ID != ""},
			field{"policy.hash", p != nil && p.Hash != ""}, field{"policy.roots", p != nil && len(p.Roots) > 0})
	}
	fields = append(fields, field{"proof", a.Proof != ""})
	for _, f := range fields {
		if !f.present {
			return fmt.Errorf("attestation: field %q: missing", f.name)
		}
	}
	switch {
	case isPolicy && (a.Public.Severity != "" || a.Public.Window != 0 || a.Public.Issuer != ""):
		return fmt.Errorf("attestation: %s attestations carry no public.severity, public.window or public.issuer", policyStatement)
	case !isPolicy && a.Policy != nil:
		return fmt.Errorf("attestation: field \"policy\": only %s attestations carry a policy", policyStatement)
	}
	return nil
}

// MarshalIndent is the file format the CLI writes.
func (a *Attestation) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
