// Package store keeps the app's non-secret state (account email, Recall
// calendar id, last known status, saved admin settings) in small JSON files
// in the config folder. Secrets never go here: they live in package vault.
//
// Each file is an envelope {"schema": N, "data": …}. Writes are atomic (a
// reader sees the old file or the new one, never a mix), and a damaged file
// is moved aside to <name>.bad and reported, never silently discarded.
package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Problem codes returned by this package.
const (
	CodeCorrupt      = "store.corrupt"
	CodeNewerSchema  = "store.newer_schema"
	CodeUnreadable   = "store.unreadable"
	CodeUnwritable   = "store.unwritable"
	CodeInvalidValue = "store.invalid"
)

// maxFileSize bounds what ReadJSON will load: these files hold a few
// hundred bytes, so anything near this is not one of ours.
const maxFileSize = 1 << 20

// BadSuffix is appended to a damaged file's name when it is moved aside.
const BadSuffix = ".bad"

type envelope struct {
	Schema int             `json:"schema"`
	Data   json.RawMessage `json:"data"`
}

// ReadJSON loads the file at path into v. found is false (with a nil
// error) when the file does not exist.
//
// A file written by a newer version of the app (schema above the given
// one) is left untouched and reported as store.newer_schema. A file with
// an older schema is decoded as is: schema changes must stay additive, or
// the caller migrates. A file that cannot be decoded is moved to
// path+".bad" (replacing an older one) and reported as store.corrupt.
func ReadJSON(path string, schema int, v any) (found bool, err error) {
	return readJSON(path, schema, v, moveAside)
}

// PeekJSON is ReadJSON for a reader that does not own the file (another
// process may be its writer): a damaged file is reported as store.corrupt
// but left where it is, for its owner to deal with.
func PeekJSON(path string, schema int, v any) (found bool, err error) {
	return readJSON(path, schema, v, func(path, reason string) *problem.Problem {
		return corrupt(path, reason)
	})
}

// readJSON decodes the file; damaged is how a damaged file is answered.
func readJSON(path string, schema int, v any, damaged func(path, reason string) *problem.Problem) (found bool, err error) {
	if schema < 1 {
		return false, invalidValue(path, "schema must be 1 or more")
	}
	raw, err := readLimited(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if errors.Is(err, errTooLarge) {
		return true, damaged(path, "the file is too large")
	}
	if err != nil {
		return false, unreadable(path, err)
	}

	var env envelope
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&env); err != nil {
		return true, damaged(path, "the file is not valid JSON")
	}
	if dec.More() {
		return true, damaged(path, "the file has extra content after the JSON")
	}
	switch {
	case env.Schema < 1:
		return true, damaged(path, "the file has no schema version")
	case env.Schema > schema:
		return true, newerSchema(path, env.Schema, schema)
	case len(env.Data) == 0 || bytes.Equal(env.Data, []byte("null")):
		return true, damaged(path, "the file has no data")
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		return true, damaged(path, "the data does not have the expected shape")
	}
	return true, nil
}

var errTooLarge = errors.New("file too large")

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file: %w", fs.ErrInvalid)
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxFileSize {
		return nil, errTooLarge
	}
	return raw, nil
}

// WriteJSON replaces the file at path with v in an envelope of the given
// schema. It writes a temporary file (mode 0600) in the same folder,
// flushes it to disk, renames it over path and flushes the folder, so a
// crash leaves either the old file or the new one. The folder is created
// with mode 0700 if missing.
func WriteJSON(path string, schema int, v any) error {
	if schema < 1 {
		return invalidValue(path, "schema must be 1 or more")
	}
	data, err := json.Marshal(v)
	if err != nil {
		return invalidValue(path, fmt.Sprintf("the value cannot be written as JSON (%T)", v))
	}
	out, err := json.MarshalIndent(envelope{Schema: schema, Data: data}, "", "  ")
	if err != nil {
		return invalidValue(path, "the envelope cannot be written as JSON")
	}
	out = append(out, '\n')
	return WriteFileAtomic(path, out)
}

// WriteFileAtomic replaces the file at path with data: a temporary file
// (mode 0600) in the same folder, flushed to disk, renamed over path, and
// the folder flushed, so a crash leaves either the old file or the new one.
// The folder is created with mode 0700 if missing. Errors are
// *problem.Problem values that name the path, never the data.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return unwritable(path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return unwritable(path, err)
	}
	tmpName := tmp.Name()
	committed := false
	defer func() {
		if !committed {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	// CreateTemp already uses 0600 on Unix; this states the intent and
	// covers platforms where it differs.
	if err := tmp.Chmod(0o600); err != nil {
		return unwritable(path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return unwritable(path, err)
	}
	if err := tmp.Sync(); err != nil {
		return unwritable(path, err)
	}
	if err := tmp.Close(); err != nil {
		return unwritable(path, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return unwritable(path, err)
	}
	committed = true
	if err := syncDir(dir); err != nil {
		return unwritable(path, err)
	}
	return nil
}

// syncDir makes the rename durable. Windows cannot open a folder for
// syncing; its rename is already durable once it returns.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Remove deletes the file at path. A missing file is not an error.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return unwritable(path, err)
	}
	return nil
}

// File is a typed JSON file of one schema version.
type File[T any] struct {
	Path   string
	Schema int
}

// Load returns the file's value; found is false, with the zero T, when
// there is no file.
func (f File[T]) Load() (value T, found bool, err error) {
	found, err = ReadJSON(f.Path, f.Schema, &value)
	if err != nil {
		var zero T
		return zero, found, err
	}
	return value, found, nil
}

// Save replaces the file's value atomically.
func (f File[T]) Save(value T) error { return WriteJSON(f.Path, f.Schema, value) }

// Remove deletes the file; a missing file is not an error.
func (f File[T]) Remove() error { return Remove(f.Path) }

// moveAside renames a damaged file to path+".bad", replacing an older one,
// and returns the store.corrupt problem naming both.
// corrupt reports a damaged file that is left where it is.
func corrupt(path, reason string) *problem.Problem {
	return &problem.Problem{
		Code:     CodeCorrupt,
		Title:    "A settings file was damaged",
		Message:  "Outlook Connect found a damaged file in its settings folder.",
		NextStep: "Open Outlook Connect: it puts the damaged file aside and asks you to connect again if needed.",
		Details: []problem.Detail{
			{Label: "File", Value: path},
			{Label: "Reason", Value: reason},
		},
	}
}

func moveAside(path, reason string) *problem.Problem {
	bad := path + BadSuffix
	p := corrupt(path, reason)
	p.Message = "Outlook Connect found a damaged file in its settings folder and put it aside."
	p.NextStep = "Check your settings and connect again if asked. IT can look at the damaged copy named below."
	if err := os.Rename(path, bad); err != nil {
		p.Cause = err
		p.Message = "Outlook Connect found a damaged file in its settings folder and could not put it aside."
		p.NextStep = "Ask IT to remove or repair the file named below, then open Outlook Connect again."
		p.ForAdmin = true
		p.Details = append(p.Details, problem.Detail{Label: "Move aside failed", Value: fmt.Sprintf("%T", err)})
		return p
	}
	p.Details = append(p.Details, problem.Detail{Label: "Moved to", Value: bad})
	return p
}

func newerSchema(path string, found, supported int) *problem.Problem {
	return &problem.Problem{
		Code:     CodeNewerSchema,
		Title:    "Settings from a newer version",
		Message:  "These settings were saved by a newer version of Outlook Connect, and this version cannot read them.",
		NextStep: "Install the latest version of Outlook Connect.",
		Details: []problem.Detail{
			{Label: "File", Value: path},
			{Label: "File schema", Value: fmt.Sprint(found)},
			{Label: "Supported schema", Value: fmt.Sprint(supported)},
		},
	}
}

func unreadable(path string, cause error) *problem.Problem {
	return &problem.Problem{
		Code:      CodeUnreadable,
		Title:     "Settings could not be read",
		Message:   "Outlook Connect could not open a file in its settings folder.",
		NextStep:  "Check that you can open the settings folder named below, then try again.",
		Details:   []problem.Detail{{Label: "File", Value: path}, {Label: "Error type", Value: fmt.Sprintf("%T", cause)}},
		Retryable: true,
		Cause:     cause,
	}
}

func unwritable(path string, cause error) *problem.Problem {
	return &problem.Problem{
		Code:      CodeUnwritable,
		Title:     "Settings could not be saved",
		Message:   "Outlook Connect could not save a file in its settings folder.",
		NextStep:  "Check that there is free disk space and that you can write to the settings folder named below, then try again.",
		Details:   []problem.Detail{{Label: "File", Value: path}, {Label: "Error type", Value: fmt.Sprintf("%T", cause)}},
		Retryable: true,
		Cause:     cause,
	}
}

func invalidValue(path, reason string) *problem.Problem {
	return &problem.Problem{
		Code:     CodeInvalidValue,
		Title:    "Settings could not be saved",
		Message:  "Outlook Connect tried to save something it cannot store.",
		NextStep: "Try again. If it keeps happening, copy the details below and send them to your IT support.",
		Details:  []problem.Detail{{Label: "File", Value: path}, {Label: "Reason", Value: reason}},
	}
}
