package cask

import (
	"strings"
	"testing"
)

func good() Cask {
	return Cask{
		Token:       "outlook-connect",
		Version:     "1.2.0",
		SHA256:      strings.Repeat("0f", 32),
		URLTemplate: "https://github.com/o/r/releases/download/v#{version}/outlook-connect-#{version}-macos-universal.dmg",
		Name:        "Outlook Connect",
		Desc:        "Connect an Outlook calendar to Recall.ai meeting bots",
		Homepage:    "https://github.com/o/r",
		App:         "Outlook Connect.app",
		BundleID:    "ai.outlookconnect.desktop",
		LaunchAgent: "ai.outlookconnect.background",
		MinMacOS:    "monterey",
		Zap: []string{
			"~/Library/Preferences/ai.outlookconnect.desktop.plist",
			"~/Library/Application Support/outlook-connect",
			"~/Library/LaunchAgents/ai.outlookconnect.background.plist",
		},
	}
}

func TestRender(t *testing.T) {
	src, err := Render(good())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`cask "outlook-connect" do`,
		`  version "1.2.0"`,
		`  sha256 "` + strings.Repeat("0f", 32) + `"`,
		`  url "https://github.com/o/r/releases/download/v#{version}/outlook-connect-#{version}-macos-universal.dmg"`,
		`  app "Outlook Connect.app"`,
		`  uninstall launchctl: "ai.outlookconnect.background",`,
		`            quit:      "ai.outlookconnect.desktop"`,
		`  depends_on macos: ">= :monterey"`,
		"  zap trash: [\n    \"~/Library/Application Support/outlook-connect\",\n    \"~/Library/LaunchAgents/ai.outlookconnect.background.plist\",\n    \"~/Library/Preferences/ai.outlookconnect.desktop.plist\",\n  ]",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("cask lacks %q:\n%s", want, src)
		}
	}
	if !strings.HasSuffix(src, "end\n") {
		t.Errorf("cask does not end with end:\n%s", src)
	}
}

func TestCheckRefuses(t *testing.T) {
	for name, edit := range map[string]func(*Cask){
		"tilde in version":   func(c *Cask) { c.Version = "1.2.0~rc.1" },
		"url without #{}":    func(c *Cask) { c.URLTemplate = "https://x/y.dmg" },
		"http url":           func(c *Cask) { c.URLTemplate = "http://x/#{version}.dmg" },
		"sha upper case":     func(c *Cask) { c.SHA256 = strings.ToUpper(c.SHA256) },
		"desc with name":     func(c *Cask) { c.Desc = "Outlook Connect connects" },
		"desc with period":   func(c *Cask) { c.Desc = "Connects calendars." },
		"zap outside":        func(c *Cask) { c.Zap = []string{"/etc/passwd"} },
		"zap escapes":        func(c *Cask) { c.Zap = []string{"~/Library/../../x"} },
		"quote in app":       func(c *Cask) { c.App = `a".app` },
		"bad launch label":   func(c *Cask) { c.LaunchAgent = "background" },
		"bad token":          func(c *Cask) { c.Token = "Outlook_Connect" },
		"nothing to zap":     func(c *Cask) { c.Zap = nil },
		"homepage not https": func(c *Cask) { c.Homepage = "http://x" },
	} {
		c := good()
		edit(&c)
		if _, err := Render(c); err == nil {
			t.Errorf("%s: rendered", name)
		}
	}
}
