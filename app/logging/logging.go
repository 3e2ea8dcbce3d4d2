// Package logging writes the app's log: JSON lines in a rotating file in
// the logs folder, behind a Guard that keeps secrets out of it.
package logging

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/natefinch/lumberjack.v2"
)

// FileName is the window's active log file in the logs folder; rotated
// files sit next to it with a timestamp in their names.
const FileName = "outlook-connect.log"

// BackgroundFileName is the background helper's log (issue 14). Each
// process writes a file of its own: two lumberjack loggers rotating one
// file would rename it under each other and lose lines.
const BackgroundFileName = "background.log"

const (
	defaultMaxSizeMB  = 5
	defaultMaxBackups = 5
)

// Options configure Setup.
type Options struct {
	// Dir is the logs folder (<config dir>/logs). Created 0700.
	Dir string
	// FileName is the log file's name in Dir; FileName when empty. It must
	// be a plain name, and no two processes may share one.
	FileName string
	// Level is the minimum level written; info when nil.
	Level slog.Leveler
	// Stderr also writes human-readable lines to StderrWriter (for
	// `wails dev`), through the same guard.
	Stderr bool
	// StderrWriter is os.Stderr when nil.
	StderrWriter io.Writer
	// MaxSizeMB and MaxBackups bound the files kept (default 5 MB × 5).
	MaxSizeMB  int
	MaxBackups int
}

// Setup opens the log. The returned Guard scrubs every record; register
// secrets with it as soon as they are known. Close the Closer on exit.
func Setup(opts Options) (*slog.Logger, *Guard, io.Closer, error) {
	if opts.Dir == "" {
		return nil, nil, nil, errors.New("logging: no logs folder")
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, nil, nil, fmt.Errorf("logging: create logs folder: %w", err)
	}
	// MkdirAll leaves an existing folder's mode alone; logs are private.
	if err := os.Chmod(opts.Dir, 0o700); err != nil {
		return nil, nil, nil, fmt.Errorf("logging: protect logs folder: %w", err)
	}
	name := opts.FileName
	if name == "" {
		name = FileName
	}
	if name != filepath.Base(name) || name == "." || name == ".." {
		return nil, nil, nil, fmt.Errorf("logging: %q is not a file name", name)
	}
	path := filepath.Join(opts.Dir, name)
	// Create the file 0600 ourselves: lumberjack keeps an existing file's
	// mode when it rotates, so every later file stays private too.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("logging: open log file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, nil, nil, fmt.Errorf("logging: open log file: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, nil, nil, fmt.Errorf("logging: protect log file: %w", err)
	}

	size, backups := opts.MaxSizeMB, opts.MaxBackups
	if size <= 0 {
		size = defaultMaxSizeMB
	}
	if backups <= 0 {
		backups = defaultMaxBackups
	}
	file := &lumberjack.Logger{Filename: path, MaxSize: size, MaxBackups: backups}

	level := opts.Level
	if level == nil {
		level = slog.LevelInfo
	}
	var h slog.Handler = slog.NewJSONHandler(file, &slog.HandlerOptions{Level: level})
	if opts.Stderr {
		w := opts.StderrWriter
		if w == nil {
			w = os.Stderr
		}
		h = slog.NewMultiHandler(h, slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	}
	guard := NewGuard()
	return slog.New(guard.Handler(h)), guard, file, nil
}

// ScanForSecrets walks every file under dir and returns the paths of files
// holding any of the secrets, as is or in a common encoding (URL, JSON,
// hex, base64 at any alignment). Used by end-to-end tests to prove that
// nothing the app wrote leaks a secret. Empty secrets are ignored.
func ScanForSecrets(dir string, secrets ...string) ([]string, error) {
	var patterns [][]byte
	for _, s := range secrets {
		if s == "" {
			continue
		}
		patterns = append(patterns, []byte(s))
		for _, f := range encodedForms(s) {
			patterns = append(patterns, []byte(f))
		}
	}
	var hits []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, p := range patterns {
			if bytes.Contains(data, p) {
				hits = append(hits, path)
				break
			}
		}
		return nil
	})
	sort.Strings(hits)
	return hits, err
}
