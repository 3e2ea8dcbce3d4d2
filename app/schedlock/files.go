package schedlock

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// errUnsupported: this OS has no lock this package knows how to use.
var errUnsupported = errors.New("file locks are not supported on " + runtime.GOOS)

// maxInfoSize bounds what is read back as holder info: a line of JSON.
const maxInfoSize = 4096

// openLockFile opens (creating) a lock file for locking and writing the
// holder info. The folder is created with mode 0700 and the file is made
// 0600 even if it existed with wider permissions.
func openLockFile(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := checkFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

var errNotRegular = errors.New("the lock file is not a regular file")

func checkFile(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return errNotRegular
	}
	// Windows keeps access in ACLs (the profile folder's); Chmod there only
	// toggles read-only.
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		return f.Chmod(0o600)
	}
	return nil
}

// tryLockPath opens path and takes its lock without waiting. It returns
// (nil, nil) when another open file holds the lock.
func tryLockPath(path string) (*os.File, error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	return lockOpened(path, f)
}

// lockOpened takes the lock of f, opened from path, without waiting, and
// closes f unless it returns it.
func lockOpened(path string, f *os.File) (*os.File, error) {
	ok, err := tryLock(f)
	if err != nil || !ok {
		f.Close()
		return nil, err
	}
	// The file may have been replaced between open and lock; a lock on a
	// file that no longer has this name protects nothing.
	if !namesFile(path, f) {
		_ = unlock(f)
		f.Close()
		return nil, nil
	}
	return f, nil
}

// namesFile reports whether path still refers to the open file f.
func namesFile(path string, f *os.File) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// release unlocks and closes a held lock file.
func release(f *os.File) error {
	// Closing drops the lock anyway; the unlock only makes it prompt on
	// systems that release asynchronously (Windows).
	_ = unlock(f)
	return f.Close()
}

// probe reports whether some open file holds path's lock, and if so (and
// withInfo) the holder info written in it. A missing file is not held. The
// probe takes the lock for an instant when it is free, so another
// process's try at that instant fails and retries at its next poll.
func probe(path string, withInfo bool) (Info, bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, false, nil
	}
	if err != nil {
		return Info{}, false, err
	}
	defer f.Close()
	ok, err := tryLock(f)
	if err != nil {
		return Info{}, false, err
	}
	if ok {
		return Info{}, false, unlock(f)
	}
	if !withInfo {
		return Info{}, true, nil
	}
	return readInfo(f), true, nil
}

// writeInfo replaces the holder info in a held lock file. It is for display
// only, so a failure is ignored: the lock itself is what counts.
func writeInfo(f *os.File, info Info) {
	b, err := json.Marshal(info)
	if err != nil {
		return
	}
	b = append(b, '\n')
	if _, err := f.WriteAt(b, 0); err == nil {
		_ = f.Truncate(int64(len(b)))
	}
}

// clearInfo empties a lock file before it is released, so no info outlives
// its holder (except after a crash, which probe ignores).
func clearInfo(f *os.File) { _ = f.Truncate(0) }

// readInfo reads the holder info; anything unreadable gives the zero Info
// (held by someone, details unknown: it may be mid-write).
func readInfo(f *os.File) Info {
	raw, err := io.ReadAll(io.LimitReader(io.NewSectionReader(f, 0, maxInfoSize), maxInfoSize))
	if err != nil {
		return Info{}
	}
	var info Info
	if json.Unmarshal(raw, &info) != nil || !info.Role.valid() || info.PID <= 0 {
		return Info{}
	}
	info.Since = info.Since.UTC()
	return info
}

// Info says who holds a lock, for display only.
type Info struct {
	Role  Role      `json:"role"`
	PID   int       `json:"pid"`
	Since time.Time `json:"since"`
}
