package controller

import (
	"container/heap"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	api "github.com/gitshift/gitshift/internal/api/v1alpha1"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// benchPolicies is how many policies BenchmarkController runs: 1,000, or
// $GITSHIFT_BENCH_POLICIES.
func benchPolicies() int {
	if n, err := strconv.Atoi(os.Getenv("GITSHIFT_BENCH_POLICIES")); err == nil && n > 0 {
		return n
	}
	return 1000
}

// queue is the workqueue's delay heap: the next policy to reconcile first.
type queued struct {
	at  time.Time
	key string
}
type queue []queued

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(queued)) }
func (q *queue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc)
}

// BenchmarkController runs 1,000 policies through whole rollouts (5, 25,
// 50, 100 with analysis) on one reconciler over the fakes, in the order a
// workqueue would (the earliest requeue first, the fake clock jumping to
// it), and reports: the heap per running rollout (all 1,000 in memory at
// once, mid-rollout), reconciles per second of CPU, reconciles and API
// requests per step commit (status patches, Events, Lease calls; cached
// reads are counted apart). Run: go test -run x -bench Controller -benchtime 1x ./internal/controller/
func BenchmarkController(b *testing.B) {
	n := benchPolicies()
	for i := 0; i < b.N; i++ {
		e := newEnv(b)
		ctx := context.Background()
		for j := 0; j < n; j++ {
			cp := e.policy(fmt.Sprintf("app-%04d", j), policy.TriggerManual)
			if err := e.client.Create(ctx, cp); err != nil {
				b.Fatal(err)
			}
			e.reconcile(cp.Name) // the baseline
			e.update(cp.Name, func(cp *api.CanaryPolicy) { cp.Annotations = map[string]string{api.StartAnnotation: "go"} })
		}
		reads0 := e.n.get.Load()
		api0 := e.n.patch.Load() + e.n.events.Load() + e.n.leases.Load()
		before := heapMB()
		q := &queue{}
		start := e.clock.Now()
		b.ResetTimer()
		began, cpu0 := time.Now(), cpuTime()
		reconciles := 0
		for j := 0; j < n; j++ {
			heap.Push(q, queued{at: start, key: fmt.Sprintf("app-%04d", j)})
		}
		perRollout := 0.0
		for q.Len() > 0 {
			it := heap.Pop(q).(queued)
			if it.at.After(e.clock.Now()) {
				e.clock.Add(it.at.Sub(e.clock.Now()))
			}
			res, err := e.r.Reconcile(ctx, ctrl.Request{NamespacedName: types.NamespacedName{Namespace: "bookinfo", Name: it.key}})
			if err != nil {
				b.Fatal(err)
			}
			reconciles++
			if reconciles == n {
				b.StopTimer()
				perRollout = (heapMB() - before) / float64(e.r.Active())
				b.StartTimer()
			}
			if e.r.Active() == 0 && reconciles > n {
				break
			}
			if res.RequeueAfter > 0 && res.RequeueAfter < time.Minute {
				heap.Push(q, queued{at: e.clock.Now().Add(res.RequeueAfter), key: it.key})
			}
		}
		took, cpu := time.Since(began), cpuTime()-cpu0
		b.StopTimer()
		commits := 0
		for _, r := range e.backend.repos {
			if got := r.ours(); len(got) != 4 || got[3] != "promote 4/4" {
				b.Fatalf("a rollout ended with %v", got)
			}
			commits += len(r.ours())
		}
		calls := e.n.patch.Load() + e.n.events.Load() + e.n.leases.Load() - api0
		b.ReportMetric(perRollout, "heap-B/rollout")
		b.ReportMetric(float64(reconciles)/took.Seconds(), "reconciles/s")
		b.ReportMetric(float64(reconciles)/cpu.Seconds(), "reconciles/CPU-s")
		b.ReportMetric(float64(reconciles)/float64(commits), "reconciles/step")
		b.ReportMetric(float64(calls)/float64(commits), "API-requests/step")
		b.ReportMetric(float64(e.n.patch.Load())/float64(commits), "status-patches/step")
		b.ReportMetric(float64(e.n.leases.Load())/float64(commits), "lease-requests/step")
		b.ReportMetric(float64(e.n.get.Load()-reads0)/float64(commits), "cached-reads/step")
		b.ReportMetric(e.clock.Now().Sub(start).Minutes(), "simulated-min")
	}
}

// cpuTime is the process's user+system CPU time: reconciles per CPU second
// do not depend on what else the machine runs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
