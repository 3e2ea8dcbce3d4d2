//go:build !windows

package msauth

import "syscall"

// exclusiveAddrUse is needed only on Windows.
var exclusiveAddrUse func(network, address string, c syscall.RawConn) error

// platformNoIPv6 adds nothing outside Windows: the errno checks cover it.
func platformNoIPv6(error) bool { return false }
