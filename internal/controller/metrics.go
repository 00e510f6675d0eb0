package controller

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the controller's own series, registered with controller-
// runtime's registry (served on /metrics next to its reconcile metrics).
type Metrics struct {
	Decisions   *prometheus.CounterVec
	PushToLive  prometheus.Histogram
	StepSeconds prometheus.Histogram
	LogBF       *prometheus.GaugeVec
	Started     *prometheus.CounterVec

	mu     sync.Mutex
	phases map[string]string // policy → phase
}

// NewMetrics creates the series; Register adds them to a registry.
func NewMetrics() *Metrics {
	return &Metrics{
		Decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitshift_decisions_total",
			Help: "Rollout engine decisions by decision and reason (the typed cause: Evidence, CanaryFailed, SyncTimeout, NoData, ...)."},
			[]string{"decision", "reason"}),
		PushToLive: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gitshift_push_to_live_seconds",
			Help:    "Time from pushing a step's commit to its weights verified live (Argo CD sync plus apply).",
			Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600}}),
		StepSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gitshift_step_duration_seconds",
			Help:    "Time from a step's commit to the decision that left the step.",
			Buckets: []float64{10, 30, 60, 120, 300, 600, 900, 1800, 3600}}),
		LogBF: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gitshift_judge_log_bayes_factor",
			Help: "Accumulated log Bayes factor of each sequential test at the last look (rejects at log(1/alpha))."},
			[]string{"policy", "test"}),
		Started: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gitshift_rollouts_started_total",
			Help: "Rollouts the controller started or resumed, by trigger (workload, policy, manual, resume)."}, []string{"trigger"}),
		phases: map[string]string{},
	}
}

// Register adds the series and the phase gauge to reg, replacing those of
// an earlier Metrics (a second manager in one process, as in tests).
func (m *Metrics) Register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.Decisions, m.PushToLive, m.StepSeconds, m.LogBF, m.Started, phaseCollector{m}} {
		err := reg.Register(c)
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			reg.Unregister(are.ExistingCollector)
			err = reg.Register(c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// SetPhase records a policy's phase for the rollouts gauge; "" forgets it.
func (m *Metrics) SetPhase(policy, phase string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if phase == "" {
		delete(m.phases, policy)
		return
	}
	m.phases[policy] = phase
}

// Forget drops a deleted policy's series.
func (m *Metrics) Forget(policy string) {
	m.SetPhase(policy, "")
	m.LogBF.DeletePartialMatch(prometheus.Labels{"policy": policy})
}

var phaseDesc = prometheus.NewDesc("gitshift_rollouts", "CanaryPolicies by phase (Idle, Waiting, or the rollout engine's phase).", []string{"phase"}, nil)

// phaseCollector counts policies per phase at scrape time.
type phaseCollector struct{ m *Metrics }

func (c phaseCollector) Describe(ch chan<- *prometheus.Desc) { ch <- phaseDesc }

func (c phaseCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	counts := map[string]int{}
	for _, p := range c.m.phases {
		counts[p]++
	}
	c.m.mu.Unlock()
	for p, n := range counts {
		ch <- prometheus.MustNewConstMetric(phaseDesc, prometheus.GaugeValue, float64(n), p)
	}
}
