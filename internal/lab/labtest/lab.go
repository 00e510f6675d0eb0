package labtest

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/rollout"
)

// Lab is a lab started for one test.
type Lab struct {
	Dir     string
	State   *lab.State
	Cluster *lab.Cluster
}

// ExtraFlagsEnv adds `lab up` flags to every lab a suite starts (make
// e2e-rollout sets --istiod: the rollout runs on istiod's routing).
const ExtraFlagsEnv = "GITSHIFT_E2E_LAB_FLAGS"

// Up starts a lab in a temporary directory (`gitshift lab up --dir <dir>
// args...` and $GITSHIFT_E2E_LAB_FLAGS) and registers a cleanup that stops
// it and fails the test if any process of it is left. It fails the test if
// the lab does not come up.
func Up(t *testing.T, args ...string) *Lab {
	t.Helper()
	l := &Lab{Dir: filepath.Join(t.TempDir(), "lab")}
	start := time.Now()
	args = append(args, strings.Fields(os.Getenv(ExtraFlagsEnv))...)
	r := Run(t, nil, append([]string{"lab", "up", "--dir", l.Dir}, args...)...)
	t.Cleanup(func() {
		l.down(t)
		l.keepLogs(t)
	})
	if r.Code != 0 {
		t.Fatalf("lab up: exit %d\n%s\nstatus:\n%s", r.Code, r.Stderr, Run(t, nil, "lab", "status", "--dir", l.Dir).Stdout)
	}
	t.Logf("lab up %s took %s", strings.Join(args, " "), time.Since(start).Round(time.Second))
	var err error
	if l.State, err = lab.LoadState(l.Dir); err != nil {
		t.Fatal(err)
	}
	if l.Cluster, err = lab.NewCluster(l.State.Endpoints.Kubeconfig); err != nil {
		t.Fatal(err)
	}
	return l
}

// keepLogs copies the lab's logs out of the test's temporary directory
// when the test failed, so that CI shows why ($GITSHIFT_E2E_LOGS, else
// the system's temporary directory).
func (l *Lab) keepLogs(t *testing.T) {
	if !t.Failed() {
		return
	}
	base := os.Getenv("GITSHIFT_E2E_LOGS")
	if base == "" {
		base = os.TempDir()
	}
	dst, err := os.MkdirTemp(base, "gitshift-e2e-logs-")
	if err == nil {
		err = os.CopyFS(dst, os.DirFS(filepath.Join(l.Dir, "logs")))
	}
	if err != nil {
		t.Logf("keeping the lab's logs: %v", err)
		return
	}
	t.Logf("the lab's logs are kept in %s", dst)
}

// down stops the lab and checks that no process of it is left.
func (l *Lab) down(t *testing.T) {
	st, _ := lab.LoadState(l.Dir)
	if r := Run(t, nil, "lab", "down", "--dir", l.Dir); r.Code != 0 {
		t.Errorf("lab down: exit %d\n%s", r.Code, r.Stderr)
	}
	if st != nil {
		for _, c := range st.Components {
			if c.Proc.Alive() {
				t.Errorf("%s (pid %d) still runs after down", c.Name, c.Proc.PID)
			}
			if g := c.Proc.Group(); len(g) > 0 {
				t.Errorf("%s's process group still has %v after down", c.Name, g)
			}
		}
		if st.Supervisor.Alive() {
			t.Errorf("supervisor (pid %d) still runs after down", st.Supervisor.PID)
		}
	}
	if left := lab.ProcessesUsing(l.Dir); len(left) > 0 {
		t.Errorf("processes still using %s after down: %v", l.Dir, left)
	}
}

// SyncApp applies the example Bookinfo Application, pointed at the lab's
// Git and API server and with directory recursion on or off, and waits
// until Argo CD has synced it at the HEAD of main. It returns that SHA.
func (l *Lab) SyncApp(t *testing.T, recurse bool) string {
	t.Helper()
	ctx := context.Background()
	ep := l.State.Endpoints
	app, err := lab.LabApplication(filepath.Join(root, "examples", "bookinfo-gitops", "argocd", "application.yaml"), ep.GitURL, ep.APIServer)
	if err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedField(app.Object, recurse, "spec", "source", "directory", "recurse"); err != nil {
		t.Fatal(err)
	}
	if err := l.Cluster.Apply(ctx, app); err != nil {
		t.Fatal(err)
	}
	sha, err := lab.RemoteHead(ctx, ep.GitURL, "main")
	if err != nil {
		t.Fatal(err)
	}
	as, err := l.Cluster.WaitApp(ctx, "argocd", app.GetName(), sha, 3*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Application %s (recurse %v): %+v", app.GetName(), recurse, as)
	return sha
}

// RolloutHistory returns gitshift's weight commits of rollout id on the
// lab's Git remote, oldest first, as "action step" ("rollout-step 1/4",
// "promote 4/4"; control commits left out): what a test asserts on to
// show that no step was committed twice.
func RolloutHistory(t *testing.T, gitURL, id string) []string {
	t.Helper()
	ctx := context.Background()
	repo, err := gitrepo.Clone(ctx, gitURL, filepath.Join(t.TempDir(), "clone"), gitrepo.CloneOptions{})
	if err != nil {
		t.Fatal(err)
	}
	log, err := repo.Log(ctx, "HEAD", 300)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(log) - 1; i >= 0; i-- {
		c := log[i]
		if r, _ := c.Trailer(rollout.TrailerRollout); r != id {
			continue
		}
		a, _ := c.Trailer(rollout.TrailerAction)
		s, _ := c.Trailer(rollout.TrailerStep)
		if a != rollout.ActionControl {
			out = append(out, a+" "+s)
		}
	}
	return out
}

// RoutingMode is the mesh simulator's routing source from its /debug/xds:
// "xds" (routes from istiod) or "api-server" (the fast mode).
func (l *Lab) RoutingMode(t *testing.T) string {
	t.Helper()
	url := strings.TrimSuffix(l.State.Endpoints.MeshsimMetrics, "/metrics") + "/debug/xds"
	resp, err := http.Get(url) //nolint:gosec // the lab's loopback address
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var st struct{ Mode string }
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("decoding %s: %v", url, err)
	}
	return st.Mode
}
