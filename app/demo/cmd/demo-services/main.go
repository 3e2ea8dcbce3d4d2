// Command demo-services starts the fake Microsoft identity platform and the
// fake Recall API, prints one JSON line with their URLs and credentials, and
// serves until interrupted. For manual and browser testing:
//
//	go run ./app/demo/cmd/demo-services
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/outlookconnect/outlook-connect/app/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo-services:", err)
		os.Exit(1)
	}
}

// Descriptor is the line the runner prints; its keys are part of the
// runner's documented interface.
type Descriptor struct {
	MicrosoftURL string `json:"microsoft_url"`
	RecallURL    string `json:"recall_url"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	RecallAPIKey string `json:"recall_api_key"`
	// ControlURL is the demo control API (app/demo/control.go), with -control.
	ControlURL string `json:"control_url,omitempty"`
}

func run(ctx context.Context, args []string, out io.Writer) error {
	flags := flag.NewFlagSet("demo-services", flag.ContinueOnError)
	delay := flags.Duration("connect-delay", 0, "how long new calendars stay \"connecting\" (0 = the fake's default)")
	host := flags.String("redirect-host", "localhost", "registered loopback redirect host: localhost or 127.0.0.1")
	control := flags.Bool("control", false, "also serve the demo control API and print its control_url (end-to-end tests)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *host != "localhost" && *host != "127.0.0.1" {
		return fmt.Errorf("-redirect-host must be localhost or 127.0.0.1, not %q", *host)
	}
	svc, err := demo.Start(demo.Options{ConnectDelay: *delay, RedirectHost: *host})
	if err != nil {
		return err
	}
	desc := Descriptor{
		MicrosoftURL: svc.MicrosoftURL(),
		RecallURL:    svc.RecallURL(),
		ClientID:     svc.ClientID,
		ClientSecret: svc.ClientSecret,
		RecallAPIKey: svc.RecallAPIKey,
	}
	if *control {
		// Tests that run the app configured (not in demo mode) against
		// these fakes steer them through it, as they do the demo world.
		c, err := svc.StartControl()
		if err != nil {
			_ = svc.Close()
			return err
		}
		defer c.Close()
		desc.ControlURL = c.URL()
	}
	// These are throwaway credentials of the in-process fakes, valid only
	// until this process exits; printing them is the runner's purpose.
	line, err := json.Marshal(desc)
	if err != nil {
		_ = svc.Close()
		return err
	}
	fmt.Fprintln(out, string(line))
	<-ctx.Done()
	done := make(chan error, 1)
	go func() { done <- svc.Close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		return fmt.Errorf("shutdown took longer than 5 s")
	}
}
