package policy_test

import (
	"testing"

	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/circuits/policy/policytest"
	"github.com/tacit-zk/tacit/credential"
)

// TestPrecheck: policytest.Precheck on policy/v1 with layout-v1 credentials.
func TestPrecheck(t *testing.T) { policytest.Precheck(t, policy.Statement, credential.LayoutV1) }
