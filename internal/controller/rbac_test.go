package controller

import (
	"os"
	"strings"
	"testing"
)

// TestRBACDocMatchesRules fails when docs/controller-rbac.md (which the
// chart's ClusterRole is written from) and Rules disagree on a group, a
// resource or a verb.
func TestRBACDocMatchesRules(t *testing.T) {
	b, err := os.ReadFile("../../docs/controller-rbac.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "<!-- rules:begin -->")
	table, _, ok2 := strings.Cut(table, "<!-- rules:end -->")
	if !ok || !ok2 {
		t.Fatal("docs/controller-rbac.md: rules:begin/end markers missing")
	}
	var doc []string
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) < 3 || strings.TrimSpace(cells[0]) == "apiGroup" || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") {
			continue
		}
		group := strings.TrimSpace(cells[0])
		if strings.HasPrefix(group, `""`) {
			group = ""
		}
		doc = append(doc, group+" "+strings.TrimSpace(cells[1])+" "+strings.Join(strings.Fields(strings.ReplaceAll(cells[2], ",", " ")), ","))
	}
	var code []string
	for _, r := range Rules {
		code = append(code, r.APIGroups[0]+" "+r.Resources[0]+" "+strings.Join(r.Verbs, ","))
	}
	if strings.Join(doc, "\n") != strings.Join(code, "\n") {
		t.Errorf("docs/controller-rbac.md rules:\n%s\n\ncontroller.Rules:\n%s", strings.Join(doc, "\n"), strings.Join(code, "\n"))
	}
}
