//go:build !linux

package redistest

import "syscall"

// dieWithParent has no portable equivalent off Linux: a server outlives a
// test binary that dies without running its cleanups.
func dieWithParent() *syscall.SysProcAttr { return nil }
