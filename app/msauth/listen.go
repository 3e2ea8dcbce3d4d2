package msauth

import (
	"context"
	"net"
	"strconv"
)

// listenLoopback binds 127.0.0.1 on a port the OS picks and, when withIPv6
// is set, [::1] on the same port if the machine has IPv6 loopback (a
// browser may resolve localhost to ::1 first). Only loopback, never a
// routable address (RFC 8252 §8.3). Without IPv6 it carries on with IPv4.
func listenLoopback(ctx context.Context, withIPv6 bool) ([]net.Listener, string, error) {
	lc := net.ListenConfig{Control: exclusiveAddrUse}
	ln4, err := lc.Listen(ctx, "tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	port := strconv.Itoa(ln4.Addr().(*net.TCPAddr).Port)
	lns := []net.Listener{ln4}
	if withIPv6 {
		if ln6, err := lc.Listen(ctx, "tcp6", net.JoinHostPort("::1", port)); err == nil {
			lns = append(lns, ln6)
		}
	}
	return lns, port, nil
}
