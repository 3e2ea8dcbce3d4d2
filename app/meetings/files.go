package meetings

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
	"github.com/outlookconnect/outlook-connect/app/store"
)

// Runner says who ran a sync: the window or the background helper
// (issue 14).
type Runner string

// The runners.
const (
	ByWindow     Runner = "window"
	ByBackground Runner = "background"
)

// Cache is meetings.json: the calendar's events as Meeting values, the
// sync cursor and what each runner did. It holds no secret.
type Cache struct {
	CalendarID string `json:"calendarId"`
	// Cursor is the largest updated_at Recall has sent (server time). It
	// only moves when a whole sync has been applied.
	Cursor time.Time `json:"cursor,omitzero"`
	// LastFullAt is when the last full load ran.
	LastFullAt time.Time `json:"lastFullAt,omitzero"`
	// LastSyncAt and LastSyncBy describe the last successful sync.
	LastSyncAt time.Time `json:"lastSyncAt,omitzero"`
	LastSyncBy Runner    `json:"lastSyncBy,omitempty"`
	// Runs counts, per runner, the bots it scheduled and removed since the
	// cache was created.
	Runs     map[Runner]RunRecord `json:"runs,omitempty"`
	Meetings []Meeting            `json:"meetings"`
}

// RunRecord is what one runner did.
type RunRecord struct {
	LastSyncAt time.Time `json:"lastSyncAt,omitzero"`
	RunCounts
}

// RunCounts are bots scheduled and removed.
type RunCounts struct {
	BotsScheduled int `json:"botsScheduled"`
	BotsRemoved   int `json:"botsRemoved"`
}

// Preferences is preferences.json: the person's choices. The rule fields
// are the person's own; the admin default comes from Options.
type Preferences struct {
	// Rule is the rule the person picked; "" when they have not.
	Rule Rule `json:"rule,omitempty"`
	// AcceptedOnly goes with Rule: set together by SetRule.
	AcceptedOnly bool `json:"acceptedOnly,omitempty"`
	// RuleAnswered: the person picked a rule or dismissed the one-time
	// prompt, so it is not shown again.
	RuleAnswered bool `json:"ruleAnswered,omitempty"`
	// Overrides are per-meeting choices by Recall event id.
	Overrides map[string]Override `json:"overrides,omitempty"`
	// KeepScheduling is the person's "Keep scheduling when Outlook Connect
	// is closed" choice (issue 14); nil when they have not chosen.
	KeepScheduling *bool `json:"keepScheduling,omitempty"`
	// SeenRuns are the run counts the window last showed, per runner, so
	// it can say what the background helper did since.
	SeenRuns map[Runner]RunCounts `json:"seenRuns,omitempty"`
}

func (p Preferences) clone() Preferences {
	c := p
	if p.Overrides != nil {
		c.Overrides = make(map[string]Override, len(p.Overrides))
		for k, v := range p.Overrides {
			c.Overrides[k] = v
		}
	}
	if p.SeenRuns != nil {
		c.SeenRuns = make(map[Runner]RunCounts, len(p.SeenRuns))
		for k, v := range p.SeenRuns {
			c.SeenRuns[k] = v
		}
	}
	if p.KeepScheduling != nil {
		v := *p.KeepScheduling
		c.KeepScheduling = &v
	}
	return c
}

// CacheStore keeps the Cache. Load returns the zero Cache when there is
// none; a damaged file is set aside by the store and reported, and the
// Service then starts afresh.
type CacheStore interface {
	Load() (Cache, error)
	Save(Cache) error
	Remove() error
}

// PrefsStore keeps the Preferences. Load returns the zero value when
// there are none.
type PrefsStore interface {
	Load() (Preferences, error)
	Save(Preferences) error
}

// File schemas; changes must stay additive (app/store).
const (
	cacheSchema = 1
	prefsSchema = 1
)

// maxCacheBytes keeps meetings.json below what app/store reads (1 MiB).
const maxCacheBytes = 960 << 10

// FileCache keeps the Cache in a file with app/store: atomic, mode 0600,
// a damaged file moved to <name>.bad.
type FileCache struct{ Path string }

// NewFileCache returns a CacheStore over path (meetings.json, or
// meetings-demo.json in demo mode).
func NewFileCache(path string) *FileCache { return &FileCache{Path: path} }

// Load reads the cache.
func (f *FileCache) Load() (Cache, error) {
	var c Cache
	if _, err := store.ReadJSON(f.Path, cacheSchema, &c); err != nil {
		return Cache{}, err
	}
	return c, nil
}

// Save writes the cache compactly, in app/store's envelope. A diary too
// big for the file first loses its attendee lists (the counts of outside
// guests by domain stay); if it is still too big it is not written.
func (f *FileCache) Save(c Cache) error {
	data, err := encodeCache(c)
	if err != nil {
		return err
	}
	if len(data) > maxCacheBytes {
		c.Meetings = append([]Meeting(nil), c.Meetings...)
		for i := range c.Meetings {
			c.Meetings[i] = foldAttendees(c.Meetings[i])
		}
		if data, err = encodeCache(c); err != nil {
			return err
		}
	}
	if len(data) > maxCacheBytes {
		return &problem.Problem{
			Code:      "meetings.cache_too_large",
			Title:     "The meetings list could not be saved",
			Message:   "This calendar has more meetings than Outlook Connect can keep on disk. The list stays up to date while the app runs.",
			NextStep:  "Nothing to do; the list is loaded from Recall again at the next start.",
			Details:   []problem.Detail{{Label: "File", Value: f.Path}, {Label: "Meetings", Value: fmt.Sprint(len(c.Meetings))}},
			Retryable: true,
		}
	}
	return store.WriteFileAtomic(f.Path, data)
}

// Remove deletes the file.
func (f *FileCache) Remove() error { return store.Remove(f.Path) }

func encodeCache(c Cache) ([]byte, error) {
	if c.Meetings == nil {
		c.Meetings = []Meeting{}
	}
	data, err := json.Marshal(struct {
		Schema int   `json:"schema"`
		Data   Cache `json:"data"`
	}{cacheSchema, c})
	if err != nil {
		return nil, fmt.Errorf("meetings: encode cache: %w", err)
	}
	return append(data, '\n'), nil
}

// foldAttendees replaces the attendee list by counts per domain.
func foldAttendees(m Meeting) Meeting {
	if len(m.Attendees) == 0 {
		return m
	}
	more := make(map[string]int, len(m.MoreAttendees)+1)
	for d, n := range m.MoreAttendees {
		more[d] = n
	}
	for _, a := range m.Attendees {
		more[domainOf(a.Email)]++
	}
	m.Attendees, m.MoreAttendees = nil, more
	return m
}

// FilePrefs keeps the Preferences in a file with app/store.
type FilePrefs struct{ file store.File[Preferences] }

// NewFilePrefs returns a PrefsStore over path (preferences.json, or
// preferences-demo.json in demo mode).
func NewFilePrefs(path string) *FilePrefs {
	return &FilePrefs{file: store.File[Preferences]{Path: path, Schema: prefsSchema}}
}

// Load reads the preferences.
func (f *FilePrefs) Load() (Preferences, error) {
	p, _, err := f.file.Load()
	return p, err
}

// Save writes the preferences.
func (f *FilePrefs) Save(p Preferences) error { return f.file.Save(p) }
