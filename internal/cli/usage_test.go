package cli

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gitshift/gitshift/internal/cli/command"
)

// errRan is what every command returns in TestEveryFlagIsValidated: the
// command would have run.
var errRan = errors.New("the command ran")

// TestEveryFlagIsValidated walks the whole command tree and gives every
// numeric flag values outside its range (negative, NaN, infinities, beyond
// its bounds), every regular-expression flag one that does not compile and
// every flag with a fixed set of values one outside it:
// each must be a usage error (exit 4) naming the flag, before the command
// runs. Each flag's default, given explicitly, must pass (issue 15 finding 13).
func TestEveryFlagIsValidated(t *testing.T) {
	var out, errOut bytes.Buffer
	s := command.Streams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	// run executes args on a fresh tree (a FlagSet remembers what was set).
	run := func(args []string) int {
		out.Reset()
		errOut.Reset()
		root := NewRootCommand(s)
		neutralize(root)
		return command.Execute(context.Background(), root, args, s)
	}
	root := NewRootCommand(s)
	tried := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		path := strings.Fields(c.CommandPath())[1:]
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			for _, v := range invalidValues(f) {
				args := append(append([]string(nil), path...), "--"+f.Name+"="+v)
				code := run(args)
				tried++
				if code != command.ExitUsage || !strings.Contains(errOut.String(), `"--`+f.Name+`"`) {
					t.Errorf("gitshift %s: exit %d, stderr %q; want exit 4 naming --%s", strings.Join(args, " "), code, errOut.String(), f.Name)
				}
			}
			r, numeric := command.FlagBounds(f)
			if f.DefValue != "" && (numeric && inRange(f, f.DefValue, r) || command.FlagValues(f) != nil || command.IsRegexpFlag(f)) {
				args := append(append([]string(nil), path...), "--"+f.Name+"="+f.DefValue)
				run(args)
				if strings.Contains(errOut.String(), `for "--`+f.Name+`" flag`) {
					t.Errorf("gitshift %s: the default is refused: %s", strings.Join(args, " "), errOut.String())
				}
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if tried < 40 {
		t.Errorf("tried only %d invalid values", tried)
	}
	t.Logf("%d invalid flag values refused", tried)
}

// neutralize makes every runnable command return errRan instead of running.
func neutralize(c *cobra.Command) {
	if c.Runnable() {
		c.Run, c.RunE = nil, func(*cobra.Command, []string) error { return errRan }
		c.PreRun, c.PreRunE = nil, nil
	}
	for _, sub := range c.Commands() {
		neutralize(sub)
	}
}

// invalidValues are values f must refuse.
func invalidValues(f *pflag.Flag) []string {
	if command.IsRegexpFlag(f) {
		return []string{"([", "a(b", "x{2,1}"}
	}
	if command.FlagValues(f) != nil {
		return []string{"bogus", strings.ToUpper(command.FlagValues(f)[0])}
	}
	r, ok := command.FlagBounds(f)
	if !ok {
		return nil
	}
	typ := f.Value.Type()
	isInt := strings.Contains(typ, "int") || typ == "count"
	show := func(v float64) string {
		switch {
		case typ == "duration":
			return time.Duration(v).String()
		case isInt:
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	step := 1.0
	if typ == "duration" {
		step = float64(time.Millisecond)
	}
	var vals []string
	if r.Min > math.MinInt64 { // a value below the range
		below := r.Min - step
		if r.MinOpen {
			below = r.Min
		}
		vals = append(vals, show(below))
	}
	if r.Max < math.MaxInt64 {
		above := r.Max + step
		if r.MaxOpen {
			above = r.Max
		}
		vals = append(vals, show(above))
	}
	if !isInt && typ != "duration" {
		vals = append(vals, "NaN", "+Inf", "-Inf")
	}
	return vals
}

func inRange(f *pflag.Flag, v string, r command.Range) bool {
	if f.Value.Type() == "duration" {
		d, err := time.ParseDuration(v)
		return err == nil && r.Contains(float64(d))
	}
	x, err := strconv.ParseFloat(v, 64)
	return err == nil && r.Contains(x)
}

// TestUsageErrors: mistakes on the command line are usage errors (exit 4)
// with a message that says what to do (issue 15 finding 13).
func TestUsageErrors(t *testing.T) {
	runExitCases(t, []exitCase{
		{"unknown command", []string{"bogus"}, nil, command.ExitUsage, `unknown command "bogus" for "gitshift"; run 'gitshift --help' for its commands`},
		{"unknown command, a near one", []string{"shfit"}, nil, command.ExitUsage, `(did you mean shift?)`},
		{"unknown rollout command", []string{"rollout", "bogus"}, nil, command.ExitUsage, `unknown command "bogus" for "gitshift rollout"; run 'gitshift rollout --help'`},
		{"unknown rollout command, a near one", []string{"rollout", "strat"}, nil, command.ExitUsage, `(did you mean start?)`},
		{"unknown lab command", []string{"lab", "bogus"}, nil, command.ExitUsage, `unknown command "bogus" for "gitshift lab"`},
		{"unknown lab faults command", []string{"lab", "faults", "sett"}, nil, command.ExitUsage, `(did you mean set?)`},
		{"unknown help topic", []string{"help", "bogus"}, nil, command.ExitUsage, `unknown command "bogus" for "gitshift"`},
		{"unknown completion shell", []string{"completion", "tcsh"}, nil, command.ExitUsage, `unknown command "tcsh" for "gitshift completion"`},
		{"argument to a command without", []string{"version", "x"}, nil, command.ExitUsage, `see 'gitshift version --help'`},
		{"a group alone shows its help", []string{"rollout"}, nil, command.ExitOK, ""},
		{"help for a command", []string{"help", "rollout", "start"}, nil, command.ExitOK, ""},
		{"negative window", []string{"verify", "--app", "a", "--window", "-1m"}, nil, command.ExitUsage, `invalid argument "-1m0s" for "--window" flag: must be a duration, at least 1s`},
		{"bad error-code regex", []string{"verify", "--app", "a", "--error-codes", "(["}, nil, command.ExitUsage, `for "--error-codes" flag: not a regular expression`},
		{"error rate over 1", []string{"verify", "--app", "a", "--max-error-rate", "2"}, nil, command.ExitUsage, `"--max-error-rate" flag: must be a number above 0 and at most 1`},
		{"negative min-requests", []string{"verify", "--app", "a", "--min-requests", "-5"}, nil, command.ExitUsage, `"--min-requests" flag: must be a number, at least 1`},
		{"zero attempts", []string{"shift", "--max-attempts", "0"}, nil, command.ExitUsage, `"--max-attempts" flag: must be a number, at least 1 (0 would take the default 8)`},
		{"canary weight over 100", []string{"shift", "--weight", "150"}, nil, command.ExitUsage, `"--weight" flag: must be a number from 0 to 100`},
		{"alpha out of range", []string{"rollout", "status", "--alpha", "0.7"}, nil, command.ExitUsage, `"--alpha" flag: must be a number above 0 and below 0.5`},
		{"NaN", []string{"lab", "faults", "set", "x", "--error-rate", "NaN"}, nil, command.ExitUsage, `"--error-rate" flag`},
		{"unknown gate", []string{"rollout", "start", "--gate", "bogus"}, nil, command.ExitUsage, `invalid argument "bogus" for "--gate" flag: want auto or manual`},
		{"unknown reporter before the cluster is asked", []string{"rollout", "start", "--reporter", "both", "--kubeconfig", "/nonexistent"}, nil, command.ExitUsage, `want destination or source`},
	})
}
