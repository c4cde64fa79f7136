package interop_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsStayLean: the ceremony, the audit and the interop exports are
// tools for contributors, auditors and relying parties; none pulls in the
// prover, the server, echo or Redis, and only the audit speaks HTTP.
func TestImportsStayLean(t *testing.T) {
	for pkg, allowHTTP := range map[string]bool{"ceremony": false, "audit": true, "interop": false} {
		out, err := exec.Command("go", "list", "-deps", "github.com/tacit-zk/tacit/"+pkg).Output()
		if err != nil {
			t.Fatalf("go list: %v", err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("go list returned too little: %v", deps)
		}
		forbidden := []string{"github.com/tacit-zk/tacit/prover", "github.com/tacit-zk/tacit/server", "github.com/tacit-zk/tacit/cmd", "github.com/labstack/echo", "github.com/redis/"}
		if !allowHTTP {
			forbidden = append(forbidden, "net/http")
		}
		for _, d := range deps {
			for _, f := range forbidden {
				if d == f || strings.HasPrefix(d, strings.TrimSuffix(f, "/")+"/") {
					t.Errorf("%s depends on %s", pkg, d)
				}
			}
		}
	}
}
