// Package config works out the settings Outlook Connect runs with, from the
// environment, settings saved by the app (secrets in the keychain), a
// profile baked into the build, or nothing (demo mode); and it serves the
// Setup screen: validation, saving, setup files and the Test buttons.
package config

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Options are a Manager's dependencies.
type Options struct {
	// Env reads environment variables; os.LookupEnv when nil.
	Env LookupEnv
	// ConfigDir overrides the folder from OUTLOOK_CONNECT_CONFIG_DIR or the
	// user's config folder (the lead passes the folder it already chose).
	ConfigDir string
	// UserConfigDir is os.UserConfigDir when nil.
	UserConfigDir func() (string, error)
	// Profile is build/profile.json as embedded in the build (a setup file
	// without encryption); empty when the build has none.
	Profile    []byte
	Settings   SettingsFile
	Secrets    SecretStore
	Recall     RecallProber
	HTTPClient *http.Client // for TestMicrosoft; http.DefaultClient when nil
	Now        func() time.Time
}

// Manager resolves configuration and serves the Setup screen.
type Manager struct {
	env           LookupEnv
	configDir     string
	userConfigDir func() (string, error)
	profile       map[string]string
	profileErr    *problem.Problem
	settings      SettingsFile
	secrets       SecretStore
	recall        RecallProber
	httpClient    *http.Client
	now           func() time.Time
	// scryptLogN is the work factor for exported files; tests lower it.
	scryptLogN int

	// mu serialises changes (Save, Import, Reset) so two never interleave.
	mu sync.Mutex
}

// New builds a Manager. A broken profile is reported by Resolve, so the
// app can show it on an error card.
func New(opts Options) *Manager {
	m := &Manager{
		env:           opts.Env,
		configDir:     opts.ConfigDir,
		userConfigDir: opts.UserConfigDir,
		settings:      opts.Settings,
		secrets:       opts.Secrets,
		recall:        opts.Recall,
		httpClient:    opts.HTTPClient,
		now:           opts.Now,
		scryptLogN:    defaultScryptLogN,
	}
	if m.env == nil {
		m.env = osLookupEnv
	}
	if m.httpClient == nil {
		m.httpClient = http.DefaultClient
	}
	if m.now == nil {
		m.now = time.Now
	}
	m.profile, m.profileErr = parseProfile(opts.Profile)
	return m
}

// savedSettings is settings.json's data: never a secret. Booleans and
// numbers are JSON-typed; nil means "not saved" (a lower source applies).
type savedSettings struct {
	ClientID      string `json:"clientId,omitempty"`
	Tenant        string `json:"tenant,omitempty"`
	Authority     string `json:"authority,omitempty"`
	GraphHost     string `json:"graphHost,omitempty"`
	RedirectHost  string `json:"redirectHost,omitempty"`
	ResponseMode  string `json:"responseMode,omitempty"`
	RecallRegion  string `json:"recallRegion,omitempty"`
	RecallBaseURL string `json:"recallBaseUrl,omitempty"`

	DefaultRecordingRule string   `json:"defaultRecordingRule,omitempty"`
	DefaultAcceptedOnly  *bool    `json:"defaultAcceptedOnly,omitempty"`
	BotName              string   `json:"botName,omitempty"`
	InternalDomains      []string `json:"internalDomains,omitempty"`
	KeepScheduling       *bool    `json:"keepScheduling,omitempty"`
	ExpectedInstalls     *int     `json:"expectedInstalls,omitempty"`
}

func (s savedSettings) toMap() map[string]string {
	return map[string]string{
		FieldClientID:             s.ClientID,
		FieldTenant:               s.Tenant,
		FieldAuthority:            s.Authority,
		FieldGraphHost:            s.GraphHost,
		FieldRedirectHost:         s.RedirectHost,
		FieldResponseMode:         s.ResponseMode,
		FieldRecallRegion:         s.RecallRegion,
		FieldRecallBaseURL:        s.RecallBaseURL,
		FieldDefaultRecordingRule: s.DefaultRecordingRule,
		FieldDefaultAcceptedOnly:  boolText(s.DefaultAcceptedOnly),
		FieldBotName:              s.BotName,
		FieldInternalDomains:      strings.Join(s.InternalDomains, ", "),
		FieldKeepScheduling:       boolText(s.KeepScheduling),
		FieldExpectedInstalls:     intText(s.ExpectedInstalls),
	}
}

// settingsFromMap takes normalised values (validateInput's output, or
// toMap's for locked fields).
func settingsFromMap(v map[string]string) savedSettings {
	return savedSettings{
		ClientID:             v[FieldClientID],
		Tenant:               v[FieldTenant],
		Authority:            v[FieldAuthority],
		GraphHost:            v[FieldGraphHost],
		RedirectHost:         v[FieldRedirectHost],
		ResponseMode:         v[FieldResponseMode],
		RecallRegion:         v[FieldRecallRegion],
		RecallBaseURL:        v[FieldRecallBaseURL],
		DefaultRecordingRule: v[FieldDefaultRecordingRule],
		DefaultAcceptedOnly:  textBool(v[FieldDefaultAcceptedOnly]),
		BotName:              v[FieldBotName],
		InternalDomains:      splitDomains(v[FieldInternalDomains]),
		KeepScheduling:       textBool(v[FieldKeepScheduling]),
		ExpectedInstalls:     textInt(v[FieldExpectedInstalls]),
	}
}

// boolText and intText give typed optional values the string form the
// field checks take; "" when unset.
func boolText(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

func intText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// textBool and textInt undo boolText and intText for checked values;
// anything else is nil (not set).
func textBool(s string) *bool {
	b, ok := parseBool(s)
	if !ok {
		return nil
	}
	return &b
}

func textInt(s string) *int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return nil
	}
	return &n
}

// layers holds the raw values of each source, highest first.
type layers struct {
	env, saved, profile map[string]string
}

// valuesOf returns the values a source contributes.
func (l layers) valuesOf(src Source) map[string]string {
	switch src {
	case SourceEnvironment:
		return l.env
	case SourceSaved:
		return l.saved
	case SourceProfile:
		return l.profile
	}
	return nil
}

var layerOrder = []Source{SourceEnvironment, SourceSaved, SourceProfile}

// gather reads every source. Stored secrets are read only when the
// environment doesn't already provide them, so an env-configured app never
// touches the keychain for them.
func (m *Manager) gather(ctx context.Context) (layers, error) {
	l := layers{env: map[string]string{}, saved: map[string]string{}, profile: m.profile}
	for _, f := range fields {
		if v := envValue(m.env, f.env); v != "" {
			l.env[f.name] = v
		}
	}
	saved, err := m.readSettings()
	if err != nil {
		return layers{}, err
	}
	l.saved = saved.toMap()
	for _, f := range fields {
		if f.secret == "" || l.env[f.name] != "" {
			continue
		}
		v, err := m.readSecret(ctx, f.secret)
		if err != nil {
			return layers{}, err
		}
		l.saved[f.name] = v
	}
	return l, nil
}

func (m *Manager) readSettings() (savedSettings, error) {
	var s savedSettings
	if m.settings == nil {
		return s, nil
	}
	if _, err := m.settings.Read(&s); err != nil {
		return savedSettings{}, asProblem(err, settingsUnreadable)
	}
	return s, nil
}

func (m *Manager) readSecret(ctx context.Context, name SecretName) (string, error) {
	if m.secrets == nil {
		return "", nil
	}
	v, err := m.secrets.Get(ctx, name)
	if errors.Is(err, ErrSecretNotFound) {
		return "", nil
	}
	if err != nil {
		return "", asProblem(err, secretsUnavailable)
	}
	return v, nil
}

// effective is the winning value and source of every field.
type effective struct {
	values  map[string]string
	sources map[string]Source
}

var defaults = map[string]string{
	FieldTenant:              DefaultTenant,
	FieldAuthority:           DefaultAuthority,
	FieldRedirectHost:        DefaultRedirectHost,
	FieldResponseMode:        DefaultResponseMode,
	FieldRecallRegion:        DefaultRecallRegion,
	FieldDefaultAcceptedOnly: "false",
	FieldBotName:             DefaultBotName,
	FieldKeepScheduling:      strconv.FormatBool(DefaultKeepScheduling),
	FieldExpectedInstalls:    strconv.Itoa(DefaultExpectedInstalls),
}

// effective picks each field from the highest source that sets it. The
// Recall region and base URL are one decision: the highest source that
// sets either decides both, so a lower source's base URL never silently
// overrides a region chosen higher up.
func (l layers) effective() effective {
	e := effective{values: map[string]string{}, sources: map[string]Source{}}
	for _, f := range fields {
		if f.name == FieldRecallRegion || f.name == FieldRecallBaseURL {
			continue
		}
		e.values[f.name], e.sources[f.name] = defaults[f.name], SourceDefault
		for _, src := range layerOrder {
			if v := l.valuesOf(src)[f.name]; v != "" {
				e.values[f.name], e.sources[f.name] = v, src
				break
			}
		}
	}
	e.values[FieldRecallRegion], e.sources[FieldRecallRegion] = DefaultRecallRegion, SourceDefault
	e.values[FieldRecallBaseURL], e.sources[FieldRecallBaseURL] = "", SourceDefault
	for _, src := range layerOrder {
		vals := l.valuesOf(src)
		if vals[FieldRecallRegion] == "" && vals[FieldRecallBaseURL] == "" {
			continue
		}
		e.values[FieldRecallRegion], e.sources[FieldRecallRegion] = vals[FieldRecallRegion], src
		e.values[FieldRecallBaseURL], e.sources[FieldRecallBaseURL] = vals[FieldRecallBaseURL], src
		break
	}
	return e
}

// missing lists the fields needed to leave demo mode.
func (e effective) missing() []string {
	out := []string{}
	for _, name := range []string{FieldClientID, FieldClientSecret, FieldRecallAPIKey} {
		if e.values[name] == "" {
			out = append(out, name)
		}
	}
	return out
}

// Resolve works out the configuration the app runs with. Invalid values
// yield a *problem.Problem naming the variable or setting, so the app shows
// an error card rather than silently running in demo mode.
func (m *Manager) Resolve(ctx context.Context) (Resolved, error) {
	basics, err := ResolveBasics(m.env, m.userConfigDir)
	var envDetails []problem.Detail
	if err != nil {
		var p *problem.Problem
		if !errors.As(err, &p) || p.Code != "config.invalid_environment" {
			return Resolved{}, err
		}
		envDetails = append(envDetails, p.Details...)
	}
	if m.configDir != "" {
		basics.ConfigDir = filepath.Clean(m.configDir)
		basics.LogsDir = filepath.Join(basics.ConfigDir, logsDirName)
	}
	forced, demoDetail := demoForced(m.env)
	if demoDetail != nil {
		envDetails = append(envDetails, *demoDetail)
	}
	l, err := m.gather(ctx)
	if err != nil {
		return Resolved{}, err
	}
	e := l.effective()

	var savedErrs, profileErrs []problem.Detail
	report := func(f field, msg string) {
		d := problem.Detail{Label: f.nameIn(e.sources[f.name]), Value: msg}
		switch e.sources[f.name] {
		case SourceEnvironment:
			envDetails = append(envDetails, d)
		case SourceSaved:
			savedErrs = append(savedErrs, d)
		case SourceProfile:
			profileErrs = append(profileErrs, d)
		}
	}
	invalid := map[string]bool{}
	for _, f := range fields {
		raw := e.values[f.name]
		if raw == "" {
			continue
		}
		norm, msg := f.check(raw)
		if msg == "" {
			e.values[f.name] = norm
			continue
		}
		invalid[f.name] = true
		report(f, msg)
	}
	if !invalid[FieldAuthority] && !invalid[FieldGraphHost] {
		if msg := graphHostMismatch(e.values[FieldAuthority], e.values[FieldGraphHost], fixUnsetGraphHost); msg != "" {
			report(fieldByName(FieldGraphHost), msg)
		}
	}
	switch {
	case len(envDetails) > 0:
		return Resolved{}, invalidEnvironment(envDetails)
	case len(savedErrs) > 0:
		return Resolved{}, invalidSaved(savedErrs)
	case m.profileErr != nil:
		return Resolved{}, m.profileErr
	case len(profileErrs) > 0:
		return Resolved{}, invalidProfile(profileErrs)
	}

	// Checked above, so this parses.
	expectedInstalls, _ := strconv.Atoi(e.values[FieldExpectedInstalls])
	r := Resolved{
		ClientID:       e.values[FieldClientID],
		ClientSecret:   Secret(e.values[FieldClientSecret]),
		Tenant:         e.values[FieldTenant],
		Authority:      e.values[FieldAuthority],
		GraphHost:      effectiveGraphHost(e.values[FieldAuthority], e.values[FieldGraphHost]),
		RedirectHost:   e.values[FieldRedirectHost],
		ResponseMode:   e.values[FieldResponseMode],
		RecallRegion:   e.values[FieldRecallRegion],
		RecallBaseURL:  e.values[FieldRecallBaseURL],
		RecallAPIKey:   Secret(e.values[FieldRecallAPIKey]),
		Missing:        e.missing(),
		ConfigDir:      basics.ConfigDir,
		LogsDir:        basics.LogsDir,
		KeyringService: basics.KeyringService,
		LogLevel:       basics.LogLevel,
		Browser:        basics.Browser,
		Sources:        e.sources,

		DefaultRecordingRule: e.values[FieldDefaultRecordingRule],
		DefaultAcceptedOnly:  e.values[FieldDefaultAcceptedOnly] == "true",
		BotName:              e.values[FieldBotName],
		InternalDomains:      splitDomains(e.values[FieldInternalDomains]),
		KeepScheduling:       e.values[FieldKeepScheduling] == "true",
		KeepSchedulingSet:    e.sources[FieldKeepScheduling] != SourceDefault,
		ExpectedInstalls:     expectedInstalls,
	}
	if r.RecallBaseURL == "" {
		r.RecallBaseURL = RegionBaseURL(r.RecallRegion)
	} else if r.RecallRegion == "" {
		r.RecallRegion = regionOfBaseURL(r.RecallBaseURL)
	}
	switch {
	case forced:
		r.Demo, r.DemoReason = true, DemoForced
	case len(r.Missing) > 0:
		r.Demo, r.DemoReason = true, DemoUnconfigured
	}
	return r, nil
}

// View is what the Setup screen shows. Unlike Resolve it does not reject
// invalid values: Setup is where they get corrected.
func (m *Manager) View(ctx context.Context) (SetupView, error) {
	l, err := m.gather(ctx)
	if err != nil {
		return SetupView{}, err
	}
	return m.viewOf(l.effective()), nil
}

func (m *Manager) viewOf(e effective) SetupView {
	fv := func(name string) FieldView {
		// Show valid values as they will be used (an environment's "YES"
		// as "true"); invalid ones as they are, so Setup can correct them.
		v := e.values[name]
		if v != "" {
			if norm, msg := fieldByName(name).check(v); msg == "" {
				v = norm
			}
		}
		return FieldView{Value: v, Source: e.sources[name], Locked: e.sources[name] == SourceEnvironment}
	}
	sv := func(name string) SecretView {
		return SecretView{Set: e.values[name] != "", Source: e.sources[name], Locked: e.sources[name] == SourceEnvironment}
	}
	forced, _ := demoForced(m.env)
	v := SetupView{
		Missing:         e.missing(),
		ClientID:        fv(FieldClientID),
		ClientSecret:    sv(FieldClientSecret),
		Tenant:          fv(FieldTenant),
		Authority:       fv(FieldAuthority),
		GraphHost:       fv(FieldGraphHost),
		RedirectHost:    fv(FieldRedirectHost),
		ResponseMode:    fv(FieldResponseMode),
		RecallRegion:    fv(FieldRecallRegion),
		RecallBaseURL:   fv(FieldRecallBaseURL),
		RecallAPIKey:    sv(FieldRecallAPIKey),
		Regions:         append([]string(nil), Regions...),
		RedirectURIHint: redirectURIHint(e.values[FieldRedirectHost]),

		DefaultRecordingRule: fv(FieldDefaultRecordingRule),
		DefaultAcceptedOnly:  fv(FieldDefaultAcceptedOnly),
		BotName:              fv(FieldBotName),
		InternalDomains:      fv(FieldInternalDomains),
		KeepScheduling:       fv(FieldKeepScheduling),
		ExpectedInstalls:     fv(FieldExpectedInstalls),
		RecordingRules:       append([]string(nil), RecordingRules...),
	}
	switch {
	case forced:
		v.Demo, v.DemoReason = true, DemoForced
	case len(v.Missing) > 0:
		v.Demo, v.DemoReason = true, DemoUnconfigured
	}
	return v
}

// Validate checks the Setup form. Empty fields are allowed: an empty
// secret keeps the stored one, other empty fields use the default.
func (m *Manager) Validate(in SetupInput) ValidationResult {
	_, errs := m.validate(in)
	return validationResult(errs)
}

// validate checks each field of in, then the settings that must agree
// with each other as they will be once in is stored.
func (m *Manager) validate(in SetupInput) (SetupInput, []FieldError) {
	norm, errs := validateInput(in)
	for _, e := range errs {
		if e.Field == FieldAuthority || e.Field == FieldGraphHost {
			return norm, errs
		}
	}
	authority, authoritySrc, ok := m.afterSave(norm, FieldAuthority)
	host, hostSrc, hostOK := m.afterSave(norm, FieldGraphHost)
	if !ok || !hostOK {
		// An invalid environment or profile value: Resolve names it.
		return norm, errs
	}
	var field, msg string
	switch hostSrc {
	case SourceEnvironment:
		// The Graph host can't change here; the authority can, unless the
		// environment fixes both (then Resolve's card names them).
		field, msg = FieldGraphHost, graphHostMismatch(authority, host, fixUnsetGraphHost)
		if authoritySrc != SourceEnvironment {
			field, msg = FieldAuthority, graphHostNeeds(authority, host)
		}
	case SourceSaved:
		field, msg = FieldGraphHost, graphHostMismatch(authority, host, fixClearGraphHost)
	case SourceProfile:
		// Emptying the field would bring back the profile's host.
		field, msg = FieldGraphHost, graphHostMismatch(authority, host, fixEnterOwnHost)
	}
	if msg != "" {
		errs = append(errs, FieldError{Field: field, Message: msg})
	}
	return norm, errs
}

// afterSave is a field's checked value and source once in (checked) is
// stored: the environment's, else in's, else the profile's, else the
// default. ok is false when the environment's or profile's value is
// invalid.
func (m *Manager) afterSave(in SetupInput, name string) (string, Source, bool) {
	f := fieldByName(name)
	if raw := envValue(m.env, f.env); raw != "" {
		norm, msg := f.check(raw)
		return norm, SourceEnvironment, msg == ""
	}
	if v := *inputField(&in, name); v != "" {
		return v, SourceSaved, true
	}
	if raw := strings.TrimSpace(m.profile[name]); raw != "" {
		norm, msg := f.check(raw)
		return norm, SourceProfile, msg == ""
	}
	return defaults[name], SourceDefault, true
}

func validationResult(errs []FieldError) ValidationResult {
	if errs == nil {
		errs = []FieldError{}
	}
	return ValidationResult{OK: len(errs) == 0, Errors: errs}
}

// Save validates the form and, only if every field is valid, stores the
// secrets in the SecretStore and the rest in settings.json. Fields set by
// the environment are locked: Save leaves their saved values alone.
func (m *Manager) Save(ctx context.Context, in SetupInput) (SaveResult, error) {
	norm, errs := m.validate(in)
	if len(errs) > 0 {
		return SaveResult{Validation: validationResult(errs)}, nil
	}
	if _, err := m.apply(ctx, norm); err != nil {
		return SaveResult{}, err
	}
	view, err := m.View(ctx)
	if err != nil {
		return SaveResult{}, err
	}
	return SaveResult{Validation: validationResult(nil), View: &view}, nil
}

// apply stores validated input and returns the fields it left alone
// because the environment locks them.
func (m *Manager) apply(ctx context.Context, in SetupInput) ([]field, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.settings == nil || m.secrets == nil {
		return nil, saveFailed(errors.New("config: no settings file or secret store"))
	}
	old, err := m.readSettings()
	if err != nil {
		return nil, err
	}
	oldVals := old.toMap()
	newVals := map[string]string{}
	type secretWrite struct {
		name  SecretName
		value string
	}
	var writes []secretWrite
	var locked []field
	recallLocked := envValue(m.env, EnvRecallRegion) != "" || envValue(m.env, EnvRecallBaseURL) != ""
	for _, f := range fields {
		v := *inputField(&in, f.name)
		isLocked := envValue(m.env, f.env) != ""
		if f.name == FieldRecallRegion || f.name == FieldRecallBaseURL {
			isLocked = recallLocked
		}
		if isLocked {
			if v != "" {
				locked = append(locked, f)
			}
			if f.secret == "" {
				newVals[f.name] = oldVals[f.name]
			}
			continue
		}
		if f.secret != "" {
			if v != "" {
				writes = append(writes, secretWrite{f.secret, v})
			}
			continue
		}
		newVals[f.name] = v
	}

	// Remember the secrets being replaced so a later failure can put them
	// back: a save either happens completely or not at all.
	type previous struct {
		name  SecretName
		value string
		found bool
	}
	var prev []previous
	for _, w := range writes {
		v, err := m.secrets.Get(ctx, w.name)
		switch {
		case err == nil:
			prev = append(prev, previous{w.name, v, true})
		case errors.Is(err, ErrSecretNotFound):
			prev = append(prev, previous{name: w.name})
		default:
			return nil, asProblem(err, secretsUnavailable)
		}
	}
	restore := func(n int) {
		for _, p := range prev[:n] {
			if p.found {
				_ = m.secrets.Set(context.WithoutCancel(ctx), p.name, p.value)
			} else {
				_ = m.secrets.Delete(context.WithoutCancel(ctx), p.name)
			}
		}
	}
	for i, w := range writes {
		if err := m.secrets.Set(ctx, w.name, w.value); err != nil {
			restore(i)
			return nil, asProblem(err, saveFailed)
		}
	}
	if err := m.settings.Write(settingsFromMap(newVals)); err != nil {
		restore(len(writes))
		return nil, asProblem(err, saveFailed)
	}
	return locked, nil
}

// Reset forgets the saved settings and stored secrets. The app returns to
// demo mode unless the environment or the build's profile configures it.
func (m *Manager) Reset(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.settings == nil || m.secrets == nil {
		return saveFailed(errors.New("config: no settings file or secret store"))
	}
	for _, name := range []SecretName{SecretMSClientSecret, SecretRecallAPIKey} {
		if err := m.secrets.Delete(ctx, name); err != nil && !errors.Is(err, ErrSecretNotFound) {
			return asProblem(err, saveFailed)
		}
	}
	if err := m.settings.Write(savedSettings{}); err != nil {
		return asProblem(err, saveFailed)
	}
	return nil
}
