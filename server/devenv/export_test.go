package devenv

import "io"

// SetRunSetup replaces keys.Setup for a test and returns the restore.
func SetRunSetup(f func(dir string, log io.Writer, ids ...string) error) (restore func()) {
	old := runSetup
	runSetup = f
	return func() { runSetup = old }
}
