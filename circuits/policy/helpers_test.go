package policy_test

import (
	"testing"

	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/circuits/policy/policytest"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/registry"
)

// The worked example's parties and helpers, in layout v1 (policytest).
var (
	bankA, bankB, tax, rogue = policytest.BankA, policytest.BankB, policytest.Tax, policytest.Rogue
	holder, lender, asOf     = policytest.Holder, policytest.Lender, policytest.AsOf
	revenue                  = policytest.Revenue
)

func sets(testing.TB) (*registry.Set, *registry.Set) { return policytest.Sets() }

func sign(t testing.TB, issuer *credential.IssuerSecret, kind credential.Kind, secret credential.HolderSecret, h credential.History, expires string) *credential.Credential {
	t.Helper()
	return policytest.Sign(t, credential.LayoutV1, issuer, kind, secret, h, expires)
}

func full(t testing.TB) (policy.Public, policy.Witness) {
	t.Helper()
	return policytest.Full(t, credential.LayoutV1)
}
