//go:build !windows

package msauth

import "syscall"

// exclusiveAddrUse is needed only on Windows.
var exclusiveAddrUse func(network, address string, c syscall.RawConn) error
