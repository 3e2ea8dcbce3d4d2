// Command outlook-connect-background is Outlook Connect's background helper
// (issue 14) as a program of its own: the connection's status follow-up
// and the meeting scheduler, with no window. It links no GTK, WebKit or
// Wails window code (the window's program does, and the dynamic loader
// maps all of that before main runs), so it costs a few megabytes.
//
// Packages install it next to the main program, where the start-at-login
// entry and the closing window find it (autostart.BackgroundCommand); the
// main program started with --background runs the same code, for builds
// and installs without this program. Build it with the main program's
// -ldflags "-X main.version=…" (make build, scripts/build-helper.sh).
package main

import (
	"fmt"
	"os"

	"github.com/outlookconnect/outlook-connect/app"
	"github.com/outlookconnect/outlook-connect/app/autostart"
	"github.com/outlookconnect/outlook-connect/build/profile"
)

// version is injected at build time, as for the main program:
// -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	// No arguments, or the main program's --background (so a command
	// copied from an older entry or from the docs works here too).
	for _, arg := range os.Args[1:] {
		if arg != autostart.BackgroundFlag {
			fmt.Fprintf(os.Stderr, "%s takes no arguments (got %q): it runs Outlook Connect's background helper until it is stopped.\n",
				autostart.HelperName, arg)
			os.Exit(2)
		}
	}
	os.Exit(app.BackgroundMain(app.Options{Version: version, Profile: profile.JSON()}))
}
