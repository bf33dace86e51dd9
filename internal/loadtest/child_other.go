//go:build !linux

package loadtest

import "syscall"

// childAttr has nothing to add off Linux.
func childAttr() *syscall.SysProcAttr { return nil }
