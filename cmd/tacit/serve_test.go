package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/devenv"
)

// TestServeDevRefusesALockedDirectory: a second `tacit serve --dev` on the
// same development directory fails at once, before any key setup.
func TestServeDevRefusesALockedDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	release, err := devenv.Lock(devDir)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	start := time.Now()
	code, _, errOut := tacit(t, "serve", "--dev", "--addr", "127.0.0.1:0")
	if code != 1 || !strings.Contains(errOut, "in use") || !strings.Contains(errOut, "another `tacit serve --dev`") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v to refuse", d)
	}
}

// TestServePublicURL: a public URL that cannot prefix absolute URLs is a
// usage error, before anything starts.
func TestServePublicURL(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, u := range []string{"tacit.example", "ftp://tacit.example", "https://tacit.example/?x=1", "https://tacit.example/#top"} {
		code, _, errOut := tacit(t, "serve", "--dev", "--addr", "127.0.0.1:0", "--public-url", u)
		if code != 2 || !strings.Contains(errOut, "--public-url") {
			t.Errorf("--public-url %q: exit %d: %s", u, code, errOut)
		}
	}
}
