package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Setup file format (documented in SETUP_FILE.md).
const (
	SetupFileFormat = "outlook-connect-setup"
	// SetupFileVersion is the newest version this app reads. Version 2
	// added "meetings" and "background", version 3 "microsoft.graphHost";
	// older files still import, and Export writes the lowest version that
	// holds the file's settings, so older installs in a mixed fleet can
	// read it (and those too old for it say "update", not "unknown key").
	SetupFileVersion = 3
	// MaxSetupFileSize bounds imports: a real setup file is under 2 KiB.
	MaxSetupFileSize = 64 << 10
	// minPassphraseLen keeps exported files from being trivially guessable.
	minPassphraseLen = 8
	// defaultScryptLogN is age's own default work factor.
	defaultScryptLogN = 18
	binaryAgeHeader   = "age-encryption.org/v1\n"
)

type setupFile struct {
	Format     string           `json:"format"`
	Version    int              `json:"version"`
	Microsoft  setupMicrosoft   `json:"microsoft"`
	Recall     setupRecall      `json:"recall"`
	Meetings   *setupMeetings   `json:"meetings,omitempty"`
	Background *setupBackground `json:"background,omitempty"`
}

type setupMicrosoft struct {
	ClientID     string `json:"clientId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
	Tenant       string `json:"tenant,omitempty"`
	Authority    string `json:"authority,omitempty"`
	GraphHost    string `json:"graphHost,omitempty"` // version 3
	RedirectHost string `json:"redirectHost,omitempty"`
	ResponseMode string `json:"responseMode,omitempty"`
}

type setupRecall struct {
	Region  string `json:"region,omitempty"`
	BaseURL string `json:"baseUrl,omitempty"`
	APIKey  string `json:"apiKey,omitempty"`
}

// setupMeetings and setupBackground (version 2) use JSON types: a missing
// key or null leaves the setting to lower sources.
type setupMeetings struct {
	DefaultRule     string     `json:"defaultRule,omitempty"`
	AcceptedOnly    *bool      `json:"acceptedOnly,omitempty"`
	BotName         string     `json:"botName,omitempty"`
	InternalDomains domainList `json:"internalDomains,omitempty"`
}

type setupBackground struct {
	KeepScheduling   *bool `json:"keepScheduling,omitempty"`
	ExpectedInstalls *int  `json:"expectedInstalls,omitempty"`
}

// domainList is a JSON array of domains. A single string of
// comma-separated domains is accepted too, because that is how the
// environment variable spells it and admins copy between the two.
type domainList []string

func (d *domainList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*d = domainList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeFor[domainList]()}
	}
	*d = many
	return nil
}

func (s setupFile) input() SetupInput {
	in := SetupInput{
		ClientID:      s.Microsoft.ClientID,
		ClientSecret:  s.Microsoft.ClientSecret,
		Tenant:        s.Microsoft.Tenant,
		Authority:     s.Microsoft.Authority,
		GraphHost:     s.Microsoft.GraphHost,
		RedirectHost:  s.Microsoft.RedirectHost,
		ResponseMode:  s.Microsoft.ResponseMode,
		RecallRegion:  s.Recall.Region,
		RecallBaseURL: s.Recall.BaseURL,
		RecallAPIKey:  s.Recall.APIKey,
	}
	if m := s.Meetings; m != nil {
		in.DefaultRecordingRule = m.DefaultRule
		in.DefaultAcceptedOnly = boolText(m.AcceptedOnly)
		in.BotName = m.BotName
		in.InternalDomains = strings.Join(m.InternalDomains, ", ")
	}
	if b := s.Background; b != nil {
		in.KeepScheduling = boolText(b.KeepScheduling)
		in.ExpectedInstalls = intText(b.ExpectedInstalls)
	}
	return in
}

// setupFileOf writes checked input as a setup file of the lowest version
// that holds it.
func setupFileOf(in SetupInput) setupFile {
	sf := setupFile{
		Format:  SetupFileFormat,
		Version: 1,
		Microsoft: setupMicrosoft{
			ClientID:     in.ClientID,
			ClientSecret: in.ClientSecret,
			Tenant:       in.Tenant,
			Authority:    in.Authority,
			GraphHost:    in.GraphHost,
			RedirectHost: in.RedirectHost,
			ResponseMode: in.ResponseMode,
		},
		Recall: setupRecall{Region: in.RecallRegion, BaseURL: in.RecallBaseURL, APIKey: in.RecallAPIKey},
	}
	m := setupMeetings{
		DefaultRule:     in.DefaultRecordingRule,
		AcceptedOnly:    textBool(in.DefaultAcceptedOnly),
		BotName:         in.BotName,
		InternalDomains: domainList(splitDomains(in.InternalDomains)),
	}
	if m.DefaultRule != "" || m.AcceptedOnly != nil || m.BotName != "" || len(m.InternalDomains) > 0 {
		sf.Meetings, sf.Version = &m, 2
	}
	b := setupBackground{KeepScheduling: textBool(in.KeepScheduling), ExpectedInstalls: textInt(in.ExpectedInstalls)}
	if b != (setupBackground{}) {
		sf.Background, sf.Version = &b, 2
	}
	if sf.Microsoft.GraphHost != "" {
		sf.Version = 3
	}
	return sf
}

func (s setupFile) hasSecrets() bool {
	return s.Microsoft.ClientSecret != "" || s.Recall.APIKey != ""
}

var safeKeyRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,40}$`)

// parseSetupJSON decodes a plaintext setup file strictly: unknown keys are
// errors, because a misspelt key would otherwise silently drop a setting.
// Messages never quote the file's values.
func parseSetupJSON(data []byte) (setupFile, *problem.Problem) {
	// A newer file may hold keys this version doesn't know: look at its
	// version first, so it is refused as "too new", not as "unknown key".
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if json.Unmarshal(data, &head) == nil && head.Format == SetupFileFormat && head.Version > SetupFileVersion {
		return setupFile{}, setupFileTooNew(head.Version)
	}
	var sf setupFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&sf)
	if err == nil {
		if _, tokErr := dec.Token(); !errors.Is(tokErr, io.EOF) {
			err = errors.New("extra data after the setup")
		}
	}
	if err != nil {
		var syntax *json.SyntaxError
		var typeErr *json.UnmarshalTypeError
		detail := "The file isn't valid JSON."
		switch {
		case errors.As(err, &syntax):
			detail = fmt.Sprintf("The file isn't valid JSON (problem at byte %d).", syntax.Offset)
		case errors.As(err, &typeErr):
			detail = "The value of " + typeErr.Field + " has the wrong type."
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			if safeKeyRe.MatchString(name) {
				detail = "The file has a setting this version doesn't know: " + name + "."
			} else {
				detail = "The file has a setting this version doesn't know."
			}
		case err.Error() == "extra data after the setup":
			detail = "The file has extra data after the setup."
		}
		return setupFile{}, setupFileUnrecognised(detail, nil)
	}
	if sf.Format != SetupFileFormat {
		return setupFile{}, setupFileUnrecognised(`The "format" must be "`+SetupFileFormat+`".`, nil)
	}
	if sf.Version > SetupFileVersion {
		return setupFile{}, setupFileTooNew(sf.Version)
	}
	if sf.Version < 1 {
		return setupFile{}, setupFileUnrecognised(fmt.Sprintf(`The "version" must be a whole number from 1 to %d.`, SetupFileVersion), nil)
	}
	if sf.Version < 3 && sf.Microsoft.GraphHost != "" {
		// Checked first: a file with it needs version 3 whatever else it has.
		return setupFile{}, setupFileUnrecognised(`The "microsoft.graphHost" setting needs "version": 3.`, nil)
	}
	if sf.Version < 2 && (sf.Meetings != nil || sf.Background != nil) {
		// Older installs refuse these keys; version 2 makes them say
		// "update" instead.
		return setupFile{}, setupFileUnrecognised(`The "meetings" and "background" settings need "version": 2.`, nil)
	}
	return sf, nil
}

// parseProfile reads the build's profile: a plaintext setup file. Values
// are checked by Resolve, so a bad one is named on the error card.
func parseProfile(data []byte) (map[string]string, *problem.Problem) {
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]string{}, nil
	}
	if isEncrypted(data) {
		return nil, invalidProfile([]problem.Detail{{Label: "build/profile.json", Value: "The profile must not be encrypted."}})
	}
	sf, p := parseSetupJSON(data)
	if p != nil {
		return nil, invalidProfile(append([]problem.Detail{{Label: "build/profile.json", Value: p.Message}}, p.Details...))
	}
	in := sf.input()
	out := map[string]string{}
	for _, f := range fields {
		if v := strings.TrimSpace(*inputField(&in, f.name)); v != "" {
			out[f.name] = v
		}
	}
	return out, nil
}

func isEncrypted(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return bytes.HasPrefix(t, []byte(armor.Header)) || bytes.HasPrefix(t, []byte(binaryAgeHeader))
}

// Import reads a setup file (plain or passphrase-protected), validates all
// of it, and only then stores secrets in the SecretStore and the rest in
// settings.json. Problems with the file itself come back in the result;
// the error is for failures to store.
func (m *Manager) Import(ctx context.Context, data []byte, passphrase string) (ImportResult, error) {
	res := ImportResult{Errors: []FieldError{}, Warnings: []string{}}
	if len(data) > MaxSetupFileSize {
		res.Problem = &problem.Problem{
			Code:     "config.setup_file_too_large",
			Title:    "This file is too large",
			Message:  "This file is too large to be an Outlook Connect setup file.",
			NextStep: "Check that you chose the setup file your IT team sent you.",
			Details:  []problem.Detail{{Label: "Size limit", Value: fmt.Sprintf("%d KiB", MaxSetupFileSize>>10)}},
		}
		return res, nil
	}
	encrypted := isEncrypted(data)
	plain := data
	if encrypted {
		if passphrase == "" {
			res.NeedsPassphrase = true
			return res, nil
		}
		var p *problem.Problem
		plain, p = decryptSetupFile(data, passphrase)
		if p != nil {
			// A wrong passphrase asks for the passphrase again, with the
			// problem as the reason (the Setup screen keeps its dialog open).
			res.NeedsPassphrase = p.Code == "config.setup_file_wrong_passphrase"
			res.Problem = p
			return res, nil
		}
	}
	sf, p := parseSetupJSON(plain)
	if p != nil {
		res.Problem = p
		return res, nil
	}
	norm, errs := m.validate(sf.input())
	if len(errs) > 0 {
		for _, e := range errs {
			res.Errors = append(res.Errors, FieldError{Field: fieldByName(e.Field).filePath, Message: e.Message})
		}
		return res, nil
	}
	if !encrypted && sf.hasSecrets() {
		res.Warnings = append(res.Warnings, "This setup file holds secrets without a passphrase. Delete the file now that it's imported, and ask for a passphrase-protected file next time.")
	}
	locked, err := m.apply(ctx, norm)
	if err != nil {
		return ImportResult{}, err
	}
	for _, f := range locked {
		res.Warnings = append(res.Warnings, "The "+f.label+" from the file isn't used, because "+f.env+" is set on this computer.")
	}
	view, err := m.View(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	for _, name := range view.Missing {
		res.Warnings = append(res.Warnings, "The "+fieldByName(name).label+" is still missing. Enter it in Setup to leave demo mode.")
	}
	res.OK = true
	res.View = &view
	return res, nil
}

func decryptSetupFile(data []byte, passphrase string) ([]byte, *problem.Problem) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return nil, setupFileDamaged(err)
	}
	t := bytes.TrimLeft(data, " \t\r\n")
	var src io.Reader = bytes.NewReader(t)
	if bytes.HasPrefix(t, []byte(armor.Header)) {
		src = armor.NewReader(src)
	}
	r, err := age.Decrypt(src, id)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			for _, typ := range noMatch.StanzaTypes {
				if typ == "scrypt" {
					return nil, &problem.Problem{
						Code:      "config.setup_file_wrong_passphrase",
						Title:     "Wrong passphrase",
						Message:   "That passphrase doesn't open this setup file.",
						NextStep:  "Check the passphrase with whoever sent you the file (it is case-sensitive) and try again.",
						Retryable: true,
					}
				}
			}
			return nil, &problem.Problem{
				Code:     "config.setup_file_not_passphrase",
				Title:    "This file isn't protected with a passphrase",
				Message:  "This file was encrypted for a specific key, not with a passphrase, so Outlook Connect can't open it.",
				NextStep: "Ask IT for a setup file exported from Outlook Connect with a passphrase.",
			}
		}
		return nil, setupFileDamaged(err)
	}
	plain, err := io.ReadAll(io.LimitReader(r, MaxSetupFileSize+1))
	if err != nil {
		return nil, setupFileDamaged(err)
	}
	if len(plain) > MaxSetupFileSize {
		return nil, setupFileUnrecognised("The file holds more than a setup file can.", nil)
	}
	return plain, nil
}

// Export writes the settings the app currently uses as a setup file.
// Secrets are included only when asked, and then only encrypted unless
// AllowPlaintextSecrets says otherwise.
func (m *Manager) Export(ctx context.Context, opts ExportOptions) ([]byte, string, error) {
	if opts.IncludeSecrets && opts.Passphrase == "" && !opts.AllowPlaintextSecrets {
		return nil, "", &problem.Problem{
			Code:     "config.export_needs_passphrase",
			Title:    "Choose a passphrase",
			Message:  "A setup file with secrets must be protected with a passphrase.",
			NextStep: "Enter a passphrase and share it with people separately from the file (for example by phone).",
		}
	}
	if opts.Passphrase != "" && len([]rune(opts.Passphrase)) < minPassphraseLen {
		return nil, "", &problem.Problem{
			Code:     "config.export_weak_passphrase",
			Title:    "Choose a longer passphrase",
			Message:  fmt.Sprintf("Use a passphrase of at least %d characters.", minPassphraseLen),
			NextStep: "A few unrelated words make a passphrase that is long and easy to type.",
		}
	}
	l, err := m.gather(ctx)
	if err != nil {
		return nil, "", err
	}
	e := l.effective()
	var in SetupInput
	var bad []problem.Detail
	for _, f := range fields {
		v := e.values[f.name]
		// Defaults stay out: a file that pinned them would turn "nobody
		// chose" into "the admin chose" (the background switch, the
		// assistant's name) and keep them when a later version changes
		// them.
		if v == "" || e.sources[f.name] == SourceDefault || (f.secret != "" && !opts.IncludeSecrets) {
			continue
		}
		norm, msg := f.check(v)
		if msg != "" {
			bad = append(bad, problem.Detail{Label: f.nameIn(e.sources[f.name]), Value: msg})
			continue
		}
		*inputField(&in, f.name) = norm
	}
	if len(bad) == 0 {
		// The pair must agree too, or the file would not import.
		if msg := graphHostMismatch(in.Authority, in.GraphHost, fixUnsetGraphHost); msg != "" {
			bad = append(bad, problem.Detail{Label: fieldByName(FieldGraphHost).nameIn(e.sources[FieldGraphHost]), Value: msg})
		}
	}
	if len(bad) > 0 {
		return nil, "", &problem.Problem{
			Code:     "config.export_invalid",
			Title:    "Some settings need correcting first",
			Message:  "Some settings in use aren't valid, so they can't go into a setup file.",
			NextStep: "Correct the settings listed in the details, then export again.",
			Details:  bad,
			ForAdmin: true,
		}
	}
	plain, err := json.MarshalIndent(setupFileOf(in), "", "  ")
	if err != nil {
		return nil, "", err
	}
	plain = append(plain, '\n')
	name := "outlook-connect-setup-" + m.now().Format("2006-01-02") + ".json"
	if opts.Passphrase == "" {
		return plain, name, nil
	}
	out, err := encryptSetupFile(plain, opts.Passphrase, m.scryptLogN)
	if err != nil {
		return nil, "", err
	}
	return out, name + ".age", nil
}

func encryptSetupFile(plain []byte, passphrase string, logN int) ([]byte, error) {
	rcpt, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, err
	}
	rcpt.SetWorkFactor(logN)
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, rcpt)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := aw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func setupFileTooNew(version int) *problem.Problem {
	return &problem.Problem{
		Code:     "config.setup_file_too_new",
		Title:    "This setup file needs a newer Outlook Connect",
		Message:  "The setup file was made for a newer version of Outlook Connect.",
		NextStep: "Update Outlook Connect, then import the file again.",
		Details:  []problem.Detail{{Label: "File version", Value: fmt.Sprint(version)}, {Label: "Newest version this app reads", Value: fmt.Sprint(SetupFileVersion)}},
	}
}

func setupFileUnrecognised(detail string, cause error) *problem.Problem {
	return &problem.Problem{
		Code:     "config.setup_file_unrecognised",
		Title:    "This isn't a setup file Outlook Connect can read",
		Message:  "The file isn't an Outlook Connect setup file, or it has been changed.",
		NextStep: "Check that you chose the right file, or ask IT to export it again from Outlook Connect.",
		Details:  []problem.Detail{{Label: "What's wrong", Value: detail}},
		Cause:    cause,
	}
}

func setupFileDamaged(cause error) *problem.Problem {
	return &problem.Problem{
		Code:     "config.setup_file_damaged",
		Title:    "This setup file is damaged",
		Message:  "The passphrase-protected setup file is incomplete or has been changed, so it can't be trusted.",
		NextStep: "Ask for the file again; if it came by email, save the attachment directly rather than copying its text.",
		Cause:    cause,
	}
}
