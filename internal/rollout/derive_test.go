package rollout

import (
	"errors"
	"testing"
	"time"
)

func TestDerive(t *testing.T) {
	vs := "bookinfo/reviews"
	c := func(sha string, kv ...string) Commit {
		tr := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			tr[kv[i]] = kv[i+1]
		}
		return Commit{SHA: sha, Author: "a", Time: time.Unix(int64(len(sha)), 0), Trailers: tr}
	}
	step := func(sha, id, s, w string) Commit {
		return c(sha, TrailerAction, ActionStep, TrailerRollout, id, TrailerVirtualService, vs, TrailerStep, s, TrailerWeights, w)
	}
	sig := func(sha, id string, s Signal) Commit {
		return c(sha, TrailerAction, ActionControl, TrailerRollout, id, TrailerVirtualService, vs, TrailerSignal, string(s))
	}
	tests := []struct {
		name    string
		log     []Commit // oldest first here; reversed for Derive
		id      string
		check   func(t *testing.T, st State)
		wantErr bool
	}{
		{name: "empty history", check: func(t *testing.T, st State) {
			if st.Found || st.ID != "" {
				t.Errorf("%+v", st)
			}
		}},
		{name: "shift commits without a rollout id are not a rollout", log: []Commit{c("s1", TrailerAction, "shift", TrailerVirtualService, vs)},
			check: func(t *testing.T, st State) {
				if st.Found {
					t.Errorf("%+v", st)
				}
			}},
		{name: "newest rollout of the VS wins; other VS ignored", log: []Commit{
			step("a1", "old", "1/2", "v1=50,v3=50"),
			c("r1", TrailerAction, ActionRollback, TrailerRollout, "old", TrailerVirtualService, vs, TrailerStep, "1/2", TrailerWeights, "v1=100,v3=0"),
			step("b1", "new", "1/4", "v1=95,v3=5"),
			c("o1", TrailerAction, ActionStep, TrailerRollout, "x", TrailerVirtualService, "other/vs", TrailerStep, "1/4", TrailerWeights, "a=1"),
			step("b2", "new", "2/4", "v1=75,v3=25"),
			c("f1"),
		}, check: func(t *testing.T, st State) {
			if st.ID != "new" || st.Step != 2 || st.Steps != 4 || st.StepSHA != "b2" || st.Finished || st.Weights["v3"] != 25 {
				t.Errorf("%+v", st)
			}
			if len(st.Foreign) != 1 || st.Foreign[0].SHA != "f1" || st.HeadSHA != "f1" || len(st.Timeline) != 2 {
				t.Errorf("foreign %v head %s timeline %d", st.Foreign, st.HeadSHA, len(st.Timeline))
			}
		}},
		{name: "explicit id", id: "old", log: []Commit{
			step("a1", "old", "1/2", "v1=50,v3=50"),
			step("b1", "new", "1/4", "v1=95,v3=5"),
		}, check: func(t *testing.T, st State) {
			if st.ID != "old" || st.StepSHA != "a1" || len(st.Foreign) != 1 || st.Foreign[0].SHA != "b1" {
				t.Errorf("%+v", st)
			}
		}},
		{name: "pause then resume passes the gate", log: []Commit{
			step("a1", "r", "1/4", "v1=95,v3=5"), sig("p", "r", SignalPause), sig("q", "r", SignalResume),
		}, check: func(t *testing.T, st State) {
			if st.Paused || !st.GatePassed || st.Pending != "" || len(st.Foreign) != 0 {
				t.Errorf("%+v", st)
			}
		}},
		{name: "abort wins over a later promote", log: []Commit{
			step("a1", "r", "1/4", "v1=95,v3=5"), sig("x", "r", SignalAbort), sig("y", "r", SignalPromote), sig("z", "r", SignalPause),
		}, check: func(t *testing.T, st State) {
			if st.Pending != SignalAbort || st.PendingSHA != "x" || !st.Paused {
				t.Errorf("%+v", st)
			}
		}},
		{name: "a step commit consumes earlier signals", log: []Commit{
			step("a1", "r", "1/4", "v1=95,v3=5"), sig("x", "r", SignalPause), sig("y", "r", SignalResume), step("a2", "r", "2/4", "v1=75,v3=25"),
		}, check: func(t *testing.T, st State) {
			if st.Paused || st.GatePassed || st.Pending != "" || st.Step != 2 {
				t.Errorf("%+v", st)
			}
		}},
		{name: "rollback finishes", log: []Commit{
			step("a1", "r", "1/4", "v1=95,v3=5"),
			c("rb", TrailerAction, ActionRollback, TrailerRollout, "r", TrailerVirtualService, vs, TrailerStep, "1/4", TrailerWeights, "v1=100,v3=0"),
		}, check: func(t *testing.T, st State) {
			if !st.Finished || st.Action != ActionRollback || st.Weights["v1"] != 100 {
				t.Errorf("%+v", st)
			}
		}},
		{name: "bad step trailer", log: []Commit{step("a1", "r", "five", "v1=95,v3=5")}, wantErr: true},
		{name: "bad weights trailer", log: []Commit{step("a1", "r", "1/4", "v1=lots")}, wantErr: true},
		{name: "unknown signal", log: []Commit{step("a1", "r", "1/4", "v1=95,v3=5"), sig("s", "r", "dance")}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log []Commit
			for i := len(tc.log) - 1; i >= 0; i-- {
				log = append(log, tc.log[i])
			}
			st, err := Derive(log, vs, tc.id)
			if tc.wantErr {
				var he *HistoryError
				if !errors.As(err, &he) {
					t.Fatalf("want *HistoryError, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, st)
		})
	}
}

func TestWeightsTrailer(t *testing.T) {
	w := map[string]int32{"v3": 25, "v1": 75}
	s := FormatWeights(w)
	if s != "v1=75,v3=25" {
		t.Fatalf("FormatWeights %q", s)
	}
	back, err := ParseWeights(s)
	if err != nil || !EqualWeights(back, w) {
		t.Fatalf("ParseWeights %v %v", back, err)
	}
	if !EqualWeights(map[string]int32{"v1": 100}, map[string]int32{"v1": 100, "v3": 0}) {
		t.Error("absent subset must equal weight 0")
	}
	if EqualWeights(map[string]int32{"v1": 100}, map[string]int32{"v1": 90, "v3": 10}) {
		t.Error("different weights equal")
	}
}
