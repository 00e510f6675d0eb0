package demo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/lab"
)

// TestRunRefusesBeforeTouchingTheLab: what Run decides before it reaches
// a system (the cluster here is nil: touching it would panic).
func TestRunRefusesBeforeTouchingTheLab(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: gitshift.dev/v1alpha1\nkind: CanaryPolicy\nmetadata: {name: r}\nspec:\n  stableSubst: v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	withApp := &lab.State{Endpoints: lab.Endpoints{Application: "bookinfo", ArgoCDNS: "argocd"}}
	tests := []struct {
		name string
		st   *lab.State
		o    Options
		kind errkind.Kind
		is   error
	}{
		{"unknown story", withApp, Options{Story: "epic"}, errkind.Usage, nil},
		{"no Application", &lab.State{}, Options{Story: StorySplit}, errkind.Usage, ErrNoApplication},
		{"full story without a policy", withApp, Options{Story: StoryFull}, errkind.Usage, nil},
		{"invalid policy", withApp, Options{Story: StoryFull, Policy: bad}, errkind.Invalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Run(context.Background(), tt.st, nil, tt.o)
			if errkind.Of(err) != tt.kind || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("err %v: kind %s, want %s", err, errkind.Of(err), tt.kind)
			}
		})
	}
}
