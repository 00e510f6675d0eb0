package gitrepo

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gitshift/gitshift/internal/redact"
)

// auth keeps the credentials of a remote URL out of the clone: git stores
// the URL without them (remote.origin.url), and every command gets the
// real one as url.<real>.insteadOf=<stored> in its environment
// (GIT_CONFIG_*), which git reads and never writes. A clone left behind by
// a kill -9 holds no credential; nor does ~/.git-credentials, because the
// commands also run without credential helpers.
type auth struct {
	stored  string // the URL without credentials
	real    string
	secrets []string // for scrubbing git's output
}

// newAuth returns nil when raw carries no credentials.
func newAuth(raw string) *auth {
	if !isURL(raw) {
		return nil
	}
	clean, ok := redact.Strip(raw)
	if !ok {
		return nil
	}
	return &auth{stored: clean, real: raw, secrets: redact.Secrets(raw)}
}

func (a *auth) config() [][2]string {
	return [][2]string{{"url." + a.real + ".insteadOf", a.stored}, {"credential.helper", ""}}
}

// withConfig adds config to env as GIT_CONFIG_KEY_n/VALUE_n entries after
// those env already has (the caller's, e.g. signing settings).
func withConfig(env []string, config [][2]string) []string {
	if len(config) == 0 {
		return env
	}
	n := 0
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "GIT_CONFIG_COUNT="); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	for i, kv := range config {
		env = append(env, fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", n+i, kv[0]), fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", n+i, kv[1]))
	}
	return append(env, fmt.Sprintf("GIT_CONFIG_COUNT=%d", n+len(config)))
}
