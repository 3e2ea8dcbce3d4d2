package vault

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// Integration tests against the real Secret Service. They run only when
// OUTLOOK_CONNECT_KEYRING_IT=1, which CI sets inside .ci/keyring-session.sh:
//
//	bash .ci/keyring-session.sh env OUTLOOK_CONNECT_KEYRING_IT=1 go test -race -count=1 ./app/vault/
//
// With the variable set, an unusable keychain is a failure, not a skip.
const itEnv = "OUTLOOK_CONNECT_KEYRING_IT"

// helperEnv makes the test binary act as a small program (see runHelper)
// so a test can run the vault with a different D-Bus environment: godbus
// keeps one session bus per process.
const (
	helperEnv        = "OUTLOOK_CONNECT_VAULT_TEST_HELPER"
	helperServiceEnv = "OUTLOOK_CONNECT_VAULT_TEST_SERVICE"
)

// helperResult is what the helper prints: the outcome, never a value.
type helperResult struct {
	Code  string `json:"code"`
	Class string `json:"class"`
}

func runHelper(mode string) int {
	if mode != "check" {
		fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
		return 2
	}
	v, err := New(Options{Service: os.Getenv(helperServiceEnv), Timeout: 20 * time.Second})
	if err == nil {
		err = v.Check(context.Background())
	}
	var out helperResult
	if err != nil {
		p := problem.From(err)
		out.Code = p.Code
		out.Class, _ = p.Detail("Error class")
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		return 1
	}
	return 0
}

func requireRealKeychain(t *testing.T) {
	t.Helper()
	if os.Getenv(itEnv) != "1" {
		t.Skipf("real keychain tests need %s=1 (run through .ci/keyring-session.sh)", itEnv)
	}
}

func randomService(t *testing.T) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "Outlook Connect IT " + hex.EncodeToString(b[:])
}

// realVault returns a vault on the real keychain under a fresh service
// name, checked to work, and removes everything under it at the end.
func realVault(t *testing.T) (*Vault, string) {
	t.Helper()
	requireRealKeychain(t)
	service := randomService(t)
	v, err := New(Options{Service: service, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Check(context.Background()); err != nil {
		t.Fatalf("%s=1 but the keychain is unusable:\n%s", itEnv, problem.From(err).DetailsText())
	}
	t.Cleanup(func() {
		if err := v.DeleteAll(context.Background()); err != nil {
			t.Errorf("clean-up: %v", err)
		}
		if n := secretToolCount(t, service); n != 0 {
			t.Errorf("clean-up left %d items", n)
		}
	})
	return v, service
}

// secretToolCount counts the items secret-tool finds under service. Its
// output includes the secrets, so it is only counted, never shown.
func secretToolCount(t *testing.T, service string) int {
	t.Helper()
	var stdout bytes.Buffer
	cmd := exec.Command("secret-tool", "search", "--all", "service", service)
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("secret-tool search: %T", err)
	}
	n := 0
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "[") {
			n++
		}
	}
	return n
}

func TestRealKeychainRoundTrip(t *testing.T) {
	v, service := realVault(t)
	ctx := context.Background()
	for _, size := range []int{100, 10_000} {
		value := secretOf(t, size)
		if err := v.SaveRefreshToken(ctx, "Person@Example.com", value); err != nil {
			t.Fatalf("save %d: %v", size, err)
		}
		got, err := v.LoadRefreshToken(ctx, "person@example.com")
		if err != nil || got != value {
			t.Fatalf("load %d: equal=%v err=%v", size, got == value, err)
		}
		n := secretToolCount(t, service)
		if size == 100 && n != 1 {
			t.Errorf("100 bytes stored as %d items", n)
		}
		if size == 10_000 && n < 5 {
			t.Errorf("10 KB stored as %d items, want manifest and chunks", n)
		}
	}
	if err := v.DeleteRefreshToken(ctx, "person@example.com"); err != nil {
		t.Fatal(err)
	}
	if n := secretToolCount(t, service); n != 0 {
		t.Errorf("delete left %d items", n)
	}
	if _, err := v.LoadRefreshToken(ctx, "person@example.com"); !IsNotFound(err) {
		t.Errorf("load after delete: %v", err)
	}
}

func TestRealKeychainConcurrent(t *testing.T) {
	v, service := realVault(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for g := range 20 {
		account := fmt.Sprintf("user%d@example.com", g)
		value := secretOf(t, 100+g*500) // 100 B … 9.6 KB: direct and chunked
		wg.Go(func() {
			if err := v.SaveRefreshToken(ctx, account, value); err != nil {
				errs <- err
				return
			}
			if got, err := v.LoadRefreshToken(ctx, account); err != nil || got != value {
				errs <- fmt.Errorf("%s: equal=%v err=%v", account, got == value, err)
				return
			}
			if err := v.DeleteRefreshToken(ctx, account); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := secretToolCount(t, service); n != 0 {
		t.Errorf("%d items left after every goroutine deleted its own", n)
	}
}

func TestRealKeychainDeleteAllLeavesNothing(t *testing.T) {
	v, service := realVault(t)
	ctx := context.Background()
	for _, save := range []func() error{
		func() error { return v.SaveRefreshToken(ctx, "a@example.com", secretOf(t, 10_000)) },
		func() error { return v.SaveRefreshToken(ctx, "b@example.com", secretOf(t, 100)) },
		func() error { return v.SaveClientSecret(ctx, secretOf(t, 40)) },
		func() error { return v.SaveRecallAPIKey(ctx, secretOf(t, 64)) },
	} {
		if err := save(); err != nil {
			t.Fatal(err)
		}
	}
	if n := secretToolCount(t, service); n < 8 {
		t.Fatalf("only %d items before DeleteAll", n)
	}
	if err := v.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if n := secretToolCount(t, service); n != 0 {
		t.Errorf("DeleteAll left %d items", n)
	}
}

// TestNoSecretServiceIsUnavailable runs Check in a child process without a
// usable Secret Service. It must answer vault.unavailable, not hang. The
// child's context is only a guard against a hang, not a timing assertion.
func TestNoSecretServiceIsUnavailable(t *testing.T) {
	requireRealKeychain(t)
	t.Run("bus disabled", func(t *testing.T) {
		got := runCheckChild(t, nil, "DBUS_SESSION_BUS_ADDRESS=disabled:")
		if got.Code != CodeUnavailable || got.Class != classNoSessionBus {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("bus without secrets service", func(t *testing.T) {
		dir, err := os.MkdirTemp("", "vbus") // short: socket paths are limited
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
		conf := filepath.Join(dir, "bus.conf")
		// A session bus with no service directories: nothing can be
		// activated, so org.freedesktop.secrets is unknown.
		busConf := `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=` + dir + `</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
		if err := os.WriteFile(conf, []byte(busConf), 0o600); err != nil {
			t.Fatal(err)
		}
		got := runCheckChild(t, []string{"dbus-run-session", "--config-file=" + conf, "--"})
		if got.Code != CodeUnavailable || got.Class != classSecretServiceMissing {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("no bus and no dbus-launch", func(t *testing.T) {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"bus", "dbus-session"} {
			if _, err := os.Stat(filepath.Join("/run/user", u.Uid, f)); err == nil {
				t.Skip("this machine has a per-user session bus that godbus would find")
			}
		}
		// An empty PATH keeps godbus from finding dbus-launch even where
		// dbus-x11 is installed, so no stray bus is ever started.
		got := runCheckChild(t, nil, "DBUS_SESSION_BUS_ADDRESS=", "PATH="+t.TempDir())
		if got.Code != CodeUnavailable || got.Class != classNoSessionBus {
			t.Errorf("got %+v", got)
		}
	})
}

// runCheckChild runs this test binary as the "check" helper, optionally
// under a wrapper command, with extra environment entries.
func runCheckChild(t *testing.T, wrapper []string, env ...string) helperResult {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append(append([]string(nil), wrapper...), exe, "-test.run=^$")
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), helperEnv+"=check", helperServiceEnv+"="+randomService(t))
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			t.Fatalf("the check hung instead of reporting the missing Secret Service")
		}
		t.Fatalf("helper failed: %v\n%s", err, stderr.String())
	}
	var got helperResult
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("helper output %q: %v", stdout.String(), err)
	}
	return got
}
