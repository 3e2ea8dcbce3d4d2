// Command outlook-connect is the desktop app: it connects a person's Outlook
// calendar to Recall.ai. All logic lives in package app and below; main only
// embeds the assets and hands them to Wails.
//
// With --background it is the background helper instead (issue 14): no
// window, no webview; only the connection's status follow-up and the
// meeting scheduler, until SIGTERM or SIGINT. Installs ship the helper as
// a program of its own too (cmd/outlook-connect-background), which links
// no GTK or WebKit and is what the start-at-login entry runs when present;
// this flag serves builds without it and entries older releases wrote.
package main

import (
	"embed"
	"log/slog"
	"os"
	"runtime"
	"slices"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"github.com/outlookconnect/outlook-connect/app"
	"github.com/outlookconnect/outlook-connect/app/autostart"
	"github.com/outlookconnect/outlook-connect/build/profile"
)

// version is injected at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

//go:embed all:frontend/dist
var assets embed.FS

//go:embed build/appicon.png
var icon []byte

func main() {
	// The admin's baked profile (make package PROFILE=…), or nil.
	baked := profile.JSON()
	if slices.Contains(os.Args[1:], autostart.BackgroundFlag) {
		// Before anything of Wails runs: the helper never touches the
		// display.
		os.Exit(app.BackgroundMain(app.Options{Version: version, Profile: baked}))
	}

	// WebKitGTK's DMA-BUF renderer shows a blank window on some GPU and
	// Wayland stacks (wails.md §6.2); the software path is always safe here.
	if runtime.GOOS == "linux" && os.Getenv("WEBKIT_DISABLE_DMABUF_RENDERER") == "" {
		_ = os.Setenv("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
	}

	desktop := app.New(app.Options{Version: version, Profile: baked})

	err := wails.Run(&options.App{
		Title:            "Outlook Connect",
		Width:            900,
		Height:           640,
		MinWidth:         720,
		MinHeight:        560,
		AssetServer:      &assetserver.Options{Assets: assets},
		BackgroundColour: &options.RGBA{R: 246, G: 247, B: 251, A: 255},
		OnStartup:        desktop.Startup,
		OnShutdown:       desktop.Shutdown,
		Bind:             []interface{}{desktop.Bound()},
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId:               "ai.outlookconnect.desktop",
			OnSecondInstanceLaunch: desktop.SecondInstanceLaunched,
		},
		Linux: &linux.Options{
			Icon:             icon,
			ProgramName:      "outlook-connect",
			WebviewGpuPolicy: linux.WebviewGpuPolicyOnDemand,
		},
	})
	if err != nil {
		slog.Error("app.exit", "err", err)
		os.Exit(1)
	}
}
