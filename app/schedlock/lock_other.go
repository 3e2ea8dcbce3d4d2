//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package schedlock

import "os"

func tryLock(*os.File) (bool, error) { return false, errUnsupported }
func unlock(*os.File) error          { return errUnsupported }
