package check

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/testenv"
)

var (
	gitopsExample = clitest.Example("bookinfo-gitops")
	helmExample   = clitest.Example("bookinfo-helm")
)

// runGitshift runs `gitshift check|render ARGS...` as gitshift does.
func runGitshift(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	newCmd := NewCheckCommand
	if args[0] == "render" {
		newCmd = NewRenderCommand
	}
	return clitest.Run(t, newCmd, args[1:]...)
}

// trafficRow matches a row of the traffic table: subset, weight, traffic.
func trafficRow(subset, weight, pct string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)\s` + subset + `\s+` + weight + `\s+` + pct + `%$`)
}

func TestCheckGitopsExample(t *testing.T) {
	code, out, errOut := runGitshift(t, "check", gitopsExample)
	if code != command.ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`traffic: VirtualService bookinfo/reviews \(canary/reviews-traffic-90-10.yaml:3\)`),
		regexp.MustCompile(`http\[0\]\s+reviews\.bookinfo\.svc\.cluster\.local\s+v1\s+90\s+90%`),
		trafficRow("v3", "10", "10"),
		regexp.MustCompile(`source: Directory`),
		regexp.MustCompile(`argocd/application.yaml\s+excluded`),
		regexp.MustCompile(`result: 0 errors, 0 warnings`),
	} {
		if !want.MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

func TestCheckRecurseOff(t *testing.T) {
	dir := clitest.CopyDir(t, gitopsExample)
	clitest.ReplaceInFile(t, filepath.Join(dir, "argocd/application.yaml"), "recurse: true", "recurse: false")
	code, out, _ := runGitshift(t, "check", dir)
	if code != command.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, command.ExitFailed, out)
	}
	for _, f := range []string{"base/destination-rule.yaml", "canary/reviews-traffic-90-10.yaml"} {
		listed := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(f) + `\s+recurse-off`)
		diag := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(f) + `:\d+: error GS1001 not applied: in a subdirectory`)
		if !listed.MatchString(out) || !diag.MatchString(out) {
			t.Errorf("%s not reported as skipped because recurse is off:\n%s", f, out)
		}
	}
	if !strings.Contains(out, "hint: set spec.source.directory.recurse: true") {
		t.Errorf("no recurse hint:\n%s", out)
	}
}

// TestCheckInvalidPolicy: a CanaryPolicy that validation refuses fails
// check (exit 1) at its line, not the rollout after the merge.
func TestCheckInvalidPolicy(t *testing.T) {
	dir := clitest.CopyDir(t, gitopsExample)
	clitest.ReplaceInFile(t, filepath.Join(dir, "argocd/canary-policy.yaml"), "  - weight: 50\n", "  - weight: 4\n")
	code, out, _ := runGitshift(t, "check", dir)
	if code != command.ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, command.ExitFailed, out)
	}
	diag := regexp.MustCompile(`(?m)^\s+argocd/canary-policy\.yaml:31: error GS3002 CanaryPolicy "reviews": spec\.steps\[2\]\.weight: weights must increase: 4 after 25$`)
	if !diag.MatchString(out) {
		t.Errorf("output lacks %s:\n%s", diag, out)
	}
}

func TestCheckHelmExample(t *testing.T) {
	code, out, errOut := runGitshift(t, "check", helmExample)
	if code != command.ExitOK || !strings.Contains(out, "source: Helm") || !strings.Contains(out, "result: 0 errors, 0 warnings") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !trafficRow("v1", "90", "90").MatchString(out) || !trafficRow("v3", "10", "10").MatchString(out) {
		t.Errorf("no 90/10 table:\n%s", out)
	}
	code, out, errOut = runGitshift(t, "render", helmExample)
	if code != command.ExitOK {
		t.Fatalf("render exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "\n---\n") + 1; n != 22 {
		t.Errorf("render printed %d objects, want 22", n)
	}
	for _, want := range []string{"kind: VirtualService", "weight: 90", "weight: 10", "namespace: bookinfo", "istio-injection: enabled"} {
		if !strings.Contains(out, want) {
			t.Errorf("render output lacks %q", want)
		}
	}
}

func TestCheckJSONShape(t *testing.T) {
	code, out, errOut := runGitshift(t, "check", "-o", "json", gitopsExample)
	if code != command.ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	assertJSONKeys(t, "top", doc, "applications")
	// bookinfo, and bookinfo-rollout (the controller's CanaryPolicy).
	apps := doc["applications"].([]any)
	if len(apps) != 2 {
		t.Fatalf("%d applications, want 2", len(apps))
	}
	app := apps[0].(map[string]any)
	assertJSONKeys(t, "application", app, "name", "sourceType", "objects", "ignored", "diagnostics")
	if app["name"] != "bookinfo" || app["sourceType"] != "Directory" {
		t.Errorf("app = %v %v", app["name"], app["sourceType"])
	}
	objs := app["objects"].([]any)
	if len(objs) != 22 {
		t.Errorf("%d objects, want 22", len(objs))
	}
	vs := map[string]any{}
	for _, o := range objs {
		m := o.(map[string]any)
		assertJSONKeys(t, "object", m, "apiVersion", "kind", "namespace", "name", "file", "line")
		if m["kind"] == "VirtualService" && m["name"] == "reviews" {
			vs = m
		}
	}
	if vs["file"] != "canary/reviews-traffic-90-10.yaml" || vs["line"] != 3.0 || vs["namespace"] != "bookinfo" {
		t.Errorf("reviews VirtualService = %v", vs)
	}
	// argocd/ (the Applications, the canary policies) and rollout/ (the
	// controller's CanaryPolicy, bookinfo-rollout's) are excluded.
	ignored := app["ignored"].([]any)
	if len(ignored) == 0 {
		t.Fatal("nothing ignored, want argocd/* and rollout/*")
	}
	for _, ig := range ignored {
		m := ig.(map[string]any)
		assertJSONKeys(t, "ignored", m, "file", "reason")
		f, _ := m["file"].(string)
		if !strings.HasPrefix(f, "argocd/") && !strings.HasPrefix(f, "rollout/") || m["reason"] != "excluded" {
			t.Errorf("ignored %v, want only argocd/* and rollout/* excluded", m)
		}
	}
	// Only the traffic each of the three canary policies needs (info).
	ds := app["diagnostics"].([]any)
	for _, d := range ds {
		if m := d.(map[string]any); m["code"] != "GS3001" || m["severity"] != "info" {
			t.Errorf("diagnostic %v, want only GS3001 infos", m)
		}
	}
	if len(ds) != 3 {
		t.Errorf("diagnostics = %v, want a GS3001 per canary policy", ds)
	}

	dir := clitest.CopyDir(t, gitopsExample)
	clitest.ReplaceInFile(t, filepath.Join(dir, "argocd/application.yaml"), "recurse: true", "recurse: false")
	code, out, _ = runGitshift(t, "check", "-o", "yaml", dir)
	if code != command.ExitFailed || !strings.Contains(out, "code: GS1001") || !strings.Contains(out, "reason: recurse-off") {
		t.Errorf("yaml: exit %d\n%s", code, out)
	}
	code, out, _ = runGitshift(t, "check", "-o", "json", dir)
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != command.ExitFailed {
		t.Fatalf("exit %d, %v", code, err)
	}
	diag := doc["applications"].([]any)[0].(map[string]any)["diagnostics"].([]any)[0].(map[string]any)
	assertJSONKeys(t, "diagnostic", diag, "code", "severity", "file", "line", "message", "hint", "app")
}

func assertJSONKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	var got []string
	for k := range m {
		got = append(got, k)
	}
	sort.Strings(got)
	sort.Strings(keys)
	if strings.Join(got, ",") != strings.Join(keys, ",") {
		t.Errorf("%s keys = %v, want %v", what, got, keys)
	}
}

func TestCheckSARIF(t *testing.T) {
	dir := clitest.CopyDir(t, gitopsExample)
	clitest.ReplaceInFile(t, filepath.Join(dir, "argocd/application.yaml"), "recurse: true", "recurse: false")
	code, out, _ := runGitshift(t, "check", "-o", "sarif", dir)
	if code != command.ExitFailed {
		t.Errorf("exit %d", code)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
				Level  string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("sarif = %+v", log)
	}
	// GS1001 four times, and the traffic each of the three canary
	// policies needs as notes.
	byRule := map[string]int{}
	for _, r := range log.Runs[0].Results {
		byRule[r.RuleID+" "+r.Level]++
	}
	if byRule["GS1001 error"]+byRule["GS1001 warning"] != 4 || byRule["GS3001 note"] != 3 || len(log.Runs[0].Results) != 7 {
		t.Errorf("sarif results by rule = %v", byRule)
	}
}

func TestCheckFailOn(t *testing.T) {
	dir := clitest.CopyDir(t, gitopsExample)
	clitest.ReplaceInFile(t, filepath.Join(dir, "argocd/application.yaml"), "selfHeal: true", "selfHeal: false")
	if code, out, _ := runGitshift(t, "check", dir); code != command.ExitOK || !strings.Contains(out, "warning GS1009") {
		t.Errorf("default --fail-on error: exit %d\n%s", code, out)
	}
	if code, _, _ := runGitshift(t, "check", "--fail-on", "warning", dir); code != command.ExitFailed {
		t.Errorf("--fail-on warning: exit %d", code)
	}
	if code, _, _ := runGitshift(t, "check", "--fail-on", "fatal", dir); code != command.ExitUsage {
		t.Errorf("--fail-on fatal: exit %d", code)
	}
	if code, _, _ := runGitshift(t, "check", "--argocd-version", "latest", dir); code != command.ExitUsage {
		t.Errorf("--argocd-version latest: exit %d", code)
	}
	if code, _, _ := runGitshift(t, "check", "--argocd-version", "2.14", dir); code != command.ExitOK {
		t.Errorf("--argocd-version 2.14: exit %d", code)
	}
	if code, _, _ := runGitshift(t, "check", "-o", "xml", dir); code != command.ExitUsage {
		t.Errorf("-o xml: exit %d", code)
	}
}

func TestCheckAppFlag(t *testing.T) {
	dir := clitest.CopyDir(t, gitopsExample)
	appFile := filepath.Join(dir, "argocd", "application.yaml")
	elsewhere := filepath.Join(t.TempDir(), "bookinfo.yaml")
	if err := os.Rename(appFile, elsewhere); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "argocd", "bookinfo-rollout.yaml")); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runGitshift(t, "check", dir); code != command.ExitFailed || !strings.Contains(errOut, "no Argo CD Application found") {
		t.Errorf("without --app: exit %d: %s", code, errOut)
	}
	code, out, errOut := runGitshift(t, "check", "--app", elsewhere, dir)
	if code != command.ExitOK || !trafficRow("v3", "10", "10").MatchString(out) {
		t.Errorf("--app: exit %d\n%s%s", code, out, errOut)
	}
	clitest.ReplaceInFile(t, elsewhere, "selfHeal: true", "selfHeal: false")
	_, out, _ = runGitshift(t, "check", "--app", elsewhere, dir)
	if !strings.Contains(out, elsewhere+":27: warning GS1009") {
		t.Errorf("diagnostic on the --app file not located:\n%s", out)
	}
}

func TestCheckRepoURLMapping(t *testing.T) {
	testenv.NeedGit(t)
	dir := clitest.CopyDir(t, gitopsExample)
	git := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("remote", "add", "origin", "git@github.com:someone/else.git")
	code, out, _ := runGitshift(t, "check", dir)
	if code != command.ExitOK || !strings.Contains(out, "Skipped (not in this checkout)") || !strings.Contains(out, "is not this checkout") {
		t.Errorf("other origin: exit %d\n%s", code, out)
	}
	code, out, _ = runGitshift(t, "check", "--repo-url", "https://github.com/gitshift/bookinfo-gitops", dir)
	if code != command.ExitOK || !trafficRow("v3", "10", "10").MatchString(out) {
		t.Errorf("--repo-url: exit %d\n%s", code, out)
	}
	git("remote", "set-url", "origin", "ssh://git@GitHub.com/gitshift/bookinfo-gitops.git/")
	code, out, _ = runGitshift(t, "check", dir)
	if code != command.ExitOK || strings.Contains(out, "Skipped") || !trafficRow("v3", "10", "10").MatchString(out) {
		t.Errorf("matching origin: exit %d\n%s", code, out)
	}
}

func TestRender(t *testing.T) {
	code, out, errOut := runGitshift(t, "render", gitopsExample)
	if code != command.ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "# Application: bookinfo, source: "); n != 22 {
		t.Errorf("%d objects, want 22", n)
	}
	if !strings.Contains(out, "# Application: bookinfo, source: canary/reviews-traffic-90-10.yaml:3\napiVersion: networking.istio.io/v1\nkind: VirtualService") {
		t.Errorf("no VirtualService with provenance:\n%s", out)
	}
	code, out, _ = runGitshift(t, "render", "-o", "json", gitopsExample)
	var list struct {
		Kind  string           `json:"kind"`
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); code != command.ExitOK || err != nil || list.Kind != "List" || len(list.Items) != 22+1 { // and bookinfo-rollout's CanaryPolicy
		t.Errorf("json: exit %d, %v, %d items", code, err, len(list.Items))
	}
	if code, _, errOut := runGitshift(t, "render", "--name", "nope", gitopsExample); code != command.ExitFailed || !strings.Contains(errOut, `no Application named "nope"`) {
		t.Errorf("--name nope: exit %d: %s", code, errOut)
	}
	dir := clitest.CopyDir(t, gitopsExample)
	if err := os.WriteFile(filepath.Join(dir, "base", "broken.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runGitshift(t, "render", dir); code != command.ExitFailed || !strings.Contains(errOut, "base/broken.yaml:5") {
		t.Errorf("broken manifest: exit %d: %s", code, errOut)
	}
	if code, out, _ := runGitshift(t, "check", dir); code != command.ExitFailed || !strings.Contains(out, "base/broken.yaml:5: error GS1010") {
		t.Errorf("check broken manifest: exit %d\n%s", code, out)
	}
}
