package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestMakeRunTakesAnAddress: `make run ADDR=...` passes the address to
// `tacit serve --addr`, and the default stays 127.0.0.1:8080.
func TestMakeRunTakesAnAddress(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	for _, tc := range []struct{ args, want string }{
		{"ADDR=127.0.0.1:9000", "serve --dev --addr 127.0.0.1:9000"},
		{"", "serve --dev --addr 127.0.0.1:8080"},
	} {
		args := []string{"-n", "-C", "../..", "run"}
		if tc.args != "" {
			args = append(args, tc.args)
		}
		out, err := exec.Command("make", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("make %v: %v\n%s", args, err, out)
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("make %v does not run %q:\n%s", args, tc.want, out)
		}
	}
}
