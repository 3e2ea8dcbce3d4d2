package connect

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine the Service starts must be gone once it is closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
