package loadtest

import "syscall"

// childAttr makes the kernel send SIGTERM to the service if the bench dies
// without stopping it, so a killed run leaves no server behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
