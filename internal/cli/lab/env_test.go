package lab

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/lab"
)

func TestShellQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/work/main/.lab/kubeconfig", "/work/main/.lab/kubeconfig"},
		{"http://127.0.0.1:9090", "http://127.0.0.1:9090"},
		{"/tmp/my lab", "'/tmp/my lab'"},
		{"it's", `'it'\''s'`},
		{"", "''"},
	}
	for _, tt := range tests {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestPrintEnv(t *testing.T) {
	base := lab.Endpoints{Kubeconfig: "/x/.lab/kubeconfig", PrometheusURL: "http://127.0.0.1:1", GitURL: "git://127.0.0.1:2/r.git", ArgoCDNS: "argocd"}
	common := `export KUBECONFIG=/x/.lab/kubeconfig
export GITSHIFT_PROMETHEUS_URL=http://127.0.0.1:1
export GITSHIFT_GIT_URL=git://127.0.0.1:2/r.git
export GITSHIFT_ARGOCD_NAMESPACE=argocd
export GITSHIFT_LAB_DIR=/x/.lab
`
	withIstiod := base
	withIstiod.IstiodDebug = "http://127.0.0.1:3/debug"
	tests := []struct {
		name string
		e    lab.Endpoints
		want string
	}{
		{"without istiod: its address is unset", base, common + "unset GITSHIFT_ISTIOD_DEBUG_URL\n"},
		{"with istiod: its debug address for verify and rollout", withIstiod, common + "export GITSHIFT_ISTIOD_DEBUG_URL=http://127.0.0.1:3/debug\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			printEnv(command.Streams{Out: &out}, &lab.State{Dir: "/x/.lab", Endpoints: tt.e})
			if got := out.String(); got != tt.want {
				t.Errorf("printEnv:\n%s\nwant:\n%s", got, tt.want)
			}
			if strings.Contains(out.String(), lab.ComponentEnv) {
				t.Error("lab env must not export the component marker")
			}
		})
	}
}
