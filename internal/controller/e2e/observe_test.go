//go:build e2e

package e2e_test

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitshift/gitshift/internal/lab"
)

// observer records, while a rollout runs, every distinct row `kubectl get
// canarypolicies` prints and every distinct health Argo CD shows for the
// policy's Application and for the policy itself, in order.
type observer struct {
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	rows    []string // "Promoted 4/4 100 promote"
	health  []string // the Application's health
	polHlth []string // the CanaryPolicy resource's health in it
}

func (l *ctlLab) observe(t *testing.T) *observer {
	o := &observer{stop: make(chan struct{}), done: make(chan struct{})}
	ctx := context.Background()
	look := func() {
		if rows, err := l.Cluster.PolicyRows(ctx, ns); err == nil && len(rows) == 2 {
			// Leave out NAME and AGE.
			f := strings.Fields(rows[1])
			if len(f) >= 5 {
				o.add(&o.rows, strings.Join(f[1:len(f)-1], " "))
			}
		}
		if h, err := l.Cluster.Health(ctx, l.State.Endpoints.ArgoCDNS, rolloutApp); err == nil {
			o.add(&o.health, h.Health)
			o.add(&o.polHlth, h.Resources[policyKey])
		}
	}
	go func() {
		defer close(o.done)
		for {
			look()
			select {
			case <-o.stop:
				// One more look: the test stops once it saw the end state
				// itself, which a look in flight may have missed.
				look()
				return
			case <-time.After(300 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(o.Stop)
	return o
}

// add appends v unless it repeats the last value.
func (o *observer) add(to *[]string, v string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if v != "" && (len(*to) == 0 || (*to)[len(*to)-1] != v) {
		*to = append(*to, v)
	}
}

// Stop ends the observation (idempotent).
func (o *observer) Stop() {
	select {
	case <-o.stop:
	default:
		close(o.stop)
	}
	<-o.done
}

func (o *observer) seen() (rows, health, policyHealth []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.rows...), append([]string(nil), o.health...), append([]string(nil), o.polHlth...)
}

// hasInOrder reports whether want appear in got in that order (others may
// come between).
func hasInOrder(got []string, want ...string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// metrics reads a replica's /metrics: the sum of the samples of each
// series name whose labels contain the given text ("" any).
func metrics(ep lab.ControllerEndpoint, series map[string]string) (map[string]float64, error) {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get(ep.Metrics)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for name, labels := range series {
			if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
				continue
			}
			sp := strings.LastIndexByte(line, ' ')
			if !strings.Contains(line[:sp], labels) {
				continue
			}
			v, err := strconv.ParseFloat(line[sp+1:], 64)
			if err == nil {
				out[name] += v
			}
		}
	}
	return out, sc.Err()
}

// leaderState is what one look at the replicas found.
type leaderState struct {
	leader     string  // the replica that holds the leader Lease ("" none answered so)
	reconciles float64 // the leader's CanaryPolicy reconciles since it started
}

func (l *ctlLab) leaderNow() leaderState {
	for _, ep := range l.State.Endpoints.Controllers {
		m, err := metrics(ep, map[string]string{
			"leader_election_master_status":      `name="gitshift-controller"`,
			"controller_runtime_reconcile_total": `controller="canarypolicy"`,
		})
		if err == nil && m["leader_election_master_status"] == 1 {
			return leaderState{leader: ep.Name, reconciles: m["controller_runtime_reconcile_total"]}
		}
	}
	return leaderState{}
}

// leader waits until one replica leads and returns its name and pid.
func (l *ctlLab) leader(t *testing.T) (string, int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if s := l.leaderNow(); s.leader != "" {
			st, err := lab.LoadState(l.Dir)
			if err != nil {
				t.Fatal(err)
			}
			if c := st.Component(s.leader); c != nil && c.Proc.Alive() {
				return s.leader, c.Proc.PID
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no controller replica leads")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// takeover waits until a replica other than the dead leader's process
// leads and has reconciled the policy, and returns how long after the
// kill that was.
func (l *ctlLab) takeover(t *testing.T, killedAt time.Time, limit time.Duration) time.Duration {
	t.Helper()
	for {
		if s := l.leaderNow(); s.leader != "" && s.reconciles > 0 {
			return time.Since(killedAt)
		}
		if time.Since(killedAt) > limit {
			t.Fatalf("no replica took over within %s of the kill", limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
