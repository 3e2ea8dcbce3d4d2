// Package browser opens the sign-in page in the person's browser, honouring
// the BROWSER convention and falling back to the platform's default.
package browser

import (
	"net/url"
	"os/exec"
	"runtime"
	"strings"
	"time"
	"unicode"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// quickFailWindow is how long Open waits for a command to fail. Browser
// launchers (xdg-open, open) exit within it; a browser started directly
// keeps running, which counts as success.
const quickFailWindow = 3 * time.Second

// Starter starts a command without a shell and returns a channel that
// receives its exit result (nil for exit status 0). The process must be
// reaped even if nobody reads the channel.
type Starter func(name string, args []string) (<-chan error, error)

// Opener opens URLs in a browser.
type Opener struct {
	// Browser is the BROWSER value: commands separated by ":" (";" on
	// Windows), tried in order. "%s" in a command is replaced by the URL;
	// without it the URL is the last argument. "" means system default.
	Browser string
	// GOOS picks the platform default; runtime.GOOS when empty.
	GOOS string
	// Start runs commands; exec.Command when nil.
	Start Starter
	// QuickFailWindow overrides how long to wait for a quick failure.
	QuickFailWindow time.Duration
}

// New returns an Opener honouring the given BROWSER value.
func New(browserEnv string) *Opener { return &Opener{Browser: browserEnv} }

// Open opens an http or https URL. It returns a *problem.Problem
// (browser.open_failed) when no command could open it, so the UI can offer
// the link to copy instead.
func (o *Opener) Open(rawURL string) error {
	if err := checkURL(rawURL); err != nil {
		return err
	}
	start := o.Start
	if start == nil {
		start = execStart
	}
	window := o.QuickFailWindow
	if window <= 0 {
		window = quickFailWindow
	}
	var tried []string
	var lastErr error
	for _, argv := range o.commands(rawURL) {
		tried = append(tried, argv[0])
		if lastErr = run(start, argv, window); lastErr == nil {
			return nil
		}
	}
	return &problem.Problem{
		Code:      "browser.open_failed",
		Title:     "Your browser didn't open",
		Message:   "Your browser didn't open. Copy the link and paste it into your browser.",
		NextStep:  "Use Copy link, then paste it into your browser's address bar.",
		Details:   []problem.Detail{{Label: "Tried", Value: strings.Join(tried, ", ")}},
		Retryable: true,
		Cause:     lastErr,
	}
}

// run starts one command and waits briefly for a quick failure; a command
// still running after the window is a browser that opened.
func run(start Starter, argv []string, window time.Duration) error {
	done, err := start(argv[0], argv[1:])
	if err != nil {
		return err
	}
	timer := time.NewTimer(window)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return nil
	}
}

func execStart(name string, args []string) (<-chan error, error) {
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	// Wait in the background so a long-lived browser is reaped when it
	// exits, whether or not Open is still listening.
	go func() { done <- cmd.Wait() }()
	return done, nil
}

// commands lists the argv of every command to try: BROWSER's entries, then
// the platform default.
func (o *Opener) commands(u string) [][]string {
	goos := o.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	sep := ":"
	if goos == "windows" {
		sep = ";"
	}
	var out [][]string
	for _, entry := range strings.Split(o.Browser, sep) {
		fields := strings.Fields(entry)
		if len(fields) == 0 {
			continue
		}
		out = append(out, expand(fields, u))
	}
	switch goos {
	case "darwin":
		out = append(out, []string{"open", u})
	case "windows":
		out = append(out, []string{"rundll32", "url.dll,FileProtocolHandler", u})
	default:
		out = append(out, []string{"xdg-open", u})
	}
	return out
}

// expand substitutes the URL for %s (and % for %%) in a BROWSER command's
// arguments, or appends the URL when no argument asks for it.
func expand(fields []string, u string) []string {
	argv := make([]string, 0, len(fields)+1)
	substituted := false
	for _, f := range fields {
		var b strings.Builder
		for i := 0; i < len(f); i++ {
			if f[i] == '%' && i+1 < len(f) {
				switch f[i+1] {
				case 's':
					b.WriteString(u)
					substituted = true
					i++
					continue
				case '%':
					b.WriteByte('%')
					i++
					continue
				}
			}
			b.WriteByte(f[i])
		}
		argv = append(argv, b.String())
	}
	if !substituted {
		argv = append(argv, u)
	}
	return argv
}

// checkURL accepts only absolute http(s) URLs without spaces or control
// characters, so nothing else (files, custom schemes, options) can be
// handed to a launcher.
func checkURL(raw string) error {
	bad := func(reason string) error {
		return &problem.Problem{
			Code:     "browser.unsupported_link",
			Title:    "This link can't be opened",
			Message:  "Outlook Connect only opens web links (http or https) in your browser.",
			NextStep: "Try again. If it keeps happening, copy the details below and send them to your IT support.",
			Details:  []problem.Detail{{Label: "Reason", Value: reason}},
		}
	}
	for _, r := range raw {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return bad("the link contains spaces or control characters")
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("the link is not a valid URL")
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return bad("only http and https links are opened")
	}
	if u.Host == "" || u.Opaque != "" {
		return bad("the link has no host")
	}
	return nil
}
