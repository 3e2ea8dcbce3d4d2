package app

import (
	"context"

	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// wailsRuntime is the only code that calls Wails' runtime package.
type wailsRuntime struct{ ctx context.Context }

func (r wailsRuntime) Emit(event string, data any) { runtime.EventsEmit(r.ctx, event, data) }

func (r wailsRuntime) ClipboardSetText(text string) error {
	return runtime.ClipboardSetText(r.ctx, text)
}

func (r wailsRuntime) SaveFileDialog(title, defaultName string) (string, error) {
	return runtime.SaveFileDialog(r.ctx, runtime.SaveDialogOptions{
		Title:                title,
		DefaultFilename:      defaultName,
		CanCreateDirectories: true,
		Filters: []runtime.FileFilter{
			{DisplayName: "Outlook Connect setup file", Pattern: "*.json;*.age"},
		},
	})
}

func (r wailsRuntime) ShowWindow() {
	runtime.WindowUnminimise(r.ctx)
	runtime.Show(r.ctx)
}
