//go:build windows

package schedlock

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffset is where the locked byte sits: far past any holder info, since
// LockFileEx locks are mandatory and would make the info unreadable.
const lockOffset = 1 << 40

func overlapped() *windows.Overlapped {
	return &windows.Overlapped{Offset: uint32(lockOffset & 0xffffffff), OffsetHigh: uint32(lockOffset >> 32)}
}

// tryLock takes an exclusive LockFileEx lock on f without waiting; false
// means another handle holds it (even one in this process).
func tryLock(f *os.File) (bool, error) {
	err := control(f, func(h windows.Handle) error {
		return windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, overlapped())
	})
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return false, nil
	}
	return err == nil, err
}

func unlock(f *os.File) error {
	return control(f, func(h windows.Handle) error { return windows.UnlockFileEx(h, 0, 1, 0, overlapped()) })
}

func control(f *os.File, op func(h windows.Handle) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	if err := rc.Control(func(fd uintptr) { opErr = op(windows.Handle(fd)) }); err != nil {
		return err
	}
	return opErr
}
