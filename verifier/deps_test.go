package verifier_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestVerifierImportsStayLean: a lender who imports verifier must not pull
// in the prover, echo, Redis or an HTTP server.
func TestVerifierImportsStayLean(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/tacit-zk/tacit/verifier").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list returned too little: %v", deps)
	}
	forbidden := []string{"github.com/tacit-zk/tacit/prover", "github.com/tacit-zk/tacit/server", "github.com/tacit-zk/tacit/cmd", "github.com/labstack/echo", "github.com/redis/", "net/http"}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") || (strings.HasSuffix(f, "/") && strings.HasPrefix(d, f)) {
				t.Errorf("verifier depends on %s", d)
			}
		}
	}
}

// TestDependenciesPointOneWay checks cmd -> server -> prover -> verifier ->
// keys -> circuits -> statement -> credential: no package imports one above it.
func TestDependenciesPointOneWay(t *testing.T) {
	order := []string{"credential", "statement", "circuits", "keys", "verifier", "prover", "server", "cmd"}
	rank := func(pkg string) int {
		rest := strings.TrimPrefix(pkg, "github.com/tacit-zk/tacit/")
		if rest == pkg {
			return -1
		}
		for i, top := range order {
			if rest == top || strings.HasPrefix(rest, top+"/") {
				return i
			}
		}
		return -1
	}
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/tacit-zk/tacit/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		from := rank(f[0])
		for _, imp := range f[1:] {
			if to := rank(imp); from >= 0 && to > from {
				t.Errorf("%s imports %s, against the dependency direction", f[0], imp)
			}
		}
	}
}

// TestEchoAndRedisStayInServer: echo v4 loses security support at the end
// of 2026, so that every echo import (and every go-redis import) lives under
// server/, where a migration has one place to look.
func TestEchoAndRedisStayInServer(t *testing.T) {
	out, err := exec.Command("go", "list", "-test", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/tacit-zk/tacit/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list returned too little: %q", out)
	}
	for _, line := range lines {
		f := strings.Fields(line)
		pkg := strings.Fields(strings.ReplaceAll(f[0], "[", " "))[0]
		if strings.HasPrefix(pkg, "github.com/tacit-zk/tacit/server") {
			continue
		}
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, "github.com/labstack/echo") || strings.HasPrefix(imp, "github.com/redis/") {
				t.Errorf("%s imports %s outside server/", f[0], imp)
			}
		}
	}
}

// TestNoLayerNamesAStatement: the layers above the statement kit are
// generic. No package under server/, verifier/, prover/, interop/ or cmd/
// imports a statement's package (circuits/<name>); only circuits/circuits.go
// registers them. Tests may.
func TestNoLayerNamesAStatement(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "github.com/tacit-zk/tacit/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/tacit-zk/tacit/"
	layers := []string{"server", "verifier", "prover", "interop", "cmd"}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		rest := strings.TrimPrefix(f[0], mod)
		inLayer := false
		for _, l := range layers {
			inLayer = inLayer || rest == l || strings.HasPrefix(rest, l+"/")
		}
		if !inLayer {
			continue
		}
		checked++
		for _, imp := range f[1:] {
			sub, ok := strings.CutPrefix(imp, mod+"circuits/")
			if ok && sub != "gadget" {
				t.Errorf("%s imports the statement package %s; go through circuits and statement instead", f[0], imp)
			}
		}
	}
	if checked < 8 {
		t.Fatalf("only %d packages checked", checked)
	}
}
