package nodefaultv2

import (
	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/credential"
)

// Statement is no-default/v2 as the statement kit sees it: package
// nodefault's plumbing with this package's circuit. It is the default
// version: the short names (no-default, no-late90, ...) resolve to it.
var Statement = nodefault.NewStatement(nodefault.Version{
	ID: ID, Short: true, Layout: credential.LayoutV2, Other: nodefault.ID,
	Circuit: func() frontend.Circuit { return &Circuit{} },
	Assign: func(p Public, c *credential.Credential, s credential.HolderSecret) (frontend.Circuit, error) {
		return Assign(p, c, s)
	},
	Public: func(p Public) frontend.Circuit { return PublicAssignment(p) },
})
