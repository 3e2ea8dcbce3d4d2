package app

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"time"
)

// The helper stops when its program is uninstalled. Package managers
// remove files but never stop a person's processes (apt, dnf, brew
// uninstall of an app the window started), so without this a helper would
// keep scheduling bots for an app that is gone until the person signs out.
// An upgrade replaces the file by a rename, so the path never disappears;
// a Homebrew upgrade removes the old app before copying the new one, hence
// the grace: the program must be missing twice, programGrace apart.
var (
	programCheckInterval = time.Minute
	programGrace         = 30 * time.Second
)

// errProgramRemoved ends the helper's context when its program is gone.
var errProgramRemoved = errors.New("the program was removed (uninstalled)")

// programMissing reports whether nothing is at path any more. Any other
// error (permissions, a slow network home) is not taken as an uninstall.
func programMissing(path string) bool {
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// watchProgram calls gone once path has been missing at two checks
// programGrace apart, and returns when it did or when ctx ends. A path
// that is missing from the start (an already-deleted program) is never
// watched: there is nothing to compare against.
func watchProgram(ctx context.Context, path string, gone func()) {
	if path == "" || programMissing(path) {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(programCheckInterval):
		}
		if !programMissing(path) {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(programGrace):
		}
		if programMissing(path) {
			gone()
			return
		}
	}
}
