package nodefaultv2

import (
	"github.com/tacit-zk/tacit/circuits/gadget/eddsa"
	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/credential"
)

// Public is no-default/v1's: the two versions have the same public inputs.
type Public = nodefault.Public

// PublicAssignment returns the public part of a witness (for verification).
func PublicAssignment(p Public) *Circuit {
	x, y := p.Issuer.Point()
	return &Circuit{
		Severity: uint64(p.Severity), Window: p.Window,
		AsOf: int64(p.AsOf), AsOfDay: int64(p.AsOf.FirstDay()),
		Issuer: eddsa.Point{X: x, Y: y}, Lender: p.Lender, Nonce: p.Nonce, Pseudonym: p.Pseudonym,
	}
}

// Assign builds a full witness from a layout v2 credential. It does not
// check the statement (see nodefault.Check); an unsatisfying witness fails
// in the solver.
func Assign(p Public, c *credential.Credential, secret credential.HolderSecret) (*Circuit, error) {
	sig, err := nodefault.Signature(c)
	if err != nil {
		return nil, err
	}
	parts := c.Parts()
	w := PublicAssignment(p)
	w.Secret = secret.Element()
	w.PeriodStart, w.Months = int64(c.PeriodStart), len(c.Months)
	w.IssuedAt, w.ExpiresAt = int64(c.IssuedAt), int64(c.ExpiresAt)
	w.Statuses, w.AmountsDigest = parts.Statuses, parts.AmountsDigest
	w.Signature = eddsa.Signature{R: eddsa.Point{X: sig.R.X, Y: sig.R.Y}, S: sig.S[:]}
	return w, nil
}
