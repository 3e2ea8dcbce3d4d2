package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorAndJSONNeverIncludeTheCause(t *testing.T) {
	secret := "refresh-token-value-123"
	p := &Problem{Code: "x.failed", Title: "It failed", Cause: errors.New("upstream said " + secret)}
	if strings.Contains(p.Error(), secret) {
		t.Error("Error() leaks the cause")
	}
	b, _ := json.Marshal(p)
	if strings.Contains(string(b), secret) {
		t.Error("JSON leaks the cause")
	}
	if !errors.Is(p, p.Cause) {
		t.Error("Unwrap should expose the cause to errors.Is")
	}
}

func TestIsMatchesByCode(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &Problem{Code: "vault.unavailable"})
	if !errors.Is(err, &Problem{Code: "vault.unavailable"}) {
		t.Error("same code should match")
	}
	if errors.Is(err, &Problem{Code: "vault.timeout"}) {
		t.Error("another code should not match")
	}
	if errors.Is(&Problem{}, &Problem{}) {
		t.Error("empty codes never match")
	}
}

func TestFromKeepsProblemsAndHidesForeignText(t *testing.T) {
	p := &Problem{Code: "a"}
	if From(fmt.Errorf("ctx: %w", p)) != p {
		t.Error("From should find the problem in the chain")
	}
	if From(nil) != nil {
		t.Error("From(nil) is nil")
	}
	u := From(errors.New("token=abc"))
	if u.Code != "unexpected" || strings.Contains(u.DetailsText(), "token=abc") || u.Message == "" || u.NextStep == "" {
		t.Errorf("unexpected errors get a plain entry without their text: %+v", u)
	}
}

func TestWithCopiesAndDetailsText(t *testing.T) {
	base := &Problem{Code: "c", Details: []Detail{{Label: "A", Value: "1"}}}
	more := base.With(Detail{Label: "B", Value: "2"})
	if len(base.Details) != 1 || len(more.Details) != 2 {
		t.Fatalf("With must not modify the original: %v %v", base.Details, more.Details)
	}
	if v, ok := more.Detail("B"); !ok || v != "2" {
		t.Error("Detail lookup")
	}
	if got, want := more.DetailsText(), "Problem: c\nA: 1\nB: 2\n"; got != want {
		t.Errorf("DetailsText = %q, want %q", got, want)
	}
}
