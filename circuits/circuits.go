package circuits

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/circuits/nodefaultv2"
	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/circuits/policyv2"
	"github.com/tacit-zk/tacit/statement"
)

// Curve is the pairing curve of every tacit proof.
const Curve = ecc.BN254

// GnarkVersion is the gnark release the circuits are compiled with; go.mod
// pins it and a test keeps the two in step.
const GnarkVersion = "v0.16.1"

// statements is the registry: every statement tacit knows, in a stable
// order. Adding a statement is one line here.
var statements = []statement.Statement{nodefault.Statement, nodefaultv2.Statement, policy.Statement, policyv2.Statement}

var mu sync.RWMutex

// Input describes one public input.
type Input = statement.Input

// Info describes a statement's circuit.
type Info struct {
	ID          string
	Description string
	Inputs      []Input
	New         func() frontend.Circuit
	Statement   statement.Statement
}

func infoOf(st statement.Statement) Info {
	return Info{ID: st.ID(), Description: st.Description(), Inputs: st.Inputs(), New: st.Circuit, Statement: st}
}

// ErrUnknown means no statement has the requested id or name.
var ErrUnknown = statement.ErrUnknown

// Register adds a statement (a test's, or an extension's) to the registry.
// Its id and names must be new.
func Register(st statement.Statement) error {
	mu.Lock()
	defer mu.Unlock()
	for _, have := range statements {
		for _, n := range append([]string{st.ID()}, st.Names()...) {
			if n == have.ID() || slices.Contains(have.Names(), n) {
				return fmt.Errorf("circuits: %q is already registered", n)
			}
		}
	}
	statements = append(statements, st)
	return nil
}

// All returns every statement, in a stable order.
func All() []Info {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Info, len(statements))
	for i, st := range statements {
		out[i] = infoOf(st)
	}
	return out
}

// Lookup returns the statement with the given id.
func Lookup(id string) (Info, error) {
	for _, info := range All() {
		if info.ID == id {
			return info, nil
		}
	}
	return Info{}, fmt.Errorf("%w %q", ErrUnknown, id)
}

// Resolve returns the statement a lender asks for by id or by name
// ("no-default", "policy").
func Resolve(name string) (statement.Statement, error) {
	for _, info := range All() {
		if info.ID == name || slices.Contains(info.Statement.Names(), name) {
			return info.Statement, nil
		}
	}
	return nil, fmt.Errorf("%w %q", ErrUnknown, name)
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
