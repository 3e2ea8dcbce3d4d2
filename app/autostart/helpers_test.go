package autostart

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// fakeEnv stands in for the process: executable, home, environment and
// temporary folders.
type fakeEnv struct {
	exe   string
	home  string
	vars  map[string]string
	temps []string
}

func (f fakeEnv) executable() (string, error) {
	if f.exe == "" {
		return "", errors.New("no executable")
	}
	return f.exe, nil
}

func (f fakeEnv) homeDir() (string, error) {
	if f.home == "" {
		return "", errors.New("no home")
	}
	return f.home, nil
}

func (f fakeEnv) getenv(k string) string { return f.vars[k] }
func (f fakeEnv) tempDirs() []string     { return f.temps }

// fakeProgram creates an executable file at dir/rel (folders included)
// and returns its path.
func fakeProgram(t *testing.T, dir, rel string) string {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantCode fails unless err is a *problem.Problem with the code, plain
// words and a next step.
func wantCode(t *testing.T, err error, code string) *problem.Problem {
	t.Helper()
	var p *problem.Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T) is not a *problem.Problem", err, err)
	}
	if p.Code != code {
		t.Fatalf("code = %q, want %q (%s)", p.Code, code, p.DetailsText())
	}
	if p.Title == "" || p.Message == "" || p.NextStep == "" {
		t.Fatalf("problem %q lacks plain words: %+v", code, p)
	}
	return p
}

// fakeRegistry is HKEY_CURRENT_USER as a map of "key\x00name" to values.
type fakeRegistry struct {
	strs map[string]string
	bins map[string][]byte
	fail error // returned by every call when set
	sets int
}

func newFakeRegistry() *fakeRegistry {
	return &fakeRegistry{strs: map[string]string{}, bins: map[string][]byte{}}
}

func regKey(key, name string) string { return key + "\x00" + name }

func (r *fakeRegistry) stringValue(key, name string) (string, bool, error) {
	if r.fail != nil {
		return "", false, r.fail
	}
	v, ok := r.strs[regKey(key, name)]
	return v, ok, nil
}

func (r *fakeRegistry) binaryValue(key, name string) ([]byte, bool, error) {
	if r.fail != nil {
		return nil, false, r.fail
	}
	v, ok := r.bins[regKey(key, name)]
	return v, ok, nil
}

func (r *fakeRegistry) setString(key, name, text string) error {
	if r.fail != nil {
		return r.fail
	}
	r.sets++
	r.strs[regKey(key, name)] = text
	return nil
}

func (r *fakeRegistry) deleteValue(key, name string) error {
	if r.fail != nil {
		return r.fail
	}
	delete(r.strs, regKey(key, name))
	delete(r.bins, regKey(key, name))
	return nil
}
