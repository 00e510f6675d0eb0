package rollout

import (
	"time"
)

// State is a rollout as Git history tells it: the durable half of a rollout's
// state (the other half, Argo CD and the live cluster, is re-observed).
type State struct {
	ID             string `json:"id"`
	VirtualService string `json:"virtualService"`
	Found          bool   `json:"found"`
	// Finished: the last weight commit is the promotion or a rollback.
	Finished bool   `json:"finished"`
	Action   string `json:"action,omitempty"` // of the last weight commit
	Step     int    `json:"step"`             // 1-based, of the last weight commit
	Steps    int    `json:"steps"`
	StepSHA  string `json:"stepSHA,omitempty"`
	// StepTime is the commit time of the last weight commit.
	StepTime time.Time        `json:"stepTime,omitempty"`
	Weights  map[string]int32 `json:"weights,omitempty"`
	// Paused by a pause signal not followed by resume.
	Paused      bool   `json:"paused"`
	PauseReason string `json:"pauseReason,omitempty"`
	// Pending is an abort or promote signal given after the last weight
	// commit that the engine has not acted on yet.
	Pending    Signal `json:"pending,omitempty"`
	PendingBy  string `json:"pendingBy,omitempty"`
	PendingSHA string `json:"pendingSHA,omitempty"`
	// GatePassed: a resume signal came after the last weight commit.
	GatePassed bool `json:"gatePassed"`
	// HeadSHA is the branch head when history was read.
	HeadSHA string `json:"headSHA"`
	// Foreign are commits after the last weight commit that are not this
	// rollout's signals, newest first. Unrelated ones are kept as they are;
	// the engine checks whether any changed the weights.
	Foreign  []Commit        `json:"-"`
	Timeline []TimelineEntry `json:"timeline"`
}

// TimelineEntry is one of the rollout's commits, for status and the report.
type TimelineEntry struct {
	Time     time.Time        `json:"time"`
	SHA      string           `json:"sha"`
	Author   string           `json:"author"`
	Action   string           `json:"action"`
	Signal   Signal           `json:"signal,omitempty"`
	Step     string           `json:"step,omitempty"`
	Weights  map[string]int32 `json:"weights,omitempty"`
	Decision Decision         `json:"decision,omitempty"`
	Reason   string           `json:"reason,omitempty"`
	Trigger  string           `json:"trigger,omitempty"`
}

// Derive rebuilds the state of rollout id of virtual service vs (ns/name)
// from commits (newest first, as History.Log returns them). An empty id
// picks the newest rollout of vs. Only trailers are read: gitshift's commits
// say everything needed, and anything else is a foreign commit.
func Derive(commits []Commit, vs, id string) (State, error) {
	st := State{ID: id, VirtualService: vs}
	if len(commits) > 0 {
		st.HeadSHA = commits[0].SHA
	}
	if st.ID == "" {
		for _, c := range commits {
			if c.Trailers[TrailerVirtualService] == vs && c.Trailers[TrailerRollout] != "" {
				st.ID = c.Trailers[TrailerRollout]
				break
			}
		}
	}
	if st.ID == "" {
		return st, nil
	}
	// Find the newest weight commit of the rollout; everything after it
	// (newer) is either this rollout's signal or foreign.
	last := -1
	for i, c := range commits {
		if ours(c, vs, st.ID) && c.Trailers[TrailerAction] != ActionControl {
			last = i
			break
		}
	}
	for i := len(commits) - 1; i >= 0; i-- {
		c := commits[i]
		if !ours(c, vs, st.ID) {
			if last >= 0 && i < last {
				st.Foreign = append([]Commit{c}, st.Foreign...)
			}
			continue
		}
		st.Found = true
		e, err := entry(c)
		if err != nil {
			return st, err
		}
		st.Timeline = append(st.Timeline, e)
		if err := st.fold(c, e); err != nil {
			return st, err
		}
	}
	// Foreign must be newest first like the log.
	for i, j := 0, len(st.Foreign)-1; i < j; i, j = i+1, j-1 {
		st.Foreign[i], st.Foreign[j] = st.Foreign[j], st.Foreign[i]
	}
	return st, nil
}

func ours(c Commit, vs, id string) bool {
	return c.Trailers[TrailerRollout] == id && c.Trailers[TrailerVirtualService] == vs
}

func entry(c Commit) (TimelineEntry, error) {
	t := c.Trailers
	e := TimelineEntry{Time: c.Time, SHA: c.SHA, Author: c.Author, Action: t[TrailerAction], Signal: Signal(t[TrailerSignal]),
		Step: t[TrailerStep], Decision: Decision(t[TrailerDecision]), Reason: t[TrailerReason], Trigger: t[TrailerTrigger]}
	if w := t[TrailerWeights]; w != "" {
		ws, err := ParseWeights(w)
		if err != nil {
			return e, &HistoryError{SHA: c.SHA, Msg: err.Error()}
		}
		e.Weights = ws
	}
	return e, nil
}

// fold applies one of the rollout's commits, oldest to newest.
func (st *State) fold(c Commit, e TimelineEntry) error {
	switch e.Action {
	case ActionStep, ActionPromote, ActionRollback:
		if e.Action != ActionRollback || e.Step != "" {
			i, n, err := parseStep(e.Step)
			if err != nil {
				return &HistoryError{SHA: c.SHA, Msg: err.Error()}
			}
			st.Step, st.Steps = i, n
		}
		st.Action, st.StepSHA, st.StepTime, st.Weights = e.Action, c.SHA, c.Time, e.Weights
		st.Finished = e.Action != ActionStep
		st.Paused, st.PauseReason, st.GatePassed = false, "", false
		st.Pending, st.PendingBy, st.PendingSHA = "", "", ""
	case ActionControl:
		switch e.Signal {
		case SignalPause:
			st.Paused, st.PauseReason = true, e.Reason
		case SignalResume:
			st.Paused, st.PauseReason, st.GatePassed = false, "", true
		case SignalPromote, SignalAbort:
			if st.Pending != SignalAbort { // abort wins over promote
				st.Pending, st.PendingBy, st.PendingSHA = e.Signal, c.Author, c.SHA
			}
		default:
			return &HistoryError{SHA: c.SHA, Msg: "unknown " + TrailerSignal + " " + string(e.Signal)}
		}
	default:
		return &HistoryError{SHA: c.SHA, Msg: "unknown " + TrailerAction + " " + e.Action}
	}
	return nil
}
