package helmengine_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gitshift/gitshift/internal/source"
)

const schemaSecret = "SECRET-TOKEN-123"

// noNetwork is an HTTP server that fails the test on any request.
func noNetwork(t *testing.T) (url string, hits *atomic.Int64) {
	t.Helper()
	hits = &atomic.Int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		t.Errorf("network request during an offline render: %s %s", r.Method, r.URL)
		w.Write([]byte(`{"enum": ["` + schemaSecret + `"]}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, hits
}

// TestHelmSchemaRefsStayOffline: Helm's values.schema.json validation
// loads `$ref` (and `$schema`) targets from any file:// path and over
// http(s). gitshift loads none: a file reference is invalid (it is outside
// the repository: Helm resolves it on the repo-server's disk), a remote one
// is not checked; neither file nor server is touched, nothing is echoed.
func TestHelmSchemaRefsStayOffline(t *testing.T) {
	srv, hits := noNetwork(t)
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.json")
	// A named pipe: opening it blocks, so a render that opens it hangs.
	mkfifo(t, secret)
	tests := []struct {
		name   string
		schema string
		values string
		sub    map[string]string // files of a subchart in charts/sub
		skip   bool              // helm.skipSchemaValidation
		// want: "" renders; "invalid" a *ManifestError; "unsupported" a
		// *UnsupportedError; both naming wantFile.
		want, wantFile, wantErr string
	}{
		{name: "file-ref-absolute", schema: `{"properties": {"a": {"$ref": "file://` + secret + `"}}}`,
			want: "invalid", wantFile: "chart/values.schema.json", wantErr: "file://" + secret},
		{name: "file-ref-relative-resolves-to-filesystem-root", schema: `{"properties": {"a": {"$ref": "defs.json#/a"}}}`,
			want: "invalid", wantFile: "chart/values.schema.json", wantErr: "file:///defs.json"},
		{name: "http-ref", schema: `{"properties": {"a": {"$ref": "` + srv + `/s.json"}}}`,
			want: "unsupported", wantFile: "chart/values.schema.json", wantErr: srv + "/s.json"},
		{name: "https-ref", schema: `{"properties": {"a": {"$ref": "https://schemas.example.com/s.json"}}}`,
			want: "unsupported", wantFile: "chart/values.schema.json", wantErr: "https://schemas.example.com/s.json"},
		{name: "remote-metaschema", schema: `{"$schema": "` + srv + `/meta.json", "type": "object"}`,
			want: "unsupported", wantFile: "chart/values.schema.json", wantErr: srv + "/meta.json"},
		{name: "id-makes-relative-ref-remote", schema: `{"$id": "` + srv + `/base.json", "properties": {"a": {"$ref": "other.json"}}}`,
			want: "unsupported", wantFile: "chart/values.schema.json", wantErr: srv + "/other.json"},
		{name: "subchart-schema-remote-ref", schema: `{"type": "object"}`, values: "sub: {b: 1}\n",
			sub: map[string]string{
				"Chart.yaml":         "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
				"values.schema.json": `{"properties": {"b": {"$ref": "` + srv + `/sub.json"}}}`,
			},
			want: "unsupported", wantFile: "chart/charts/sub/values.schema.json", wantErr: srv + "/sub.json"},
		{name: "skip-schema-validation-loads-nothing", schema: `{"properties": {"a": {"$ref": "` + srv + `/s.json"}}}`, skip: true},
		{name: "local-definitions-validate", schema: `{"definitions": {"n": {"type": "integer"}}, "properties": {"a": {"$ref": "#/definitions/n"}}}`},
		{name: "local-definitions-still-reject", schema: `{"definitions": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/definitions/s"}}}`,
			want: "invalid", wantFile: "chart", wantErr: "values don't meet the specifications of the schema"},
		{name: "urn-ref-is-permissive-as-in-helm", schema: `{"properties": {"a": {"$ref": "urn:example:schema"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			_, root := escapeLayout(t)
			values := "a: 1\n" + tt.values
			write(t, root, map[string]string{
				"chart/Chart.yaml":         chartYAML(""),
				"chart/values.yaml":        values,
				"chart/values.schema.json": tt.schema,
			})
			for p, c := range tt.sub {
				write(t, root, map[string]string{"chart/charts/sub/" + p: c})
			}
			app := &source.Application{Name: "app", Destination: source.Destination{Namespace: "dest"}}
			src := source.AppSource{RepoURL: "https://example.com/r.git", Path: "chart", Helm: &source.HelmSource{SkipSchemaValidation: tt.skip}}
			app.Sources = []source.AppSource{src}
			_, err := renderApp(t, root, app, src)
			if hits.Load() > 0 {
				t.Fatalf("the render made %d network requests", hits.Load())
			}
			if err != nil && strings.Contains(err.Error(), schemaSecret) {
				t.Errorf("error echoes a referenced file's content: %v", err)
			}
			var me *source.ManifestError
			var ue *source.UnsupportedError
			switch tt.want {
			case "":
				if err != nil {
					t.Fatalf("err = %v, want a render", err)
				}
				return
			case "invalid":
				if !errors.As(err, &me) || errors.As(err, &ue) {
					t.Fatalf("err = %v (%T), want a *source.ManifestError", err, err)
				}
				if me.File != tt.wantFile {
					t.Errorf("error names %q, want %q", me.File, tt.wantFile)
				}
			case "unsupported":
				if !errors.As(err, &ue) {
					t.Fatalf("err = %v (%T), want a *source.UnsupportedError", err, err)
				}
				if ue.File != tt.wantFile {
					t.Errorf("error names %q, want %q", ue.File, tt.wantFile)
				}
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := os.Stat(secret); err != nil {
		t.Fatal(err)
	}
}

// TestHelmResolvesNoHostName: getHostByName, the one template function
// that reaches the network, answers "" as in `helm template` without
// --enable-dns.
func TestHelmResolvesNoHostName(t *testing.T) {
	_, root := escapeLayout(t)
	write(t, root, map[string]string{
		"chart/Chart.yaml":        chartYAML(""),
		"chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dns\ndata:\n  ip: {{ getHostByName \"localhost\" | quote }}\n",
	})
	res, err := renderChart(t, root)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Objects {
		if o.GetName() == "dns" {
			if ip := o.Object["data"].(map[string]any)["ip"]; ip != "" {
				t.Errorf("getHostByName resolved localhost to %v", ip)
			}
			return
		}
	}
	t.Fatal("no ConfigMap dns")
}
