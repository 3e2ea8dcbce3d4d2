//go:build unix

package app

import "syscall"

// detached: a new session, without a controlling terminal.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
