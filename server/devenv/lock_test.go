package devenv_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/server/devenv"
)

// TestLock: Lock creates the directory (0700); a second Lock on it fails at
// once with ErrLocked, naming the holder's pid, until the first is released.
func TestLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fresh", ".tacit-dev")
	release, err := devenv.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Fatalf("development directory: %v %v", st, err)
	}
	_, err = devenv.Lock(dir)
	if !errors.Is(err, devenv.ErrLocked) || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("second Lock = %v, want ErrLocked naming pid %d", err, os.Getpid())
	}
	release()
	again, err := devenv.Lock(dir)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	again()
}
