// Package workflows checks the GitHub Actions workflows for the release rules of issue 16:
// signing secrets reach only jobs behind the protected signing environment, and those jobs
// run no package manager or build tool; release jobs use no caches; checkouts keep no
// credentials; runners and Node versions are pinned.
package workflows

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Policy names what the rules depend on.
type Policy struct {
	// SigningEnvironment is the protected environment (required reviewers) that alone may
	// receive secrets.
	SigningEnvironment string
	// ReleaseWorkflows are file names whose jobs must not use caches.
	ReleaseWorkflows []string
	// NodeVersions are the accepted setup-node versions (supported LTS lines).
	NodeVersions []string
}

// Default is the policy of this repository.
var Default = Policy{
	SigningEnvironment: "release-signing",
	ReleaseWorkflows:   []string{"release.yml"},
	NodeVersions:       []string{"22", "24"},
}

// Finding is one broken rule.
type Finding struct {
	File, Job, Rule, Detail string
}

func (f Finding) String() string {
	where := f.File
	if f.Job != "" {
		where += " job " + f.Job
	}
	return fmt.Sprintf("%s: %s: %s", where, f.Rule, f.Detail)
}

var (
	secretRE = regexp.MustCompile(`secrets\s*(\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[)`)
	// Tools that run third-party code from a registry or the build: none may run where a
	// signing secret is visible.
	buildToolRE   = regexp.MustCompile(`(^|[\s;&|(/])(npm|npx|node|yarn|pnpm|go|wails|make|vite|pip|gem|cargo)(\s|$)`)
	buildActionRE = regexp.MustCompile(`^actions/(setup-node|setup-go|setup-python|cache)@`)
	cacheActionRE = regexp.MustCompile(`^actions/cache(/(save|restore))?@`)
)

// secretRefs lists the secrets a node's text mentions, GITHUB_TOKEN aside (GitHub gives it to
// every job anyway; the workflows use github.token with explicit permissions instead).
func secretRefs(n *yaml.Node) []string {
	b, _ := yaml.Marshal(n)
	seen := map[string]bool{}
	for _, m := range secretRE.FindAllStringSubmatch(string(b), -1) {
		name := m[2]
		if m[1] == "[" {
			name = "secrets[...]"
		}
		if name == "GITHUB_TOKEN" {
			continue
		}
		seen[name] = true
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// Check parses every *.yml/*.yaml workflow in dir and returns the broken rules.
func Check(dir string, p Policy) ([]Finding, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.y*ml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no workflows in %s", dir)
	}
	var all []Finding
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		fs, err := CheckFile(filepath.Base(f), raw, p)
		if err != nil {
			return nil, err
		}
		all = append(all, fs...)
	}
	return all, nil
}

// CheckFile checks one workflow's source; name is its file name.
func CheckFile(name string, src []byte, p Policy) ([]Finding, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty", name)
	}
	root := doc.Content[0]
	var out []Finding
	add := func(job, rule, format string, a ...any) {
		out = append(out, Finding{File: name, Job: job, Rule: rule, Detail: fmt.Sprintf(format, a...)})
	}
	release := false
	for _, r := range p.ReleaseWorkflows {
		release = release || r == name
	}

	if on := mapGet(root, "on"); on != nil {
		b, _ := yaml.Marshal(on)
		if strings.Contains(string(b), "pull_request_target") {
			add("", "no-pull-request-target", "pull_request_target runs fork code with secrets")
		}
	}
	for _, key := range []string{"env", "defaults"} {
		if s := secretRefs(mapGet(root, key)); len(s) > 0 {
			add("", "secrets-only-in-signing-job", "workflow-level %s exposes %v to every job", key, s)
		}
	}
	if perms := mapGet(root, "permissions"); perms == nil {
		add("", "explicit-permissions", "no top-level permissions: the token gets the repository default")
	} else if perms.Kind == yaml.ScalarNode {
		add("", "explicit-permissions", "top-level permissions %q: list them", perms.Value)
	} else {
		for i := 0; i+1 < len(perms.Content); i += 2 {
			if perms.Content[i+1].Value == "write" {
				add("", "explicit-permissions", "top-level %s: write (grant it in the job that needs it)", perms.Content[i].Value)
			}
		}
	}

	jobs := mapGet(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: no jobs", name)
	}
	for i := 0; i+1 < len(jobs.Content); i += 2 {
		id, job := jobs.Content[i].Value, jobs.Content[i+1]
		env := scalar(mapGet(job, "environment"))
		if e := mapGet(job, "environment"); e != nil && e.Kind == yaml.MappingNode {
			env = scalar(mapGet(e, "name"))
		}
		signing := env == p.SigningEnvironment
		secrets := secretRefs(job)
		if scalar(mapGet(job, "secrets")) == "inherit" {
			secrets = append(secrets, "secrets: inherit")
		}
		if len(secrets) > 0 && !signing {
			add(id, "secrets-only-in-signing-job", "references %v without environment %q", secrets, p.SigningEnvironment)
		}
		// Even there, a secret goes to the one step that uses it, not to every step of the job.
		for _, key := range []string{"env", "defaults", "container", "services"} {
			if s := secretRefs(mapGet(job, key)); signing && len(s) > 0 {
				add(id, "secrets-only-in-signing-job", "job-level %s exposes %v to every step; set it on the step that uses it", key, s)
			}
		}

		ro := mapGet(job, "runs-on")
		runsOn := scalar(ro)
		if ro != nil && ro.Kind == yaml.SequenceNode && len(ro.Content) > 0 {
			runsOn = scalar(ro.Content[0])
		}
		if strings.HasSuffix(runsOn, "-latest") {
			add(id, "pinned-runner", "runs-on %s moves under you; name the image version", runsOn)
		}

		steps := mapGet(job, "steps")
		if steps == nil {
			continue
		}
		for _, st := range steps.Content {
			uses := scalar(mapGet(st, "uses"))
			run := scalar(mapGet(st, "run"))
			with := mapGet(st, "with")
			label := scalar(mapGet(st, "name"))
			if label == "" {
				label = uses
			}
			if signing {
				if buildActionRE.MatchString(uses) {
					add(id, "no-build-tools-in-signing-job", "step %q (%s) runs where signing secrets are visible", label, uses)
				}
				for _, line := range strings.Split(run, "\n") {
					if buildToolRE.MatchString(line) {
						add(id, "no-build-tools-in-signing-job", "step %q runs %q where signing secrets are visible", label, strings.TrimSpace(line))
					}
				}
			}
			if strings.HasPrefix(uses, "actions/checkout@") && scalar(mapGet(with, "persist-credentials")) != "false" {
				add(id, "checkout-without-credentials", "actions/checkout without persist-credentials: false")
			}
			if release {
				if cacheActionRE.MatchString(uses) {
					add(id, "no-cache-in-release", "step %q restores a cache", label)
				}
				if strings.HasPrefix(uses, "actions/setup-go@") && scalar(mapGet(with, "cache")) != "false" {
					add(id, "no-cache-in-release", "actions/setup-go caches by default: set cache: false")
				}
				if strings.HasPrefix(uses, "azure/trusted-signing-action@") && scalar(mapGet(with, "cache-dependencies")) != "false" {
					add(id, "no-cache-in-release", "azure/trusted-signing-action caches its dependencies by default: set cache-dependencies: false")
				}
				if strings.HasPrefix(uses, "actions/setup-node@") {
					if c := scalar(mapGet(with, "cache")); c != "" {
						add(id, "no-cache-in-release", "actions/setup-node with cache: %s", c)
					}
					if scalar(mapGet(with, "package-manager-cache")) == "true" {
						add(id, "no-cache-in-release", "actions/setup-node with package-manager-cache: true")
					}
				}
			}
			if strings.HasPrefix(uses, "actions/setup-node@") {
				v := strings.TrimSuffix(scalar(mapGet(with, "node-version")), ".x")
				ok := false
				for _, want := range p.NodeVersions {
					ok = ok || v == want
				}
				if !ok {
					add(id, "supported-node", "node-version %q is not one of %v", v, p.NodeVersions)
				}
			}
		}
	}
	return out, nil
}
