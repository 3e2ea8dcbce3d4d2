package sim

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestMain(m *testing.M) {
	// A run allocates a lot of short-lived JSON; memory is plentiful and
	// the collector would otherwise take a quarter of the time.
	debug.SetGCPercent(400)
	os.Exit(m.Run())
}
