package command

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/errkind"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("plain"), ExitFailed},
		{errkind.Wrap(errkind.Invalid, errors.New("x")), ExitFailed},
		{errkind.Wrap(errkind.Unavailable, errors.New("x")), ExitUnavailable},
		{errkind.Wrap(errkind.Conflict, errors.New("x")), ExitConflict},
		{errkind.Wrap(errkind.Usage, errors.New("x")), ExitUsage},
		{Reported(errkind.Wrap(errkind.Unavailable, errors.New("x"))), ExitUnavailable},
		{context.Canceled, ExitFailed},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// TestExecute: errors go to stderr once, unless already reported; flag and
// argument errors are usage errors.
func TestExecute(t *testing.T) {
	newCmd := func(err error) *cobra.Command {
		root := &cobra.Command{Use: "root"}
		root.AddCommand(&cobra.Command{Use: "sub", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error { return err }})
		return root
	}
	tests := []struct {
		name   string
		err    error
		args   []string
		code   int
		stderr string
	}{
		{"ok", nil, []string{"sub"}, ExitOK, ""},
		{"failed", errkind.Errorf(errkind.Conflict, "held by ci"), []string{"sub"}, ExitConflict, "error: held by ci\n"},
		{"reported", Reported(errkind.Errorf(errkind.Invalid, "2 checks failed")), []string{"sub"}, ExitFailed, ""},
		{"unknown flag", nil, []string{"sub", "--nope"}, ExitUsage, "unknown flag: --nope"},
		{"argument", nil, []string{"sub", "x"}, ExitUsage, `unknown command "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Execute(context.Background(), newCmd(tt.err), tt.args, Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
			if code != tt.code || !strings.Contains(errOut.String(), tt.stderr) || (tt.stderr == "" && errOut.Len() > 0) {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, errOut.String(), tt.code, tt.stderr)
			}
		})
	}
}
