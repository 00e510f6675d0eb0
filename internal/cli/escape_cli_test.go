package cli

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

// hostileApp is an Application over a repository whose file and object
// names carry newlines, escape sequences and bidi controls.
const hostileApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: bookinfo
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://example.com/bookinfo.git
    targetRevision: main
    path: .
    directory:
      recurse: true
      exclude: "argocd/*"
  destination:
    server: https://kubernetes.default.svc
    namespace: bookinfo
`

// hostileRouting is a valid canary in routingFile: a name Argo CD applies
// (Argo CD's manifest pattern does not match a name with a newline, so
// clitest.Hostile is listed as ignored).
const hostileRouting = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}, {name: v3, labels: {version: v3}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 90
    - destination: {host: reviews, subset: v3}
      weight: 10
`

// hostileObjects have escapes in their names (YAML's "\e" is ESC); the
// VirtualService's route to a missing subset makes check print its name.
const hostileObjects = `apiVersion: v1
kind: ConfigMap
metadata: {name: "evil\e[2J\e]0;pwned\a\u202e\x9b"}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: "x\e[31m"}
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: {host: reviews, subset: "v9\n✓ all good"}
`

const (
	routingFile  = "mesh/vs\x1b[31m\u202e.yaml"
	routingShown = `mesh/vs\x1b[31m\u202e.yaml`
)

// injectName is a file name that, printed raw in render's comment line,
// would add an object to the YAML stream.
const injectName = "x\napiVersion: v1\nkind: Secret\nmetadata: {name: pwned}\n#.yaml"

func hostileFiles() map[string]string {
	return map[string]string{
		"argocd/app.yaml":             hostileApp,
		"mesh/" + clitest.Hostile:     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: e}\n",
		routingFile:                   hostileRouting,
		"base/objects.yaml":           hostileObjects,
		"base/" + injectName:          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
		"base/quoted\x1b[1m.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n",
		"base/readme\n✓ all good.txt": "not a manifest\n",
	}
}

// TestTextOutputEscapesNames: check, render and shift print hostile file
// and object names escaped (issue 15 finding 12); the data formats keep
// them exact, escaped by their encoders.
func TestTextOutputEscapesNames(t *testing.T) {
	dir := t.TempDir()
	gittest.WriteFiles(t, dir, hostileFiles())

	_, out, errOut := runCLI(t, "check", dir)
	clitest.AssertTerminalSafe(t, "check", out+errOut)
	for _, name := range []string{"mesh/" + clitest.HostileShown, routingShown} {
		if !strings.Contains(out, name) {
			t.Errorf("check does not show the file name escaped (%s):\n%s", name, out)
		}
	}

	for _, format := range []string{"json", "sarif"} {
		_, out, errOut = runCLI(t, "check", "-o", format, dir)
		clitest.AssertTerminalSafe(t, "check -o "+format, out+errOut)
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("check -o %s: %v", format, err)
		}
		if !containsString(v, routingFile) {
			t.Errorf("check -o %s lost the exact file name", format)
		}
	}
	_, out, errOut = runCLI(t, "check", "-o", "yaml", dir)
	clitest.AssertTerminalSafe(t, "check -o yaml", out+errOut)
	if docs := decodeStream(t, out); len(docs) != 1 || !containsString(docs[0], "mesh/"+clitest.Hostile) || !containsString(docs[0], routingFile) {
		t.Errorf("check -o yaml: %d documents, or the exact file names are lost", len(docs))
	}

	code, out, errOut := runCLI(t, "render", dir)
	clitest.AssertTerminalSafe(t, "render", out+errOut)
	if code != command.ExitOK {
		t.Fatalf("render: exit %d: %s", code, errOut)
	}
	for _, doc := range decodeStream(t, out) {
		if doc["kind"] == "Secret" {
			t.Errorf("a file name injected an object into render's stream:\n%s", out)
		}
	}
	_, out, _ = runCLI(t, "render", "-o", "json", dir)
	clitest.AssertTerminalSafe(t, "render -o json", out)

	repo := clitest.LocalRepo(t, hostileFiles(), nil)
	shift := []string{"shift", "--repo", repo, "--app", "bookinfo", "--virtualservice", "reviews", "--set", "v1=75,v3=25"}
	code, out, errOut = runCLI(t, append(shift, "--dry-run")...)
	clitest.AssertTerminalSafe(t, "shift --dry-run", out+errOut)
	if code != command.ExitOK {
		t.Fatalf("shift --dry-run: exit %d: %s", code, errOut)
	}
	code, out, errOut = runCLI(t, shift...)
	clitest.AssertTerminalSafe(t, "shift", out+errOut)
	if code != command.ExitOK || !strings.Contains(out, routingShown+":16 weight of v1: 90 -> 75") {
		t.Errorf("shift: exit %d, want the change line with the escaped name:\n%s%s", code, out, errOut)
	}
}

// TestErrorLineEscapesNames: an error naming a hostile file is printed
// with its escapes shown, and every line after the first indented.
func TestErrorLineEscapesNames(t *testing.T) {
	dir := t.TempDir()
	files := hostileFiles()
	files[routingFile] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\nkind: [broken\n"
	gittest.WriteFiles(t, dir, files)
	code, out, errOut := runCLI(t, "render", dir)
	clitest.AssertTerminalSafe(t, "render error", out+errOut)
	if code != command.ExitFailed || !strings.HasPrefix(errOut, "error: ") || !strings.Contains(errOut, routingShown) {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
}

func decodeStream(t *testing.T, s string) []map[string]any {
	t.Helper()
	var docs []map[string]any
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(s), 4096)
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("decoding the output: %v\n%s", err, s)
		}
		if m != nil {
			docs = append(docs, m)
		}
	}
}

// containsString reports whether v (decoded JSON or YAML) holds s as a
// string value somewhere.
func containsString(v any, s string) bool {
	switch x := v.(type) {
	case string:
		return x == s
	case map[string]any:
		for _, e := range x {
			if containsString(e, s) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if containsString(e, s) {
				return true
			}
		}
	}
	return false
}
