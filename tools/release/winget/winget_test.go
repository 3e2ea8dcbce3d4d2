package winget

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const schemaDir = "../../../build/winget/schema/v" + ManifestVersion

func release() Release {
	return Release{
		PackageIdentifier: "OutlookConnect.OutlookConnect",
		Version:           "1.2.0-rc.1",
		Publisher:         "Outlook Connect",
		PackageName:       "Outlook Connect",
		ProductCode:       "Outlook Connect",
		License:           "MIT",
		LicenseURL:        "https://example.org/LICENSE",
		PackageURL:        "https://example.org",
		ShortDescription:  "Connect an Outlook calendar to Recall.ai meeting bots",
		Tags:              []string{"calendar"},
		ReleaseDate:       "2026-12-07",
		Installers: []Installer{
			{Scope: "machine", URL: "https://example.org/d/outlook-connect-1.2.0-rc.1-windows-amd64-installer.exe", SHA256: strings.Repeat("ab", 32)},
			{Scope: "user", URL: "https://example.org/d/outlook-connect-1.2.0-rc.1-windows-amd64-user-installer.exe", SHA256: strings.Repeat("cd", 32)},
		},
	}
}

func TestWriteValidatesAgainstOfficialSchema(t *testing.T) {
	dir := t.TempDir()
	paths, err := Write(dir, release())
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("want 3 manifests, got %v", paths)
	}
	v, err := NewValidator(schemaDir, ManifestVersion)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if err := v.ValidateFile(p); err != nil {
			t.Errorf("%v", err)
		}
	}
	inst, _ := os.ReadFile(filepath.Join(dir, "OutlookConnect.OutlookConnect.installer.yaml"))
	for _, want := range []string{
		"InstallerType: nullsoft", "  Silent: /S", "    Scope: user", "    Scope: machine",
		"    InstallerSha256: " + strings.Repeat("AB", 32), "    ElevationRequirement: elevatesSelf",
		"  - InstallerReturnCode: 3\n    ReturnResponse: downgrade", "ProductCode: Outlook Connect",
		"ManifestVersion: " + ManifestVersion,
	} {
		if !strings.Contains(string(inst), want) {
			t.Errorf("installer manifest lacks %q:\n%s", want, inst)
		}
	}
	if strings.Index(string(inst), "Scope: user") > strings.Index(string(inst), "Scope: machine") {
		t.Error("the per-user installer should come first (winget prefers the first match)")
	}
}

func TestValidatorRejectsSchemaViolations(t *testing.T) {
	v, err := NewValidator(schemaDir, ManifestVersion)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths, err := Write(dir, release())
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(string) string{
		"unknown scope":      func(s string) string { return strings.Replace(s, "Scope: machine", "Scope: everyone", 1) },
		"short sha256":       func(s string) string { return strings.Replace(s, strings.Repeat("AB", 32), "ABCD", 1) },
		"bad elevation":      func(s string) string { return strings.Replace(s, "elevatesSelf", "sometimes", 1) },
		"no installer url":   func(s string) string { return strings.ReplaceAll(s, "InstallerUrl:", "Url:") },
		"bad installer type": func(s string) string { return strings.Replace(s, "nullsoft", "setup.exe", 1) },
	} {
		raw, _ := os.ReadFile(paths[2])
		bad := filepath.Join(dir, "bad.yaml")
		if err := os.WriteFile(bad, []byte(edit(string(raw))), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := v.ValidateFile(bad); err == nil {
			t.Errorf("%s: validated, want a schema error", name)
		}
	}
}

func TestCheckRefusesWhatAManifestCannotSay(t *testing.T) {
	for name, edit := range map[string]func(*Release){
		"tilde in url":     func(r *Release) { r.Installers[0].URL = "https://example.org/a~rc.exe" },
		"http url":         func(r *Release) { r.Installers[0].URL = "http://example.org/a.exe" },
		"same scope twice": func(r *Release) { r.Installers[1].Scope = "machine" },
		"bad version":      func(r *Release) { r.Version = "1.2" },
		"bad sha":          func(r *Release) { r.Installers[0].SHA256 = "xyz" },
		"bad identifier":   func(r *Release) { r.PackageIdentifier = "NoDot" },
		"no installers":    func(r *Release) { r.Installers = nil },
	} {
		r := release()
		r.Installers = append([]Installer(nil), r.Installers...)
		edit(&r)
		if err := r.Check(); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := Write(t.TempDir(), r); err == nil {
			t.Errorf("%s: written", name)
		}
	}
}
