package logging

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// payload makes each log line about 100 KB, so a 1 MB file holds ten.
var payload = strings.Repeat("a", 100_000)

const mib = 1 << 20

// logFiles lists the log files in dir (the active one and the rotated
// ones, "outlook-connect-<time>.log"), oldest name first.
func logFiles(t *testing.T, dir string) []os.FileInfo {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []os.FileInfo
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "outlook-connect") || !strings.HasSuffix(e.Name(), ".log") {
			t.Fatalf("unexpected file in the logs folder: %s", e.Name())
		}
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// writeLines logs n lines of about 100 KB. Before a line that will rotate
// the file, it lets the clock reach the next millisecond: rotated files are
// named by the millisecond, and two rotations within one would share a
// name (the second replacing the first) and hide how many files are kept.
func writeLines(t *testing.T, logger *slog.Logger, dir string, maxBytes int64, n int) {
	t.Helper()
	active := filepath.Join(dir, FileName)
	last := time.Now().UnixMilli()
	for i := range n {
		if fi, err := os.Stat(active); err == nil && fi.Size()+int64(len(payload))+100 > maxBytes {
			for time.Now().UnixMilli() == last {
				runtime.Gosched()
			}
		}
		logger.Info(payload, "line", i)
		last = time.Now().UnixMilli()
	}
}

// logAndClose opens the log in opts.Dir, writes lines lines and closes it.
func logAndClose(t *testing.T, opts Options, maxBytes int64, lines int) {
	t.Helper()
	logger, _, closer, err := Setup(opts)
	if err != nil {
		t.Fatal(err)
	}
	writeLines(t, logger, opts.Dir, maxBytes, lines)
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
}

// waitForFileCount waits until the rotated files beyond the limit are gone:
// lumberjack deletes them in its own goroutine after a rotation. It polls
// the folder, the only signal there is.
func waitForFileCount(t *testing.T, dir string, want int) []os.FileInfo {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		files := logFiles(t, dir)
		if len(files) == want {
			return files
		}
		if len(files) < want || time.Now().After(deadline) {
			var names []string
			for _, f := range files {
				names = append(names, f.Name())
			}
			t.Fatalf("%d log files, want %d: %v", len(files), want, names)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRotationKeepsFewSmallPrivateFiles: the log is cut at the size limit,
// only MaxBackups rotated files are kept (the oldest go), and every file,
// rotated or not, stays readable by the owner only.
func TestRotationKeepsFewSmallPrivateFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "logs")
	// Six files' worth: five rotations, of which two rotated files stay.
	logAndClose(t, Options{Dir: dir, MaxSizeMB: 1, MaxBackups: 2}, mib, 55)

	files := waitForFileCount(t, dir, 3)
	for _, f := range files {
		if f.Size() > mib {
			t.Errorf("%s is %d bytes, over the 1 MB limit", f.Name(), f.Size())
		}
		if f.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f.Name(), f.Mode().Perm())
		}
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("logs folder: %v %v", st.Mode().Perm(), err)
	}
	// The newest lines are kept, the oldest went with the deleted files.
	active, _ := os.ReadFile(filepath.Join(dir, FileName))
	if !strings.Contains(string(active), `"line":54`) {
		t.Error("the last line is not in the active file")
	}
	for _, f := range files {
		data, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		if strings.Contains(string(data), `"line":0}`) {
			t.Errorf("%s still holds the first line: the oldest file was not removed", f.Name())
		}
	}
}

// TestRotationDefaults: without options the limits are 5 MB per file and
// five rotated files.
func TestRotationDefaults(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "logs")
	// 52 lines of 100 KB per 5 MB file; eight files' worth.
	logAndClose(t, Options{Dir: dir}, 5*mib, 52*8)
	files := waitForFileCount(t, dir, 6)
	for _, f := range files {
		if f.Size() > 5*mib {
			t.Errorf("%s is %d bytes, over the 5 MB default", f.Name(), f.Size())
		}
		if f.Name() != FileName && f.Size() < 4*mib {
			t.Errorf("rotated %s is only %d bytes: cut below the 5 MB default", f.Name(), f.Size())
		}
		if f.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f.Name(), f.Mode().Perm())
		}
	}
}

// TestRotatedFilesStayPrivateWhenTheFolderIsShared: a log file someone
// loosened (0644), or a logs folder created 0755 by hand, is made private
// again at start, so the files rotated from it are private too.
func TestRotatedFilesStayPrivateWhenTheFolderIsShared(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "logs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	logAndClose(t, Options{Dir: dir, MaxSizeMB: 1, MaxBackups: 1}, mib, 25)
	for _, f := range waitForFileCount(t, dir, 2) {
		if f.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f.Name(), f.Mode().Perm())
		}
	}
}
