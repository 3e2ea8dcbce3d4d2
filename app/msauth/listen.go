package msauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
)

// maxBindAttempts bounds how many ports are tried when [::1] is taken on
// the port the OS gave 127.0.0.1.
const maxBindAttempts = 8

// listenTCP binds one address (tests replace it to occupy ports).
var listenTCP = func(ctx context.Context, network, address string) (net.Listener, error) {
	lc := net.ListenConfig{Control: exclusiveAddrUse}
	return lc.Listen(ctx, network, address)
}

// listenLoopback binds 127.0.0.1 on a port the OS picks and, when withIPv6
// is set, [::1] on the same port (a browser may resolve localhost to ::1
// first). Only loopback, never a routable address (RFC 8252 §8.3). If [::1]
// is taken on that port, both families move to another port; IPv6 is left
// out only when the machine has no IPv6 loopback.
func listenLoopback(ctx context.Context, withIPv6 bool) ([]net.Listener, string, error) {
	var last error
	for range maxBindAttempts {
		ln4, err := listenTCP(ctx, "tcp4", "127.0.0.1:0")
		if err != nil {
			return nil, "", err
		}
		port := strconv.Itoa(ln4.Addr().(*net.TCPAddr).Port)
		if !withIPv6 {
			return []net.Listener{ln4}, port, nil
		}
		ln6, err := listenTCP(ctx, "tcp6", net.JoinHostPort("::1", port))
		switch {
		case err == nil:
			return []net.Listener{ln4, ln6}, port, nil
		case noIPv6Loopback(err):
			return []net.Listener{ln4}, port, nil
		}
		// Another program has [::1] on this port: a browser that tries
		// ::1 first would reach it, not us. Start again elsewhere.
		ln4.Close()
		last = err
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
	}
	return nil, "", fmt.Errorf("no port free on both 127.0.0.1 and [::1] after %d tries: %w", maxBindAttempts, last)
}

// noIPv6Loopback says a [::1] bind failed because the machine has no IPv6
// loopback (no address, or IPv6 switched off), not because it is taken.
func noIPv6Loopback(err error) bool {
	if errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT) || errors.Is(err, syscall.EPROTONOSUPPORT) || platformNoIPv6(err) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "cannot assign requested address") || strings.Contains(s, "can't assign requested address") ||
		strings.Contains(s, "address family not supported")
}
