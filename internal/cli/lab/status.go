package lab

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/cli/command"
	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/lab"
	"github.com/gitshift/gitshift/internal/termsafe"
)

func newLabStatusCommand(s command.Streams, f *labFlags) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each lab component: running, or exited with its code and last log lines",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			format, err := command.ParseOutput(output, command.Text, command.JSON, command.YAML)
			if err != nil {
				return err
			}
			dir, err := f.resolveDir()
			if err != nil {
				return err
			}
			st, err := lab.GetStatus(dir)
			if err != nil {
				return err
			}
			if format != command.Text {
				if err := command.WriteData(s.Out, format, st); err != nil {
					return err
				}
			} else {
				printLabStatus(s, st)
			}
			if !st.Healthy {
				return command.Reported(errkind.Errorf(errkind.Invalid, "lab in %s is not healthy", st.Dir))
			}
			return nil
		},
	}
	command.AddOutputFlag(cmd, &output, command.Text, command.JSON, command.YAML)
	return cmd
}

// printLabStatus shows the lab; directories and log lines are printed
// through termsafe.
func printLabStatus(s command.Streams, st *lab.Status) {
	termsafe.Fprintf(s.Out, "lab %s: %s (supervisor %s)\n", st.Dir, st.Phase, st.Supervisor)
	if st.Error != "" {
		termsafe.Fprintf(s.Out, "error: %s\n", st.Error)
	}
	tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tSTATE\tPID\tRSS\tLOG")
	for _, c := range st.Components {
		state := c.State
		if c.ExitCode != nil {
			state = fmt.Sprintf("exited (code %d)", *c.ExitCode)
		}
		pid := "-"
		if c.PID != 0 {
			pid = fmt.Sprint(c.PID)
		}
		rss := "-"
		if c.RSSBytes > 0 {
			rss = fmt.Sprintf("%d MiB", c.RSSBytes>>20)
		}
		termsafe.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Name, state, pid, rss, c.Log)
	}
	tw.Flush()
	if st.RSSBytes > 0 {
		termsafe.Fprintf(s.Out, "total resident memory of the lab's components: %d MiB\n", st.RSSBytes>>20)
	}
	if e := st.Endpoints; e.IstiodXDS != "" {
		termsafe.Fprintf(s.Out, "istiod: xDS %s (plaintext), metrics %s; the simulator routes by its xDS\n", e.IstiodXDS, e.IstiodMonitoring)
	}
	for _, c := range st.Components {
		if c.LogTail != "" {
			termsafe.Fprintf(s.Out, "\n--- %s: last lines of %s\n", c.Name, c.Log)
			fmt.Fprintln(s.Out, indent(c.LogTail))
		}
	}
}

// indent shows a log tail line by line: its newlines stay, every other
// control character (colours, cursor moves) is escaped.
func indent(s string) string {
	return "  " + strings.ReplaceAll(termsafe.Lines(s), "\n", "\n  ")
}
