package source

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// offlineProbe is a web server and a raw TCP listener (a git remote) that
// count every request or connection: an offline render makes none.
type offlineProbe struct {
	web     string // http://127.0.0.1:port
	git     string // 127.0.0.1:port
	hits    atomic.Int64
	connect atomic.Int64
}

func newOfflineProbe(t *testing.T) *offlineProbe {
	t.Helper()
	p := &offlineProbe{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.hits.Add(1)
		w.Write([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fetched\n"))
	}))
	t.Cleanup(srv.Close)
	p.web = srv.URL
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.connect.Add(1)
			c.Close()
		}
	}()
	p.git = l.Addr().String()
	return p
}

func (p *offlineProbe) reset() {
	p.hits.Store(0)
	p.connect.Store(0)
}

// assertUntouched fails the test if anything reached the probe.
func (p *offlineProbe) assertUntouched(t *testing.T) {
	t.Helper()
	time.Sleep(10 * time.Millisecond) // let a racing accept be counted
	if n := p.hits.Load(); n > 0 {
		t.Errorf("%d HTTP requests during an offline render", n)
	}
	if n := p.connect.Load(); n > 0 {
		t.Errorf("%d connections to the git remote during an offline render", n)
	}
}

// TestKustomizeRemoteReferencesAreNotFetched: every way a kustomization can
// name something on the network is "could not check" (naming the file and
// the reference), and no request or connection is made. A file:// git
// URL names the repo-server's own disk: invalid, like any path outside.
func TestKustomizeRemoteReferencesAreNotFetched(t *testing.T) {
	p := newOfflineProbe(t)
	web, git := p.web, p.git
	local := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
	tests := []struct {
		name    string
		kust    string            // k/kustomization.yaml
		files   map[string]string // more files
		want    string            // the reference named in the error
		file    string            // the file named; default k/kustomization.yaml
		invalid bool
		build   string // kustomize build options
	}{
		{name: "resource-http-file", kust: "resources: [a.yaml, " + web + "/cm.yaml]\n", want: web + "/cm.yaml"},
		{name: "resource-https-git", kust: "resources:\n- https://" + git + "/org/repo.git//base?ref=main\n", want: "https://" + git},
		{name: "resource-ssh-git", kust: "resources:\n- ssh://git@" + git + "/org/repo//base\n", want: "ssh://git@" + git},
		{name: "resource-forced-git-protocol", kust: "resources:\n- git::http://" + git + "/org/repo//base\n", want: "git::http://" + git},
		{name: "resource-scp-like", kust: "resources:\n- git@example.com:org/repo//base\n", want: "git@example.com:org/repo"},
		{name: "resource-github-shorthand", kust: "resources:\n- github.com/org/repo//base?ref=v1\n", want: "github.com/org/repo"},
		{name: "bases-legacy-field", kust: "bases:\n- ssh://git@" + git + "/org/repo//base\n", want: "ssh://git@" + git},
		{name: "component", kust: "components:\n- " + web + "/comp\n", want: web + "/comp"},
		{name: "crd", kust: "crds:\n- " + web + "/crd.json\n", want: web + "/crd.json"},
		{name: "patch-path", kust: "resources: [a.yaml]\npatches:\n- path: " + web + "/p.yaml\n", want: web + "/p.yaml"},
		{name: "patches-strategic-merge", kust: "resources: [a.yaml]\npatchesStrategicMerge:\n- " + web + "/psm.yaml\n", want: web + "/psm.yaml"},
		{name: "patches-json6902", kust: "resources: [a.yaml]\npatchesJson6902:\n- target: {version: v1, kind: ConfigMap, name: a}\n  path: " + web + "/p.json\n", want: web + "/p.json"},
		{name: "configmap-generator-file", kust: "configMapGenerator:\n- name: c\n  files: [" + web + "/f.txt]\n", want: web + "/f.txt"},
		{name: "configmap-generator-keyed-file", kust: "configMapGenerator:\n- name: c\n  files: [key=" + web + "/f.txt]\n", want: web + "/f.txt"},
		{name: "secret-generator-env", kust: "secretGenerator:\n- name: s\n  envs: [" + web + "/s.env]\n", want: web + "/s.env"},
		{name: "openapi", kust: "resources: [a.yaml]\nopenapi:\n  path: " + web + "/openapi.json\n", want: web + "/openapi.json"},
		{name: "replacements", kust: "resources: [a.yaml]\nreplacements:\n- path: " + web + "/r.yaml\n", want: web + "/r.yaml"},
		{name: "configurations", kust: "resources: [a.yaml]\nconfigurations:\n- " + web + "/c.yaml\n", want: web + "/c.yaml"},
		{name: "transformer-url", kust: "resources: [a.yaml]\ntransformers:\n- " + web + "/t.yaml\n", want: web + "/t.yaml"},
		{name: "generator-url", kust: "generators:\n- " + web + "/g.yaml\n", want: web + "/g.yaml"},
		{name: "validator-url", kust: "resources: [a.yaml]\nvalidators:\n- " + web + "/v.yaml\n", want: web + "/v.yaml"},
		{name: "inline-transformer-with-remote-path",
			kust: "resources: [a.yaml]\ntransformers:\n- |-\n  apiVersion: builtin\n  kind: PatchTransformer\n  metadata: {name: p}\n  path: " + web + "/p.yaml\n",
			want: web + "/p.yaml"},
		{name: "transformer-file-with-remote-path", kust: "resources: [a.yaml]\ntransformers: [t.yaml]\n",
			files: map[string]string{"k/t.yaml": "apiVersion: builtin\nkind: PatchStrategicMergeTransformer\nmetadata: {name: p}\npaths: [" + web + "/p.yaml]\n"},
			want:  web + "/p.yaml", file: "k/t.yaml"},
		// Argo CD's default build options have no --enable-helm: kustomize
		// fails on helmCharts (invalid); with it, kustomize runs helm (not
		// checked).
		{name: "helm-chart-without-enable-helm", kust: "helmCharts:\n- name: x\n  repo: " + web + "/charts\n  version: 1.0.0\n",
			want: "must specify --enable-helm", invalid: true},
		{name: "helm-chart-with-enable-helm", kust: "helmCharts:\n- name: x\n  repo: " + web + "/charts\n  version: 1.0.0\n",
			build: "--enable-helm", want: "kustomize runs helm"},
		{name: "remote-in-a-base", kust: "resources: [../base]\n",
			files: map[string]string{"base/kustomization.yaml": "resources:\n- " + web + "/cm.yaml\n"},
			want:  web + "/cm.yaml", file: "base/kustomization.yaml"},
		{name: "file-url-git-clone-is-outside", kust: "resources:\n- file:///srv/other-repo//base\n", want: "file:///srv/other-repo", invalid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.reset()
			files := map[string]string{"k/kustomization.yaml": tt.kust, "k/a.yaml": local}
			for f, c := range tt.files {
				files[f] = c
			}
			root := writeRepo(t, files)
			_, err := render(t, root, &Application{Name: "app", Sources: []AppSource{{Path: "k"}}}, Options{KustomizeBuildOptions: tt.build})
			p.assertUntouched(t)
			file := tt.file
			if file == "" {
				file = "k/kustomization.yaml"
			}
			var ue *UnsupportedError
			var me *ManifestError
			switch {
			case tt.invalid:
				if !errors.As(err, &me) || errors.As(err, &ue) || me.File != file {
					t.Fatalf("err = %v (%T), want a *ManifestError naming %s", err, err, file)
				}
			case !errors.As(err, &ue) || ue.File != file:
				t.Fatalf("err = %v (%T), want an *UnsupportedError naming %s", err, err, file)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to name %q", err, tt.want)
			}
		})
	}
}

// TestRemoteHelmInputsAreNotFetched: value files and file parameters given
// as URLs (also through .argocd-source overrides) are "could not check".
func TestRemoteHelmInputsAreNotFetched(t *testing.T) {
	p := newOfflineProbe(t)
	chart := map[string]string{"chart/Chart.yaml": chartYAML}
	tests := []struct {
		name     string
		helm     *HelmSource
		override string // chart/.argocd-source.yaml
	}{
		{name: "value-file", helm: &HelmSource{ValueFiles: []string{p.web + "/values.yaml"}}},
		{name: "file-parameter", helm: &HelmSource{FileParameters: []HelmFileParameter{{Name: "x", Path: p.web + "/x.pem"}}}},
		{name: "value-file-from-override", override: "helm:\n  valueFiles: [" + p.web + "/values.yaml]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.reset()
			files := map[string]string{}
			for k, v := range chart {
				files[k] = v
			}
			if tt.override != "" {
				files["chart/.argocd-source.yaml"] = tt.override
			}
			root := writeRepo(t, files)
			_, err := render(t, root, helmApp(tt.helm), Options{Helm: nopHelm{}})
			p.assertUntouched(t)
			var ue *UnsupportedError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), p.web) {
				t.Fatalf("err = %v, want an *UnsupportedError naming the URL", err)
			}
		})
	}
}

// TestKustomizeRunsNoFunction: a KRM function (exec or container) named by
// a transformer is not run: kustomize's default options, which Argo CD
// uses too, disable plugins, and gitshift keeps them.
func TestKustomizeRunsNoFunction(t *testing.T) {
	root := writeRepo(t, map[string]string{
		"k/kustomization.yaml": "resources: [a.yaml]\ntransformers: [fn.yaml]\n",
		"k/a.yaml":             obj("ConfigMap", "a"),
		"k/fn.yaml": "apiVersion: example.com/v1\nkind: Marker\nmetadata:\n  name: m\n  annotations:\n" +
			"    config.kubernetes.io/function: |\n      exec:\n        path: ./mark.sh\n",
		"k/mark.sh": "#!/bin/sh\ntouch \"$(dirname \"$0\")/executed\"\ncat\n",
	})
	if err := os.Chmod(filepath.Join(root, "k", "mark.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := render(t, root, &Application{Name: "app", Sources: []AppSource{{Path: "k"}}}, Options{})
	if _, serr := os.Stat(filepath.Join(root, "k", "executed")); serr == nil {
		t.Fatal("the exec function ran")
	}
	if err == nil {
		t.Fatal("render succeeded, want kustomize's error about disabled plugins")
	}
}
