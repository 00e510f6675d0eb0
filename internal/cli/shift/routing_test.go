package shift

import (
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/cli/clitest"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

// TestShiftHeaderRouteAndMirror: the flags insert a header route, swap it
// for a mirror, and remove the mirror, each a pushed commit (exit 0), and
// the text output says what changed.
func TestShiftHeaderRouteAndMirror(t *testing.T) {
	srv := gittest.Start(t)
	srv.Create(t, "repo", clitest.Files(t, clitest.Example("bookinfo-gitops")))
	common := []string{"shift", "--repo", srv.URL("repo"), "--app", "bookinfo", "--virtualservice", "bookinfo/reviews"}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"--set", "v1=100,v3=0", "--canary", "v3", "--header-route", "x-canary=1"}, `header route: none -> x-canary exact "1" -> v3`},
		{[]string{"--no-header-route", "--mirror", "v3=20"}, "mirror: none -> v3=20%"},
		{[]string{"--canary", "v3", "--no-mirror"}, "mirror: v3=20% -> none"},
	}
	for _, s := range steps {
		code, stdout, stderr := runCLI(t, append(append([]string(nil), common...), s.args...)...)
		if code != 0 || !strings.Contains(stdout, s.want) {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q; want %q", s.args, code, stdout, stderr, s.want)
		}
	}
	got := gittest.Git(t, srv.Path("repo"), "show", "HEAD:canary/reviews-traffic-90-10.yaml")
	if strings.Contains(got, "mirror") || strings.Contains(got, "gitshift-header") || !strings.Contains(got, "weight: 100 # stable") {
		t.Errorf("after the last step:\n%s", got)
	}
}
