//go:build !unix

package devenv

import (
	"errors"
	"fmt"
	"os"
)

// lockFile creates path exclusively with the pid in it, and removes it on
// release. A process that dies without releasing leaves the file behind;
// remove it by hand.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "%d\n", os.Getpid())
	f.Close()
	return func() { os.Remove(path) }, nil
}
