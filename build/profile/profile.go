// Package profile is the admin's baked profile (README.md here), embedded
// into both programs of a build: the window (main.go) and the background
// helper (cmd/outlook-connect-background), which must start configured
// alike. scripts/package.sh refuses to build while this folder holds
// anything but this file and the README, unless it copied profile.json in
// itself.
package profile

import (
	"embed"
	"io/fs"
)

// files holds profile.json when a build bakes one in; otherwise only this
// file and the README ("*" embeds whatever is here, and matches even when
// profile.json is absent).
//
//go:embed *
var files embed.FS

// JSON returns the baked setup file, or nil when this build has none.
func JSON() []byte {
	b, err := fs.ReadFile(files, "profile.json")
	if err != nil {
		return nil
	}
	return b
}
