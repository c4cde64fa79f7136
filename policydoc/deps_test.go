package policydoc_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependenciesPointDown: registry sits just above credential, the
// policy document (the policy language) above registry, the policy/v1
// statement above the document, and none of them reaches up to keys,
// verifier, prover, server or cmd (the verifier imports them, so a lender
// still pulls in no prover code).
func TestDependenciesPointDown(t *testing.T) {
	const mod = "github.com/tacit-zk/tacit/"
	for pkg, forbidden := range map[string][]string{
		"registry":        {"circuits", "policydoc", "keys", "verifier", "prover", "server", "cmd"},
		"circuits/policy": {"keys", "verifier", "prover", "server", "cmd"},
		"policydoc":       {"circuits", "statement", "keys", "verifier", "prover", "server", "cmd"},
	} {
		out, err := exec.Command("go", "list", "-deps", mod+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			rest, ok := strings.CutPrefix(dep, mod)
			if !ok {
				if strings.HasPrefix(dep, "net/http") || strings.Contains(dep, "echo") || strings.Contains(dep, "redis") {
					t.Errorf("%s depends on %s", pkg, dep)
				}
				continue
			}
			for _, f := range forbidden {
				if rest == f || strings.HasPrefix(rest, f+"/") {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
