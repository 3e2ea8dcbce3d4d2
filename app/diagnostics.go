package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/outlookconnect/outlook-connect/app/logging"
	"github.com/outlookconnect/outlook-connect/app/meetings"
	"github.com/outlookconnect/outlook-connect/app/problem"
)

// diagnostics builds the "Copy diagnostics" report: enough for support to
// see what happened, scrubbed of every secret the app knows.
func (a *App) diagnostics(ctx context.Context, c wiring) string {
	var sb strings.Builder
	b, w := c.base, c.world
	info := a.info(c)
	fmt.Fprintf(&sb, "Outlook Connect %s (%s, Go %s)\n", info.Version, info.Platform, runtime.Version())
	fmt.Fprintf(&sb, "Generated: %s\n", time.Now().UTC().Format(time.RFC3339))
	mode := "configured"
	if info.Demo {
		mode = "demo (" + info.DemoReason + ")"
	}
	fmt.Fprintf(&sb, "Mode: %s\n", mode)
	fmt.Fprintf(&sb, "Settings folder: %s\n", info.ConfigDir)
	if info.SetupProblem != nil {
		fmt.Fprintf(&sb, "Setup problem: %s\n", info.SetupProblem.Code)
	}
	if b != nil && b.vault != nil {
		keychain := "available"
		if err := b.vault.Check(ctx); err != nil {
			keychain = "not available (" + errorCode(err) + ")"
		}
		fmt.Fprintf(&sb, "Keychain: %s\n", keychain)
	}
	if w != nil {
		fmt.Fprintf(&sb, "Configuration: %s\n", w.resolved.String())
		if w.connect != nil {
			st := w.connect.State()
			fmt.Fprintf(&sb, "Screen: %s\n", st.Phase)
			if st.Calendar != nil {
				fmt.Fprintf(&sb, "Recall calendar: %s, status %s since %s, checked %s\n",
					st.Calendar.ID, st.Calendar.Status, st.Calendar.Since, st.Calendar.CheckedAt)
			}
			for _, line := range w.connect.Diagnostics() {
				fmt.Fprintf(&sb, "%s\n", line)
			}
			if st.Problem != nil {
				fmt.Fprintf(&sb, "Last problem:\n%s", st.Problem.DetailsText())
			}
		}
		if w.meetings != nil {
			writeMeetingsDiagnostics(&sb, w.meetings.View())
		}
	}
	if b != nil {
		a.writeBackgroundDiagnostics(&sb, b)
		sb.WriteString("\nRecent log lines:\n")
		sb.WriteString(tailFile(filepath.Join(info.LogsDir, logging.FileName), 40))
		sb.WriteString("\nRecent background helper log lines:\n")
		sb.WriteString(tailFile(filepath.Join(info.LogsDir, logging.BackgroundFileName), 20))
		return b.guard.Scrub(sb.String())
	}
	return sb.String()
}

// writeMeetingsDiagnostics says how the meetings stand: counts, the rule,
// the last sync and any problem code. Never a title, an address or a link.
func writeMeetingsDiagnostics(sb *strings.Builder, v meetings.View) {
	fmt.Fprintf(sb, "Meetings: %s, %d of %d to record; rule %s (%s, accepted only %t)\n",
		v.Phase, v.Counts.Recorded, v.Counts.Total, v.Rule.Rule, v.Rule.Source, v.Rule.AcceptedOnly)
	if v.LastSyncAt != "" {
		fmt.Fprintf(sb, "Meetings last synced %s by the %s, next %s\n", v.LastSyncAt, v.LastSyncBy, v.NextSyncAt)
	}
	if v.SyncProblem != nil {
		fmt.Fprintf(sb, "Meetings sync problem: %s\n", v.SyncProblem.Code)
	}
	if v.RateLimitedUntil != "" {
		fmt.Fprintf(sb, "Recall asked to wait until %s\n", v.RateLimitedUntil)
	}
	failed := 0
	for _, m := range v.Meetings {
		if m.Problem != nil {
			failed++
		}
	}
	if failed > 0 {
		fmt.Fprintf(sb, "Meetings whose last bot call failed: %d\n", failed)
	}
}

// writeBackgroundDiagnostics says who schedules the meetings now, whether
// a background helper runs, and where the start-at-login entry is.
func (a *App) writeBackgroundDiagnostics(sb *strings.Builder, b *base) {
	if b.locker != nil {
		if info, ok, err := b.locker.Holder(); err == nil && ok {
			fmt.Fprintf(sb, "Meetings scheduled by: the %s (pid %d, since %s)\n", info.Role, info.PID, info.Since.Format(time.RFC3339))
		} else if err == nil {
			sb.WriteString("Meetings scheduled by: nobody right now\n")
		}
		if info, ok, err := b.locker.BackgroundRunning(); err == nil && ok {
			fmt.Fprintf(sb, "Background helper: running (pid %d, since %s)\n", info.PID, info.Since.Format(time.RFC3339))
		} else if err == nil {
			sb.WriteString("Background helper: not running\n")
		}
	}
	entry, err := a.opts.host.loginEntry()
	if err != nil {
		fmt.Fprintf(sb, "Start at login: unknown (%s)\n", errorCode(err))
		return
	}
	st, err := entry.Status()
	switch {
	case err != nil:
		fmt.Fprintf(sb, "Start at login: unreadable (%s)\n", errorCode(err))
	case !st.Installed:
		sb.WriteString("Start at login: off\n")
	default:
		state := "on"
		if st.DisabledOutside {
			state = "turned off in the system's start-up settings"
		} else if !st.Current {
			state = "on, for another copy of the program"
		}
		fmt.Fprintf(sb, "Start at login: %s (%s)\n", state, st.Location)
	}
}

func errorCode(err error) string {
	return problem.From(err).Code
}

// tailFile returns the last n lines of a file, or a note when it has none.
func tailFile(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return "(no log lines yet)\n"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n"
}
