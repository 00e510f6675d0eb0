package testenv

import (
	"fmt"
	"strings"
	"testing"
)

// fakeT records what Missing did instead of stopping the test.
type fakeT struct {
	testing.TB
	skipped, failed string
}

func (f *fakeT) Helper()                        {}
func (f *fakeT) Skip(args ...any)               { f.skipped = fmt.Sprint(args...) }
func (f *fakeT) Fatalf(format string, a ...any) { f.failed = fmt.Sprintf(format, a...) }

func TestMissing(t *testing.T) {
	tests := []struct {
		env      string
		wantFail bool
	}{
		{env: "", wantFail: false},
		{env: "0", wantFail: false},
		{env: "1", wantFail: true},
		{env: "true", wantFail: true},
	}
	for _, tt := range tests {
		t.Run("GITSHIFT_CI="+tt.env, func(t *testing.T) {
			t.Setenv(CIEnv, tt.env)
			f := &fakeT{}
			Missing(f, "git not installed: %v", "exec: not found")
			if tt.wantFail {
				if f.failed == "" || f.skipped != "" || !strings.Contains(f.failed, "git not installed: exec: not found") || !strings.Contains(f.failed, CIEnv) {
					t.Fatalf("want a failure naming the reason and %s; skipped %q, failed %q", CIEnv, f.skipped, f.failed)
				}
				return
			}
			if f.skipped != "git not installed: exec: not found" || f.failed != "" {
				t.Fatalf("want a skip; skipped %q, failed %q", f.skipped, f.failed)
			}
		})
	}
}

func TestNeedCommand(t *testing.T) {
	t.Setenv(CIEnv, "1")
	t.Setenv("PATH", t.TempDir())
	f := &fakeT{}
	if p := NeedCommand(f, "gitshift-no-such-tool"); p != "" || !strings.Contains(f.failed, "gitshift-no-such-tool not installed") {
		t.Fatalf("NeedCommand = %q; failed %q", p, f.failed)
	}
}
