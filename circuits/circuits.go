package circuits

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/circuits/policy"
)

// Curve is the pairing curve of every tacit proof.
const Curve = ecc.BN254

// GnarkVersion is the gnark release the circuits are compiled with; go.mod
// pins it and a test keeps the two in step.
const GnarkVersion = "v0.16.1"

// Input describes one public input.
type Input struct {
	Name  string `json:"name"`
	Check string `json:"check"` // what a verifier must check about it
}

// Info describes a statement's circuit.
type Info struct {
	ID          string
	Description string
	Inputs      []Input
	New         func() frontend.Circuit
}

// ErrUnknown means no circuit has the requested id.
var ErrUnknown = errors.New("circuits: unknown statement")

var all = []Info{
	{
		ID:          nodefault.ID,
		Description: "no month at or above a severity (default: 'default') in the W months before T, in a payment history the issuer signed for this holder",
		Inputs: []Input{
			{"severity", "the status the statement forbids; the one the verifier's policy names"},
			{"window", "months in the window, 1-60; at least the verifier's minimum"},
			{"asOf", "the month T; the month the verifier asked for, neither stale nor in the future"},
			{"asOfDay", "the first day of T; recomputed by the verifier from asOf"},
			{"issuer.x", "issuer key, x; a key the verifier trusts"},
			{"issuer.y", "issuer key, y; a key the verifier trusts"},
			{"lender", "the verifier's own lender identifier"},
			{"nonce", "the verifier's fresh challenge, used once"},
			{"pseudonym", "output: the holder's pseudonym towards this lender"},
		},
		New: func() frontend.Circuit { return &nodefault.Circuit{} },
	},
	{
		ID: policy.ID,
		Description: fmt.Sprintf("a lender's policy: up to %d credentials bound to one holder, each signed by a member of an accredited-issuer set, "+
			"and up to %d rules over the months before T (no month at or above a status, on-time share, sum, average or minimum amount, history length)", policy.Slots, policy.Rules),
		Inputs: policyInputs(),
		New:    func() frontend.Circuit { return &policy.Circuit{} },
	},
}

// policyInputs lists policy/v1's public inputs in circuit order.
func policyInputs() []Input {
	in := []Input{
		{"policy", "the policy hash; recomputed by the verifier from its own policy document"},
		{"asOf", "the month T; the month the verifier asked for, neither stale nor in the future"},
		{"asOfDay", "the first day of T; recomputed by the verifier from asOf"},
		{"lender", "the verifier's own lender identifier"},
		{"nonce", "the verifier's fresh challenge, used once"},
		{"pseudonym", "output: the holder's pseudonym towards this lender"},
	}
	for k := 0; k < policy.Slots; k++ {
		in = append(in,
			Input{fmt.Sprintf("slot[%d].kind", k), "the credential kind the policy asks for in this slot (0: unused)"},
			Input{fmt.Sprintf("slot[%d].root", k), "the issuer set's Merkle root; the current root of the set the policy names (0: unused)"})
	}
	for j := 0; j < policy.Rules; j++ {
		for _, f := range []Input{
			{"kind", "the rule's predicate, from the verifier's policy (0: disabled, and then every field is 0)"},
			{"slot", "the credential slot the rule reads, from the verifier's policy"},
			{"window", "W, the months before T the rule reads (history: the months covered), from the verifier's policy"},
			{"threshold", "the rule's bound (a status, per mille or an amount), from the verifier's policy"},
		} {
			in = append(in, Input{fmt.Sprintf("rule[%d].%s", j, f.Name), f.Check})
		}
	}
	return in
}

// All returns every statement, in a stable order.
func All() []Info { return append([]Info(nil), all...) }

// Lookup returns the statement with the given id.
func Lookup(id string) (Info, error) {
	for _, info := range all {
		if info.ID == id {
			return info, nil
		}
	}
	return Info{}, fmt.Errorf("%w %q", ErrUnknown, id)
}

// Compile builds the circuit's R1CS over BN254.
func Compile(info Info) (constraint.ConstraintSystem, error) {
	ccs, err := frontend.Compile(Curve.ScalarField(), r1cs.NewBuilder, info.New())
	if err != nil {
		return nil, fmt.Errorf("circuits: compiling %s: %w", info.ID, err)
	}
	return ccs, nil
}

// Digest is the sha256 of the constraint system's serialization, in hex.
// It is identical on every run and machine for the same source and gnark
// version.
func Digest(ccs constraint.ConstraintSystem) (string, error) {
	var buf bytes.Buffer
	if _, err := ccs.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("circuits: serializing constraint system: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:]), nil
}
