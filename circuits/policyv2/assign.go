package policyv2

import (
	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/registry"
)

// PublicAssignment returns the public part of a witness (for verification).
func PublicAssignment(p policy.Public) *Circuit {
	v1 := p.Assignment()
	return &Circuit{
		Policy: v1.Policy, AsOf: v1.AsOf, AsOfDay: v1.AsOfDay, Lender: v1.Lender, Nonce: v1.Nonce, Pseudonym: v1.Pseudonym,
		Slots: v1.Slots, Rules: v1.Rules,
	}
}

// Assign builds a full witness. It does not check the statement (see
// policy.Check); an unsatisfying witness fails in the solver. Every
// credential must be of layout v2.
func Assign(p policy.Public, w policy.Witness) (*Circuit, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	a := PublicAssignment(p)
	a.Secret = w.Holder.Element()
	amountSlot := p.AmountSlot()
	a.AmountSlot = amountSlot
	err := w.Fill(p, func(k int, c *credential.Credential, proof registry.Proof) error {
		if err := requireV2(c); err != nil {
			return err
		}
		if k == amountSlot {
			packs := credential.PackAmounts(c.Amounts())
			for i := range packs {
				a.Amounts[i] = packs[i]
			}
		}
		return assignCredential(&a.Credentials[k], c, proof)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func assignCredential(dst *Credential, c *credential.Credential, proof registry.Proof) error {
	parts := c.Parts()
	dst.PeriodStart = int64(c.PeriodStart)
	dst.Months = len(c.Months)
	dst.IssuedAt = int64(c.IssuedAt)
	dst.ExpiresAt = int64(c.ExpiresAt)
	dst.Statuses = parts.Statuses
	dst.AmountsDigest = parts.AmountsDigest
	x, y := c.Issuer.Point()
	dst.Issuer.X, dst.Issuer.Y = x, y
	r, s, err := policy.SignatureOf(c)
	if err != nil {
		return err
	}
	dst.Signature.R.X, dst.Signature.R.Y = r[0], r[1]
	dst.Signature.S = s
	dst.Index = proof.Index
	for d := range proof.Siblings {
		dst.Path[d] = proof.Siblings[d]
	}
	return nil
}

// requireV2 refuses a credential of another layout than v2, naming
// policy/v1 as the statement that reads it.
func requireV2(c *credential.Credential) error {
	return credential.RequireLayout(c, credential.LayoutV2, ID, policy.ID)
}
