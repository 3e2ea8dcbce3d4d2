// Package autostart makes Outlook Connect's background helper start when the
// person logs in, with each operating system's own mechanism, and removes it
// again. The entry runs the helper program, outlook-connect-background
// (HelperName), when it is installed next to the main program, as every
// package installs it; otherwise (a development build, an install of an
// older layout) "<absolute path of the executable> --background"
// (BackgroundFlag). BackgroundCommand makes that choice; an entry that runs
// anything else, such as the one an older release wrote, is not current,
// and Enable rewrites it.
//
// Where the entry lives (also what Entry.Describe reports):
//
//   - Linux and other freedesktop systems: an XDG autostart file,
//     $XDG_CONFIG_HOME/autostart/outlook-connect-background.desktop
//     (~/.config/autostart when XDG_CONFIG_HOME is unset). Its name differs
//     from the packaged launcher (outlook-connect.desktop), so the two never
//     shadow each other. The file carries TryExec with the program's path,
//     so after the package is removed a leftover entry is ignored by the
//     desktop instead of failing at every login.
//   - macOS: a LaunchAgent, ~/Library/LaunchAgents/ai.outlookconnect.background.plist.
//     launchd reads it at the next login; the app does not call launchctl.
//     (While the window is open the window schedules meetings itself, and
//     when it closes the app starts the helper directly, the same way on
//     every OS; "launchctl bootstrap" would start a second copy right away
//     and needs "bootout" on every change, which fails differently across
//     macOS versions.) macOS 13 and later show a "Background Items Added"
//     notice when the file is first written, and list the item under
//     System Settings → General → Login Items, attributed to the app
//     through AssociatedBundleIdentifiers.
//   - Windows: the value "Outlook Connect" under
//     HKCU\Software\Microsoft\Windows\CurrentVersion\Run, whose data is the
//     quoted path of outlook-connect-background.exe (or of the main program
//     followed by " --background"). Task Manager's
//     Startup tab can switch it off (recorded under
//     HKCU\...\Explorer\StartupApproved\Run); Status reports that, and
//     Enable, being the person's explicit choice, switches it back on.
//
// Removing it by hand (for IT, and for uninstalling on Linux and macOS,
// where package managers do not touch per-user files):
//
//	Linux:   rm ~/.config/autostart/outlook-connect-background.desktop
//	macOS:   launchctl bootout gui/$(id -u)/ai.outlookconnect.background 2>/dev/null;
//	         rm ~/Library/LaunchAgents/ai.outlookconnect.background.plist
//	Windows: reg delete HKCU\Software\Microsoft\Windows\CurrentVersion\Run /v "Outlook Connect" /f
//	         (the NSIS uninstaller deletes this value, and the StartupApproved one)
//
// The executable path is resolved (symlinks followed) when the Entry is made,
// and Enable refuses a path that will not survive: a temporary folder, a "go
// run" or "go test" build folder, or a macOS App Translocation mount (the
// app opened straight from Downloads or a disk image). Enable rewrites an
// entry that runs another command (the app was moved or reinstalled
// elsewhere, or updated to a release with the helper program), and leaves
// an identical entry untouched.
package autostart
