package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/outlookconnect/outlook-connect/app/problem"
)

// microsoftCheckTimeout bounds the discovery request behind TestMicrosoft.
const microsoftCheckTimeout = 15 * time.Second

// testValues merges the form with the current settings: an empty field in
// the form means "the value in use now" (for secrets: the stored one).
func (m *Manager) testValues(ctx context.Context, in SetupInput, names ...string) (SetupInput, []FieldError, error) {
	norm, errs := validateInput(in)
	var relevant []FieldError
	for _, e := range errs {
		for _, n := range names {
			if e.Field == n {
				relevant = append(relevant, e)
			}
		}
	}
	if len(relevant) > 0 {
		return SetupInput{}, relevant, nil
	}
	l, err := m.gather(ctx)
	if err != nil {
		return SetupInput{}, nil, err
	}
	e := l.effective()
	recallFromForm := norm.RecallRegion != "" || norm.RecallBaseURL != ""
	for _, n := range names {
		p := inputField(&norm, n)
		if (n == FieldRecallRegion || n == FieldRecallBaseURL) && recallFromForm {
			continue
		}
		if *p == "" {
			// Stored values were checked when saved; normalise anyway so a
			// hand-edited settings file can't smuggle in a bad URL.
			if v := e.values[n]; v != "" {
				checked, msg := fieldByName(n).check(v)
				if msg != "" {
					relevant = append(relevant, FieldError{Field: n, Message: msg})
					continue
				}
				*p = checked
			}
		}
	}
	return norm, relevant, nil
}

func fixFieldsResult(errs []FieldError) TestResult {
	details := make([]problem.Detail, 0, len(errs))
	for _, e := range errs {
		details = append(details, problem.Detail{Label: fieldByName(e.Field).label, Value: e.Message})
	}
	return TestResult{
		Message: "Correct the highlighted settings first.",
		Problem: &problem.Problem{
			Code:     "config.invalid_input",
			Title:    "Some settings need correcting",
			Message:  "Some settings aren't valid yet, so nothing was checked.",
			NextStep: "Correct the settings listed in the details and test again.",
			Details:  details,
			ForAdmin: true,
		},
	}
}

func failedResult(err error) TestResult {
	p := problem.From(err)
	return TestResult{Message: p.Message, Problem: p}
}

// TestRecall checks the API key against the chosen region with one cheap
// call. When Recall refuses the key it asks the other regions (one call
// each), to tell a bad key from a key that belongs to another region.
func (m *Manager) TestRecall(ctx context.Context, in SetupInput) TestResult {
	v, errs, err := m.testValues(ctx, in, FieldRecallRegion, FieldRecallBaseURL, FieldRecallAPIKey)
	if err != nil {
		return failedResult(err)
	}
	if len(errs) > 0 {
		return fixFieldsResult(errs)
	}
	if v.RecallAPIKey == "" {
		return TestResult{
			Message: "Enter the Recall API key first.",
			Problem: &problem.Problem{
				Code:     "config.recall_key_missing",
				Title:    "No Recall API key",
				Message:  "There's no Recall API key to test yet.",
				NextStep: "Paste the API key from the Recall dashboard, then test again.",
				ForAdmin: true,
			},
		}
	}
	if m.recall == nil {
		return failedResult(errors.New("config: no Recall prober"))
	}
	base, region := v.RecallBaseURL, v.RecallRegion
	if base == "" {
		if region == "" {
			region = DefaultRecallRegion
		}
		base = RegionBaseURL(region)
	} else {
		region = regionOfBaseURL(base)
	}
	where := base
	if region != "" {
		where = "the " + region + " region"
	}

	err = m.recall.Probe(ctx, base, v.RecallAPIKey)
	if err == nil {
		return TestResult{OK: true, Message: "Recall accepted the API key in " + where + "."}
	}
	if !errors.Is(err, &problem.Problem{Code: "recall.unauthorized"}) {
		p := problem.From(err).With(problem.Detail{Label: "Recall address", Value: base})
		if p.Code == "recall.unavailable" {
			return TestResult{Message: "Couldn't reach Recall at " + base + ". Check the internet connection and the region, then test again.", Problem: p}
		}
		return TestResult{Message: p.Message, Problem: p}
	}

	if region != "" {
		for _, other := range Regions {
			if other == region || ctx.Err() != nil {
				continue
			}
			if m.recall.Probe(ctx, RegionBaseURL(other), v.RecallAPIKey) == nil {
				msg := "This API key belongs to the " + other + " region, not " + region + ". Choose " + other + " and save."
				return TestResult{Message: msg, Problem: &problem.Problem{
					Code:     "config.recall_wrong_region",
					Title:    "The API key is for another Recall region",
					Message:  msg,
					NextStep: "Set the Recall region to " + other + ", then save.",
					Details: []problem.Detail{
						{Label: "Region chosen", Value: region},
						{Label: "Region of the key", Value: other},
					},
					ForAdmin: true,
				}}
			}
		}
	}
	msg := "Recall didn't accept this API key in " + where + "."
	if region != "" {
		msg = "Recall didn't accept this API key in any region. Check that you copied the whole key and that it hasn't been deleted."
	}
	return TestResult{Message: msg, Problem: &problem.Problem{
		Code:     "config.recall_key_rejected",
		Title:    "Recall didn't accept the API key",
		Message:  msg,
		NextStep: "Create a new API key in the Recall dashboard and paste it here.",
		Details:  []problem.Detail{{Label: "Recall address", Value: base}},
		ForAdmin: true,
	}}
}

// TestMicrosoft checks what can be checked without signing in: the values'
// format, that the Graph host fits the authority, that the sign-in service
// answers, and that it knows the tenant.
func (m *Manager) TestMicrosoft(ctx context.Context, in SetupInput) TestResult {
	v, errs, err := m.testValues(ctx, in, FieldClientID, FieldClientSecret, FieldTenant, FieldAuthority, FieldGraphHost, FieldRedirectHost, FieldResponseMode)
	if err != nil {
		return failedResult(err)
	}
	if len(errs) == 0 {
		if msg := graphHostMismatch(v.Authority, v.GraphHost, fixClearGraphHost); msg != "" {
			errs = append(errs, FieldError{Field: FieldGraphHost, Message: msg})
		}
	}
	if len(errs) > 0 {
		return fixFieldsResult(errs)
	}
	if v.ClientID == "" {
		return TestResult{
			Message: "Enter the client ID first.",
			Problem: &problem.Problem{
				Code:     "config.ms_client_id_missing",
				Title:    "No client ID",
				Message:  "There's no Microsoft client ID to test yet.",
				NextStep: "Copy the Application (client) ID from the app's Overview page in the Azure portal.",
				ForAdmin: true,
			},
		}
	}
	authority, tenant := v.Authority, v.Tenant
	if authority == "" {
		authority = DefaultAuthority
	}
	if tenant == "" {
		tenant = DefaultTenant
	}
	discovery := authority + "/" + url.PathEscape(tenant) + "/v2.0/.well-known/openid-configuration"
	details := []problem.Detail{{Label: "Sign-in address", Value: authority}, {Label: "Tenant", Value: tenant}}

	status, body, err := m.fetch(ctx, discovery)
	if err != nil {
		p := &problem.Problem{
			Code:      "config.ms_unreachable",
			Title:     "Microsoft's sign-in service didn't answer",
			Message:   "Couldn't reach Microsoft's sign-in service at " + authority + ".",
			NextStep:  "Check the internet connection and the sign-in address, then test again.",
			Details:   details,
			Retryable: true,
			ForAdmin:  true,
			Cause:     err,
		}
		return TestResult{Message: p.Message, Problem: p}
	}
	var doc struct {
		TokenEndpoint    string `json:"token_endpoint"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &doc)
	switch {
	case status == http.StatusOK && doc.TokenEndpoint != "":
	case status == http.StatusBadRequest && (doc.Error == "invalid_tenant" || strings.Contains(doc.ErrorDescription, "AADSTS90002")):
		p := &problem.Problem{
			Code:     "config.ms_tenant_not_found",
			Title:    "Microsoft doesn't know this tenant",
			Message:  "Microsoft says the tenant \"" + tenant + "\" doesn't exist.",
			NextStep: "Check the Directory (tenant) ID on the app's Overview page, or use your organisation's domain, or common.",
			Details:  append(details, problem.Detail{Label: "Microsoft error", Value: "AADSTS90002"}),
			ForAdmin: true,
		}
		return TestResult{Message: p.Message, Problem: p}
	default:
		p := &problem.Problem{
			Code:     "config.ms_unexpected_answer",
			Title:    "That isn't a Microsoft sign-in service",
			Message:  "The sign-in address answered, but not like Microsoft's sign-in service.",
			NextStep: "Check the sign-in address (for most organisations it is " + DefaultAuthority + ").",
			Details:  append(details, problem.Detail{Label: "HTTP status", Value: fmt.Sprint(status)}),
			ForAdmin: true,
		}
		return TestResult{Message: p.Message, Problem: p}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Microsoft's sign-in service answered and knows the tenant %q. ", tenant)
	b.WriteString("The client ID is in the right format; Microsoft confirms it only during a real sign-in. ")
	if v.ClientSecret == "" {
		b.WriteString("No client secret is set yet. ")
	} else {
		b.WriteString("The client secret can only be checked during a real sign-in. ")
	}
	fmt.Fprintf(&b, "Make sure %s is registered as a Web redirect URI.", redirectURIHint(v.RedirectHost))
	if host := effectiveGraphHost(authority, v.GraphHost); host != GraphHostGlobal {
		// A national cloud's permission names its own Graph: say which, so
		// IT can match it with the app registration's API permissions.
		c, _ := graphCloudOf(host)
		fmt.Fprintf(&b, " Sign-in will ask for https://%s/%s, the calendar permission of %s.", host, calendarsScope, c.name)
	}
	return TestResult{OK: true, Message: b.String()}
}

// fetch GETs a URL and returns its status and at most 1 MiB of body.
func (m *Manager) fetch(ctx context.Context, target string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, microsoftCheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := m.httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, body, nil
}
