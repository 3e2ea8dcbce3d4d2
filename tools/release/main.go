// Command releasetool holds the release steps that are easier to get right in Go than in
// shell: the winget manifests and the Homebrew cask generated from a release, validation of
// winget manifests against the official schemas, the workflow secret/caching rules, and a
// loopback RFC 3161 time-stamping server for the signing test.
//
//	releasetool winget   -out DIR -version V -base-url URL -user FILE -machine FILE [-date YYYY-MM-DD]
//	releasetool winget-validate -schemas DIR MANIFEST.yaml...
//	releasetool cask     -out FILE -version V -dmg FILE -url-template URL -homepage URL
//	releasetool workflows DIR
//	releasetool tsa      -config tsa.cnf -addr-file FILE [-idle 10m]
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/outlookconnect/outlook-connect/tools/release/cask"
	"github.com/outlookconnect/outlook-connect/tools/release/tsa"
	"github.com/outlookconnect/outlook-connect/tools/release/winget"
	"github.com/outlookconnect/outlook-connect/tools/release/workflows"
)

// Product facts shared with the installers (build/windows/installer/project.nsi) and the app
// (bundle id, start-at-login label, settings folder).
const (
	packageID     = "OutlookConnect.OutlookConnect"
	productName   = "Outlook Connect"
	publisher     = "Outlook Connect"
	uninstallKey  = "Outlook Connect" // HKLM/HKCU ...\Uninstall\<this>
	bundleID      = "ai.outlookconnect.desktop"
	launchAgent   = "ai.outlookconnect.background"
	configDirName = "outlook-connect" // os.UserConfigDir()/<this>
	description   = "Connect an Outlook calendar to Recall.ai meeting bots"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "winget":
		err = cmdWinget(os.Args[2:])
	case "winget-validate":
		err = cmdWingetValidate(os.Args[2:])
	case "cask":
		err = cmdCask(os.Args[2:])
	case "workflows":
		err = cmdWorkflows(os.Args[2:])
	case "tsa":
		err = cmdTSA(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasetool:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: releasetool winget|winget-validate|cask|workflows|tsa [flags]")
	os.Exit(2)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func cmdWinget(args []string) error {
	fs := flag.NewFlagSet("winget", flag.ExitOnError)
	out := fs.String("out", "", "output folder (the manifests go in <out>/manifests/o/OutlookConnect/OutlookConnect/<version>)")
	version := fs.String("version", "", "release version, e.g. 1.2.0 or 1.2.0-rc.1")
	baseURL := fs.String("base-url", "", "download URL of the release folder, e.g. https://github.com/o/r/releases/download/v1.2.0")
	repoURL := fs.String("repo-url", "", "https URL of the project (package, licence and release-notes links)")
	user := fs.String("user", "", "per-user installer file")
	machine := fs.String("machine", "", "per-machine installer file")
	date := fs.String("date", time.Now().UTC().Format("2006-01-02"), "release date")
	_ = fs.Parse(args)
	if *out == "" || *user == "" || *machine == "" || *baseURL == "" {
		return errors.New("winget: -out, -base-url, -user and -machine are required")
	}
	r := winget.Release{
		PackageIdentifier: packageID,
		Version:           *version,
		Publisher:         publisher,
		PackageName:       productName,
		ProductCode:       uninstallKey,
		License:           "MIT",
		ShortDescription:  description,
		Description: "Outlook Connect connects a person's Outlook calendar to Recall.ai and schedules " +
			"Recall meeting bots for the meetings they choose to record.",
		Moniker:     "outlook-connect",
		Tags:        []string{"calendar", "meetings", "outlook", "recall"},
		ReleaseDate: *date,
	}
	if *repoURL != "" {
		r.PackageURL = *repoURL
		r.PublisherURL = *repoURL
		r.LicenseURL = *repoURL + "/blob/v" + *version + "/LICENSE"
		r.ReleaseNotesURL = *repoURL + "/releases/tag/v" + *version
	}
	for _, in := range []struct{ scope, path string }{{"user", *user}, {"machine", *machine}} {
		sum, err := fileSHA256(in.path)
		if err != nil {
			return err
		}
		r.Installers = append(r.Installers, winget.Installer{
			Scope: in.scope, URL: *baseURL + "/" + filepath.Base(in.path), SHA256: sum,
		})
	}
	dir := filepath.Join(*out, "manifests", "o", "OutlookConnect", "OutlookConnect", *version)
	paths, err := winget.Write(dir, r)
	for _, p := range paths {
		fmt.Println(p)
	}
	return err
}

func cmdWingetValidate(args []string) error {
	fs := flag.NewFlagSet("winget-validate", flag.ExitOnError)
	schemas := fs.String("schemas", "", "folder with manifest.<type>.<version>.json")
	_ = fs.Parse(args)
	if *schemas == "" || fs.NArg() == 0 {
		return errors.New("winget-validate: -schemas and at least one manifest are required")
	}
	v, err := winget.NewValidator(*schemas, winget.ManifestVersion)
	if err != nil {
		return err
	}
	var failed error
	for _, p := range fs.Args() {
		if err := v.ValidateFile(p); err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = errors.New("winget-validate: manifests do not match the schema")
			continue
		}
		fmt.Printf("valid: %s\n", p)
	}
	return failed
}

func cmdCask(args []string) error {
	fs := flag.NewFlagSet("cask", flag.ExitOnError)
	out := fs.String("out", "", "cask file to write (outlook-connect.rb)")
	version := fs.String("version", "", "release version")
	dmg := fs.String("dmg", "", "the released DMG (for its sha256)")
	urlTemplate := fs.String("url-template", "", `download URL with #{version}, e.g. https://github.com/o/r/releases/download/v#{version}/outlook-connect-#{version}-macos-universal.dmg`)
	homepage := fs.String("homepage", "", "project URL")
	_ = fs.Parse(args)
	if *out == "" || *dmg == "" {
		return errors.New("cask: -out and -dmg are required")
	}
	sum, err := fileSHA256(*dmg)
	if err != nil {
		return err
	}
	src, err := cask.Render(cask.Cask{
		Token:       "outlook-connect",
		Version:     *version,
		SHA256:      sum,
		URLTemplate: *urlTemplate,
		Name:        productName,
		Desc:        description,
		Homepage:    *homepage,
		App:         productName + ".app",
		BundleID:    bundleID,
		LaunchAgent: launchAgent,
		MinMacOS:    "monterey", // LSMinimumSystemVersion 12.0 (Go 1.26)
		Zap: []string{
			"~/Library/Application Support/" + configDirName, // os.UserConfigDir() on macOS
			"~/Library/LaunchAgents/" + launchAgent + ".plist",
			"~/Library/Caches/" + bundleID,
			"~/Library/HTTPStorages/" + bundleID,
			"~/Library/Preferences/" + bundleID + ".plist",
			"~/Library/Saved Application State/" + bundleID + ".savedState",
			"~/Library/WebKit/" + bundleID,
		},
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, []byte(src), 0o644); err != nil {
		return err
	}
	fmt.Println(*out)
	return nil
}

func cmdWorkflows(args []string) error {
	if len(args) != 1 {
		return errors.New("workflows: give the workflows folder")
	}
	fs, err := workflows.Check(args[0], workflows.Default)
	if err != nil {
		return err
	}
	for _, f := range fs {
		fmt.Fprintln(os.Stderr, f)
	}
	if len(fs) > 0 {
		return fmt.Errorf("workflows: %d rule(s) broken", len(fs))
	}
	fmt.Println("workflows: signing secrets only in the", workflows.Default.SigningEnvironment,
		"jobs, no caches in release jobs, checkouts without credentials, pinned runners and Node")
	return nil
}

// cmdTSA serves RFC 3161 on a random loopback port, writes the address to -addr-file once it
// listens, and stops on SIGTERM/SIGINT or after -idle without a request (so a test that dies
// never leaves it behind).
func cmdTSA(args []string) error {
	fs := flag.NewFlagSet("tsa", flag.ExitOnError)
	config := fs.String("config", "", "openssl ts config with a [tsa] section")
	addrFile := fs.String("addr-file", "", "file to write host:port into")
	idle := fs.Duration("idle", 10*time.Minute, "stop after this long without a request")
	_ = fs.Parse(args)
	if *config == "" || *addrFile == "" {
		return errors.New("tsa: -config and -addr-file are required")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	h := tsa.Handler(tsa.OpenSSL(*config))
	srv := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			last.Store(time.Now().UnixNano())
			h.ServeHTTP(w, r)
		}),
	}
	tmp := *addrFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(ln.Addr().String()), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, *addrFile); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				_ = srv.Close()
				return
			case <-t.C:
				if time.Since(time.Unix(0, last.Load())) > *idle {
					_ = srv.Close()
					return
				}
			}
		}
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
