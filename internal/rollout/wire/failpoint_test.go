package wire

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gitshift/gitshift/internal/rollout"
)

func TestParseFailpoint(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Failpoint
		wantErr bool
	}{
		{in: "before-push:2", want: Failpoint{Step: 2}},
		{in: "after-push:3\n", want: Failpoint{AfterPush: true, Step: 3}},
		{in: "before-push", wantErr: true},
		{in: "before-push:0", wantErr: true},
		{in: "mid-push:2", wantErr: true},
		{in: "", wantErr: true},
	} {
		got, err := ParseFailpoint(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseFailpoint(%q) = %+v, %v", tc.in, got, err)
		}
	}
}

// recordingShifter records the steps pushed.
type recordingShifter struct{ pushed *[]int }

func (r recordingShifter) Shift(_ context.Context, req rollout.ShiftRequest) (rollout.ShiftResult, error) {
	*r.pushed = append(*r.pushed, stepOf(req.Trailers))
	return rollout.ShiftResult{SHA: "abc"}, nil
}

func stepReq(step string) rollout.ShiftRequest {
	return rollout.ShiftRequest{Trailers: []rollout.Trailer{{Key: rollout.TrailerStep, Value: step}}}
}

// TestFailpointKillsAroundThePush: before-push dies without pushing,
// after-push dies after pushing; only the named step; a file failpoint
// fires once and is consumed.
func TestFailpointKillsAroundThePush(t *testing.T) {
	file := filepath.Join(t.TempDir(), "failpoint")
	for _, tc := range []struct {
		name       string
		env, armed string
		wantPushed []int // steps 1, 2, 3 asked for, in order
		wantKills  []int // pushes seen when the kill came
	}{
		{name: "env before push", env: "before-push:2", wantPushed: []int{1, 2, 3}, wantKills: []int{1}},
		{name: "env after push", env: "after-push:2", wantPushed: []int{1, 2, 3}, wantKills: []int{2}},
		{name: "file before push, once", armed: "before-push:2", wantPushed: []int{1, 2, 3}, wantKills: []int{1}},
		{name: "file after push", armed: "after-push:3", wantPushed: []int{1, 2, 3}, wantKills: []int{3}},
		{name: "file for another step", armed: "after-push:4", wantPushed: []int{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(FailpointEnv, tc.env)
			t.Setenv(FailpointFileEnv, file)
			_ = os.Remove(file)
			if tc.armed != "" {
				if err := os.WriteFile(file, []byte(tc.armed), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var pushed, kills []int
			s, err := withFailpoint(recordingShifter{pushed: &pushed})
			if err != nil {
				t.Fatal(err)
			}
			fs := s.(failpointShifter)
			fs.kill = func() { kills = append(kills, len(pushed)) }
			for _, step := range []string{"1/4", "2/4", "3/4"} {
				if _, err := fs.Shift(context.Background(), stepReq(step)); err != nil {
					t.Fatal(err)
				}
			}
			// The fake kill returns, so the wrapped shift goes on: pushed
			// lists every step; kills says how many were pushed at the kill.
			if !equalInts(pushed, tc.wantPushed) || !equalInts(kills, tc.wantKills) {
				t.Errorf("pushed %v kills %v, want %v %v", pushed, kills, tc.wantPushed, tc.wantKills)
			}
			if tc.armed != "" && len(tc.wantKills) > 0 {
				if _, err := os.Stat(file); !os.IsNotExist(err) {
					t.Errorf("the fired failpoint file is still armed: %v", err)
				}
			}
		})
	}
}

func TestFailpointOffAndInvalid(t *testing.T) {
	t.Setenv(FailpointEnv, "")
	t.Setenv(FailpointFileEnv, "")
	base := recordingShifter{pushed: new([]int)}
	if s, err := withFailpoint(base); err != nil || s != rollout.Shifter(base) {
		t.Errorf("without the environment the shifter must not be wrapped: %T %v", s, err)
	}
	t.Setenv(FailpointEnv, "before-push:x")
	if _, err := withFailpoint(base); err == nil || !strings.Contains(err.Error(), FailpointEnv) {
		t.Errorf("a malformed failpoint must be an error naming %s: %v", FailpointEnv, err)
	}
}

func equalInts(a, b []int) bool { return slices.Equal(a, b) }
