//go:build windows

package msauth

import (
	"errors"
	"syscall"
)

// soExclusiveAddrUse is SO_EXCLUSIVEADDRUSE (~SO_REUSEADDR in winsock2.h).
const soExclusiveAddrUse = ^4

// exclusiveAddrUse sets SO_EXCLUSIVEADDRUSE so that no other program can
// bind the same address and port and steal the redirect (RFC 8252
// Appendix B.3).
func exclusiveAddrUse(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, soExclusiveAddrUse, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

// platformNoIPv6 recognises Winsock's "no IPv6" errors: WSAEADDRNOTAVAIL
// (10049), WSAEAFNOSUPPORT (10047) and WSAEPROTONOSUPPORT (10043).
func platformNoIPv6(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	switch errno {
	case 10049, 10047, 10043:
		return true
	}
	return false
}
