//go:build windows

package msauth

import "syscall"

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
