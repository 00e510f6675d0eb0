package deploy

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

// TestChartLint is `helm lint --strict` for every variant: warnings fail.
func TestChartLint(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			res := lint.All(chartDir, v.valueMap(t), releaseNS, true)
			for _, m := range res.Messages {
				if m.Severity >= support.WarningSev {
					t.Errorf("helm lint: %s", m)
				} else {
					t.Logf("helm lint: %s", m)
				}
			}
		})
	}
}

// TestChartGolden compares `helm template` of every variant with
// testdata/golden/<variant>.yaml; -update rewrites them. Review the diff of
// a rewrite like code: it is what users get.
func TestChartGolden(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			got := render(t, v.valueMap(t))
			path := filepath.Join("testdata", "golden", v.name+".yaml")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./deploy -run TestChartGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("helm template differs from %s (go test ./deploy -run TestChartGolden -update, then review the diff):\n%s",
					path, firstDiff(string(want), got))
			}
		})
	}
}

// firstDiff shows the first differing line with a little context.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			from := max(0, i-3)
			return "line " + strconv.Itoa(i+1) + ":\n  context: " + strings.Join(g[from:i], "\n           ") +
				"\n  want:    " + wl + "\n  got:     " + gl
		}
	}
	return "(no line differs)"
}

// TestChartValuesSchema: values.schema.json rejects what would otherwise
// be ignored or fail late (a misspelt key renders a chart without it).
func TestChartValuesSchema(t *testing.T) {
	tests := []struct {
		name, values, wantErr string
	}{
		{name: "misspelt key", values: "watchNamespaces: [a]", wantErr: "watchNamespaces"},
		{name: "author without email", values: "git: {author: gitshift}", wantErr: "author"},
		{name: "prometheus without scheme", values: "prometheus: {url: prometheus:9090}", wantErr: "url"},
		{name: "istiod without scheme", values: "istiod: {debugURL: istiod:8080}", wantErr: "debugURL"},
		{name: "istiod misspelt", values: "istiod: {debugUrl: \"http://istiod:8080\"}", wantErr: "debugUrl"},
		{name: "log format", values: "logFormat: xml", wantErr: "logFormat"},
		{name: "valid", values: "watchNamespace: a\ngit: {author: \"A B <a@b.c>\"}\nprometheus: {url: \"http://p:9090\"}\nistiod: {debugURL: \"http://istiod-debug.istio-system:8080\"}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := variant{name: tt.name, values: tt.values}
			_, err := renderErr(v.valueMap(t))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}
