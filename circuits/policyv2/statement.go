package policyv2

import (
	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/statement"
)

// Statement is policy/v2 as the statement kit sees it: policy/v1's
// language, public inputs, attestation section and request plumbing
// (package policy), with this package's circuit and layout-v2 credentials.
var Statement statement.Statement = policy.NewStatement(policy.Spec{
	ID:      ID,
	Names:   []string{"policy"},
	Circuit: func() frontend.Circuit { return &Circuit{} },
	Assign:  func(p policy.Public, w policy.Witness) (frontend.Circuit, error) { return Assign(p, w) },
	Public:  func(p policy.Public) frontend.Circuit { return PublicAssignment(p) },
	Layout:  requireV2,
})
