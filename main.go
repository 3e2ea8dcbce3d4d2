// Command outlook-connect is the desktop app: it connects a person's Outlook
// calendar to Recall.ai. All logic lives in package app and below; main only
// embeds the assets and hands them to Wails.
//
// With --background it is the background helper instead (issue 14): no
// window, no webview, no GTK; only the connection's status follow-up and
// the meeting scheduler, until SIGTERM or SIGINT.
package main

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"syscall"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"github.com/outlookconnect/outlook-connect/app"
	"github.com/outlookconnect/outlook-connect/app/autostart"
)

// version is injected at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

//go:embed all:frontend/dist
var assets embed.FS

//go:embed build/appicon.png
var icon []byte

// profileDir holds build/profile/profile.json when an admin baked one in
// (make package PROFILE=…); otherwise only its README.
//
//go:embed build/profile
var profileDir embed.FS

func main() {
	profile, _ := fs.ReadFile(profileDir, "build/profile/profile.json")
	if slices.Contains(os.Args[1:], autostart.BackgroundFlag) {
		// Before anything of Wails runs: the helper never touches the
		// display. SIGHUP too: a session ending may send it.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		code := app.RunBackground(ctx, app.Options{Version: version, Profile: profile})
		stop()
		os.Exit(code)
	}

	// WebKitGTK's DMA-BUF renderer shows a blank window on some GPU and
	// Wayland stacks (wails.md §6.2); the software path is always safe here.
	if runtime.GOOS == "linux" && os.Getenv("WEBKIT_DISABLE_DMABUF_RENDERER") == "" {
		_ = os.Setenv("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
	}

	desktop := app.New(app.Options{Version: version, Profile: profile})

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
