package wallet_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBrowserProverDeps: the browser prover (web/wasm) carries the prover
// and nothing of the service: no HTTP framework, no Redis, no server, no
// exporters, no HTTP client.
func TestBrowserProverDeps(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "github.com/tacit-zk/tacit/web/wasm")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list returned too little: %v", deps)
	}
	for _, d := range deps {
		for _, bad := range []string{"github.com/labstack/", "github.com/redis/", "github.com/tacit-zk/tacit/server", "github.com/tacit-zk/tacit/interop", "github.com/tacit-zk/tacit/audit", "github.com/tacit-zk/tacit/ceremony"} {
			if strings.HasPrefix(d, bad) {
				t.Errorf("the browser prover imports %s", d)
			}
		}
		if d == "net/http" {
			t.Error("the browser prover imports net/http")
		}
	}
	if !slices.Contains(deps, "github.com/tacit-zk/tacit/prover") {
		t.Error("the browser prover does not import the prover")
	}
}
