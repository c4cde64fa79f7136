package devenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFile is the development directory's lock: it holds the pid of the
// `tacit serve --dev` that uses the directory.
const LockFile = "lock"

// ErrLocked means another process uses the development directory.
var ErrLocked = errors.New("devenv: the development directory is in use")

// Lock creates the development directory dir (mode 0700) if need be and
// locks it for this process, failing fast with ErrLocked if another process
// holds it. release unlocks it; the lock also ends with the process.
func Lock(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("devenv: %w", err)
	}
	path := filepath.Join(dir, LockFile)
	release, err = lockFile(path)
	if errors.Is(err, ErrLocked) {
		holder := "another process"
		if data, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(data))); perr == nil {
				holder = fmt.Sprintf("process %d", pid)
			}
		}
		return nil, fmt.Errorf("%w: %s is locked by %s (another `tacit serve --dev` in this directory?); stop it, or run this one elsewhere", ErrLocked, dir, holder)
	}
	if err != nil {
		return nil, fmt.Errorf("devenv: locking %s: %w", dir, err)
	}
	return release, nil
}
