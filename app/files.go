package app

import (
	"errors"
	"os/exec"
	"runtime"
)

// openFolder shows a folder in the platform's file manager. Wails'
// BrowserOpenURL refuses file URLs (wails.md §6.1), so we run the opener.
func openFolder(dir string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", dir)
	case "windows":
		cmd = exec.Command("explorer", dir)
	default:
		cmd = exec.Command("xdg-open", dir)
	}
	if err := cmd.Start(); err != nil {
		return errors.New("no file manager could be opened; the folder is " + dir)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
