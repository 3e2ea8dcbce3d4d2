//go:build !unix && !windows

package app

import "syscall"

// detached: nothing to set on systems the app is not built for.
func detached() *syscall.SysProcAttr { return nil }
