package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/rollout"
)

var backticked = regexp.MustCompile("`([A-Za-z]+)`")

// knownPhases are the phases the controller writes.
func knownPhases() map[string]bool {
	out := map[string]bool{"Idle": true, "Waiting": true}
	for p := rollout.Phase(0); p.String() != "Unknown"; p++ {
		out[p.String()] = true
	}
	return out
}

// docClaims reads "phase → health" from the two controller docs:
// controller.md's bullets ("- Degraded: phase `RollingBack`, …", wrapped
// lines joined) and controller-install.md's table ("| phase `Promoted` |
// Healthy |"). Idle is left out: its health depends on a condition, and
// healthCases covers both.
func docClaims(t *testing.T) map[string]map[string]string {
	t.Helper()
	phases := knownPhases()
	claims := map[string]map[string]string{}
	add := func(doc, text, health string) {
		if claims[doc] == nil {
			claims[doc] = map[string]string{}
		}
		for _, m := range backticked.FindAllStringSubmatch(text, -1) {
			if p := m[1]; phases[p] && p != "Idle" {
				claims[doc][p] = health
			}
		}
	}

	b, err := os.ReadFile("../docs/controller.md")
	if err != nil {
		t.Fatal(err)
	}
	bullet := regexp.MustCompile(`^- (Healthy|Progressing|Degraded|Suspended|Unknown): (.*)`)
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		m := bullet.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		text := m[2]
		for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "  ") {
			i++
			text += " " + strings.TrimSpace(lines[i])
		}
		add("controller.md", text, m[1])
	}

	b, err = os.ReadFile("../docs/controller-install.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "phase ") {
			continue
		}
		add("controller-install.md", cells[1], strings.TrimSpace(cells[2]))
	}
	return claims
}

// TestHealthDocsMatchScript: what controller.md and controller-install.md
// say each phase shows in Argo CD is what the shipped script returns, and
// both docs name every phase but Idle.
func TestHealthDocsMatchScript(t *testing.T) {
	script := readScript(t)
	claims := docClaims(t)
	for _, doc := range []string{"controller.md", "controller-install.md"} {
		got := claims[doc]
		for p := range knownPhases() {
			if p != "Idle" && got[p] == "" {
				t.Errorf("%s does not say which health phase %s shows", doc, p)
			}
		}
		for phase, want := range got {
			h, err := runHealthLua(script, policyObject(t, 1, "observedGeneration: 1\nphase: "+phase+"\nconditions: ["+readyTrue+"]"))
			if err != nil {
				t.Fatal(err)
			}
			if h.Status != want {
				t.Errorf("%s says phase %s is %s; the script says %s", doc, phase, want, h.Status)
			}
		}
	}
}
