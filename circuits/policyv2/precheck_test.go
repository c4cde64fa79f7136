package policyv2_test

import (
	"testing"

	"github.com/tacit-zk/tacit/circuits/policy/policytest"
	"github.com/tacit-zk/tacit/circuits/policyv2"
	"github.com/tacit-zk/tacit/credential"
)

// TestPrecheck: policytest.Precheck on policy/v2 with layout-v2 credentials.
func TestPrecheck(t *testing.T) { policytest.Precheck(t, policyv2.Statement, credential.LayoutV2) }
