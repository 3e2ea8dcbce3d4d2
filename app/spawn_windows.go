//go:build windows

package app

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// detached: no console, and a process group of its own, so a Ctrl+C or
// Ctrl+Break meant for the window's console group does not reach it.
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		CreationFlags: windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP,
		HideWindow:    true,
	}
}
