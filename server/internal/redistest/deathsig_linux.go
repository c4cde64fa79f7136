package redistest

import "syscall"

// dieWithParent has the kernel kill a Redis server when the test binary
// dies, so that a crashed or killed test leaves no server behind.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
