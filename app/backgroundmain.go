package app

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// BackgroundMain is the background helper as a program (issue 14): both
// cmd/outlook-connect-background and the main program started with
// autostart.BackgroundFlag call it first thing, before anything of Wails
// runs, and exit with what it returns. It stops on SIGINT, SIGTERM and
// SIGHUP (a session ending may send it).
func BackgroundMain(opts Options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	return RunBackground(ctx, opts)
}
