package app

import (
	"os/exec"
	"path/filepath"
)

// startDetached starts a program that outlives this process: in a session
// (Unix) or process group (Windows) of its own, so the window's exit or a
// signal to its terminal does not reach it, with nothing on its standard
// streams (it logs to its own file). It does not wait for the program.
func startDetached(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	// Not the caller's folder, which may be a mount that goes away.
	cmd.Dir = filepath.Dir(name)
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}
