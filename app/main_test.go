package app

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine running: a
// world (demo servers, control API, connect service) that a reload or a
// shutdown forgot to close shows up here.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, libraryGoroutines...)
}

// libraryGoroutines live as long as the process by their libraries' design,
// not because this package forgot to close something:
//   - godbus keeps one shared session-bus connection once the real keychain
//     has been used (its reader and watcher);
//   - lumberjack v2.2.1 starts one "mill" goroutine per log file on the
//     first write and has no way to stop it (Close only closes the file);
//     the app opens one log per process, each test app one more.
var libraryGoroutines = []goleak.Option{
	goleak.IgnoreAnyFunction("github.com/godbus/dbus/v5.(*Conn).inWorker"),
	goleak.IgnoreAnyFunction("github.com/godbus/dbus/v5.newConn.func1"),
	goleak.IgnoreAnyFunction("gopkg.in/natefinch/lumberjack%2ev2.(*Logger).millRun"),
}
