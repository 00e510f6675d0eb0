package rollout

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Git trailers are the rollout's durable state: status and resume read them
// back from history (Derive). Keep the names and values stable.
const (
	TrailerAction         = "Gitshift-Action"
	TrailerRollout        = "Gitshift-Rollout"
	TrailerVirtualService = "Gitshift-VirtualService"
	TrailerStep           = "Gitshift-Step"
	TrailerWeights        = "Gitshift-Weights"
	TrailerDecision       = "Gitshift-Decision"
	TrailerReason         = "Gitshift-Reason"
	TrailerSignal         = "Gitshift-Signal"
	// TrailerTrigger says what started the rollout (on its first commit):
	// "workload: Deployment bookinfo/reviews-v3 pod template 1a2b3c4d5e",
	// "policy: generation 4", "manual: annotation gitshift.dev/start=…".
	TrailerTrigger = "Gitshift-Trigger"
)

// Action values. Weight-changing commits are rollout-step, promote (the last
// step, canary 100) and rollback (stable 100). Control commits change no file:
// they carry a Signal that the runner (or the next `rollout start`) obeys.
const (
	ActionStep     = "rollout-step"
	ActionPromote  = "promote"
	ActionRollback = "rollback"
	ActionControl  = "control"
)

// Signal is a person's (or the policy's) instruction to a rollout, recorded
// as an empty commit so it is durable, reviewable and ordered with the steps.
type Signal string

const (
	SignalPause   Signal = "pause"   // stop advancing; keep the current weights
	SignalResume  Signal = "resume"  // leave Paused, or pass a manual gate
	SignalPromote Signal = "promote" // skip the remaining analysis: go to the last step
	SignalAbort   Signal = "abort"   // roll back now
)

// Decision is what the engine decided; it goes into Gitshift-Decision.
type Decision string

const (
	DecisionStart    Decision = "start"
	DecisionAdvance  Decision = "advance"
	DecisionPromote  Decision = "promote"
	DecisionHold     Decision = "hold"
	DecisionRollback Decision = "rollback"
	DecisionAbort    Decision = "abort"
	DecisionPause    Decision = "pause"
	DecisionResume   Decision = "resume"
	DecisionStop     Decision = "stop"
)

// Trailer is one "Key: value" line at the end of a commit message.
type Trailer struct{ Key, Value string }

// FormatWeights writes weights as "v1=75,v3=25", sorted by subset.
func FormatWeights(w map[string]int32) string {
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, w[k])
	}
	return strings.Join(parts, ",")
}

// ParseWeights reads FormatWeights' output.
func ParseWeights(s string) (map[string]int32, error) {
	out := map[string]int32{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.ParseInt(v, 10, 32)
		if !ok || k == "" || err != nil {
			return nil, fmt.Errorf("weights %q: want subset=weight[,...]", s)
		}
		out[k] = int32(n)
	}
	return out, nil
}

func formatStep(i, n int) string { return fmt.Sprintf("%d/%d", i, n) }

func parseStep(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || i < 0 || n < 1 || i > n {
		return 0, 0, fmt.Errorf("step %q: want i/n", s)
	}
	return i, n, nil
}

// oneLine keeps a reason a valid single-line trailer value.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}

// EqualWeights compares weights treating an absent subset as 0, because a
// VirtualService may drop a destination at weight 0 or keep it.
func EqualWeights(a, b map[string]int32) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}
