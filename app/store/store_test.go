package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type settings struct {
	Account    string `json:"account"`
	CalendarID string `json:"calendarId"`
	Count      int    `json:"count"`
}

func wantProblem(t *testing.T, err error, code string) *problem.Problem {
	t.Helper()
	var p *problem.Problem
	if !errors.As(err, &p) {
		t.Fatalf("got %T %v, want *problem.Problem %s", err, err, code)
	}
	if p.Code != code {
		t.Fatalf("got code %s, want %s", p.Code, code)
	}
	if p.Title == "" || p.Message == "" || p.NextStep == "" {
		t.Errorf("incomplete problem %+v", p)
	}
	return p
}

// names lists the files in dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestFileRoundTrip(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "config", "outlook-connect")
	f := File[settings]{Path: filepath.Join(dir, "connection.json"), Schema: 2}

	got, found, err := f.Load()
	if err != nil || found || got != (settings{}) {
		t.Fatalf("missing file: %+v found=%v err=%v", got, found, err)
	}
	want := settings{Account: "a@example.com", CalendarID: "cal-1", Count: 3}
	if err := f.Save(want); err != nil {
		t.Fatal(err)
	}
	got, found, err = f.Load()
	if err != nil || !found || got != want {
		t.Fatalf("load: %+v found=%v err=%v", got, found, err)
	}

	if n := names(t, dir); len(n) != 1 || n[0] != "connection.json" {
		t.Errorf("folder holds %v, want only connection.json (no temp files)", n)
	}
	if runtime.GOOS != "windows" {
		if info, _ := os.Stat(f.Path); info.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v, want 0600", info.Mode().Perm())
		}
		if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
			t.Errorf("folder mode %v, want 0700", info.Mode().Perm())
		}
	}

	raw, _ := os.ReadFile(f.Path)
	var env struct {
		Schema int      `json:"schema"`
		Data   settings `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.Schema != 2 || env.Data != want {
		t.Errorf("envelope %s: %v", raw, err)
	}

	if err := f.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := f.Remove(); err != nil {
		t.Errorf("removing a missing file: %v", err)
	}
	if _, found, _ := f.Load(); found {
		t.Error("file still found after Remove")
	}
}

func TestWriteTightensExistingFileMode(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix file modes")
	}
	path := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(path, 1, settings{Account: "x"}); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after rewrite, want 0600", info.Mode().Perm())
	}
}

func TestCorruptFileIsMovedAsideAndNamed(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"not json":       "{\"schema\": 1, \"data\": {\"account\": ",
		"empty":          "",
		"trailing junk":  `{"schema":1,"data":{"account":"a"}} {"x":1}`,
		"no schema":      `{"data":{"account":"a"}}`,
		"zero schema":    `{"schema":0,"data":{"account":"a"}}`,
		"no data":        `{"schema":1}`,
		"null data":      `{"schema":1,"data":null}`,
		"wrong shape":    `{"schema":1,"data":{"count":"three"}}`,
		"not an object":  `[1,2,3]`,
		"binary garbage": "\x00\xff\xfe garbage",
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "settings.json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			var v settings
			found, err := ReadJSON(path, 1, &v)
			p := wantProblem(t, err, CodeCorrupt)
			if !found {
				t.Error("found=false for a file that exists")
			}
			if file, _ := p.Detail("File"); file != path {
				t.Errorf("File detail %q, want %q", file, path)
			}
			if moved, _ := p.Detail("Moved to"); moved != path+".bad" {
				t.Errorf("Moved to detail %q", moved)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("corrupt file still in place: %v", err)
			}
			kept, err := os.ReadFile(path + ".bad")
			if err != nil || string(kept) != content {
				t.Errorf("the .bad copy is not the original: %v", err)
			}
			// The next read starts clean.
			if found, err := ReadJSON(path, 1, &v); found || err != nil {
				t.Errorf("after moving aside: found=%v err=%v", found, err)
			}
		})
	}
}

// PeekJSON reads like ReadJSON but leaves a damaged file to its owner.
func TestPeekLeavesADamagedFileInPlace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "connection.json")
	content := `{"schema":1,"data":{"count":"three"}}`
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	var v settings
	found, err := PeekJSON(path, 1, &v)
	p := wantProblem(t, err, CodeCorrupt)
	if !found {
		t.Error("found=false for a file that exists")
	}
	if _, moved := p.Detail("Moved to"); moved {
		t.Errorf("the peek says it moved the file: %+v", p.Details)
	}
	if kept, err := os.ReadFile(path); err != nil || string(kept) != content {
		t.Fatalf("the peek touched the file: %v", err)
	}
	if _, err := os.Stat(path + ".bad"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the peek made a .bad copy: %v", err)
	}

	good := filepath.Join(dir, "settings.json")
	if err := WriteJSON(good, 1, settings{Account: "a"}); err != nil {
		t.Fatal(err)
	}
	if found, err := PeekJSON(good, 1, &v); !found || err != nil || v.Account != "a" {
		t.Fatalf("peek of a good file: found=%v err=%v v=%+v", found, err, v)
	}
	if found, err := PeekJSON(filepath.Join(dir, "missing.json"), 1, &v); found || err != nil {
		t.Fatalf("peek of a missing file: found=%v err=%v", found, err)
	}
}

func TestOnlyTheNewestBadCopyIsKept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "settings.json")
	for _, content := range []string{"first damage", "second damage"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		var v settings
		_, err := ReadJSON(path, 1, &v)
		wantProblem(t, err, CodeCorrupt)
	}
	kept, _ := os.ReadFile(path + ".bad")
	if string(kept) != "second damage" {
		t.Errorf(".bad holds %q, want the newest damaged file", kept)
	}
	if n := names(t, dir); len(n) != 1 {
		t.Errorf("folder holds %v, want one .bad file", n)
	}
}

func TestTooLargeFileIsCorrupt(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "settings.json")
	big := `{"schema":1,"data":{"account":"` + strings.Repeat("a", maxFileSize) + `"}}`
	if err := os.WriteFile(path, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	var v settings
	_, err := ReadJSON(path, 1, &v)
	wantProblem(t, err, CodeCorrupt)
	if _, err := os.Stat(path + ".bad"); err != nil {
		t.Errorf("not moved aside: %v", err)
	}
}

func TestNewerSchemaIsRefusedAndLeftAlone(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "settings.json")
	content := `{"schema":3,"data":{"account":"a","futureField":true}}`
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	var v settings
	found, err := ReadJSON(path, 2, &v)
	p := wantProblem(t, err, CodeNewerSchema)
	if !found {
		t.Error("found=false")
	}
	if s, _ := p.Detail("File schema"); s != "3" {
		t.Errorf("File schema detail %q", s)
	}
	if s, _ := p.Detail("Supported schema"); s != "2" {
		t.Errorf("Supported schema detail %q", s)
	}
	if kept, _ := os.ReadFile(path); string(kept) != content {
		t.Error("a newer file was changed")
	}
	if _, err := os.Stat(path + ".bad"); !errors.Is(err, os.ErrNotExist) {
		t.Error("a newer file was moved aside")
	}
}

func TestOlderSchemaIsRead(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := WriteJSON(path, 1, settings{Account: "old@example.com"}); err != nil {
		t.Fatal(err)
	}
	var v settings
	if found, err := ReadJSON(path, 2, &v); err != nil || !found || v.Account != "old@example.com" {
		t.Errorf("older schema: %+v found=%v err=%v", v, found, err)
	}
}

func TestWriteFailuresAreProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blocker := filepath.Join(dir, "not-a-folder")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(blocker, "settings.json")
	p := wantProblem(t, WriteJSON(path, 1, settings{}), CodeUnwritable)
	if file, _ := p.Detail("File"); file != path {
		t.Errorf("File detail %q", file)
	}

	// A value that cannot be JSON leaves no file behind.
	target := filepath.Join(dir, "s.json")
	wantProblem(t, WriteJSON(target, 1, map[string]any{"ch": make(chan int)}), CodeInvalidValue)
	wantProblem(t, WriteJSON(target, 0, settings{}), CodeInvalidValue)
	if n := names(t, dir); len(n) != 1 {
		t.Errorf("folder holds %v after failed writes", n)
	}
	var v settings
	_, err := ReadJSON(target, 0, &v)
	wantProblem(t, err, CodeInvalidValue)
}

func TestReadingAFolderIsUnreadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var v settings
	_, err := ReadJSON(dir, 1, &v)
	wantProblem(t, err, CodeUnreadable)
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("folder was moved: %v", err)
	}
}

// TestConcurrentWritersNeverTearTheFile has many goroutines replace a
// large file while others read it: every read must decode to one whole
// value written by one writer.
func TestConcurrentWritersNeverTearTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	const writers, rounds, size = 6, 20, 64 << 10
	value := func(w, i int) settings {
		return settings{Account: strings.Repeat(string(rune('a'+w)), size), CalendarID: fmt.Sprint(w), Count: i}
	}
	if err := WriteJSON(path, 1, value(0, 0)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*2)
	stop := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			for i := range rounds {
				if err := WriteJSON(path, 1, value(w, i)); err != nil {
					errs <- err
				}
			}
		})
	}
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var v settings
				found, err := ReadJSON(path, 1, &v)
				if err != nil || !found {
					errs <- fmt.Errorf("read during writes: found=%v err=%v", found, err)
					return
				}
				var w int
				if _, err := fmt.Sscan(v.CalendarID, &w); err != nil || v != value(w, v.Count) {
					errs <- fmt.Errorf("torn read: writer %q count %d", v.CalendarID, v.Count)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := names(t, dir); len(n) != 1 || n[0] != "state.json" {
		t.Errorf("folder holds %v, want only state.json", n)
	}
}

func BenchmarkWriteJSON(b *testing.B) {
	path := filepath.Join(b.TempDir(), "connection.json")
	v := settings{Account: "person@example.com", CalendarID: "8f1c2d3e-0000-4000-8000-000000000000"}
	for b.Loop() {
		if err := WriteJSON(path, 1, v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadJSON(b *testing.B) {
	path := filepath.Join(b.TempDir(), "connection.json")
	if err := WriteJSON(path, 1, settings{Account: "person@example.com", CalendarID: "cal"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var v settings
		if _, err := ReadJSON(path, 1, &v); err != nil {
			b.Fatal(err)
		}
	}
}
