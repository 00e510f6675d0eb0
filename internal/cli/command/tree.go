package command

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gitshift/gitshift/internal/errkind"
)

// prepare makes the whole command tree strict before it runs: every flag
// value is checked (ValidateFlags) and every argument error is a usage
// error (exit 4), including an unknown command under a command group, which
// cobra otherwise answers with the group's help and exit 0 (or, at the root,
// exit 1); `help` with an unknown topic too.
func prepare(root *cobra.Command) {
	root.SetHelpCommand(newHelpCommand())
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	strict(root)
}

func strict(c *cobra.Command) {
	validate := c.Args
	if c.HasSubCommands() && !c.Runnable() {
		// A group: alone it shows its help; with an argument that is no
		// subcommand of it, it says so. Args must be set for cobra not to
		// answer the root's unknown commands itself (plain error, exit 1).
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		validate = cobra.NoArgs
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := ValidateFlags(cmd); err != nil {
			return err
		}
		if validate == nil {
			return nil
		}
		if err := validate(cmd, args); err != nil {
			if cmd.HasSubCommands() && len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return errkind.Wrap(errkind.Usage, fmt.Errorf("%w; see '%s --help'", err, cmd.CommandPath()))
		}
		return nil
	}
	for _, sub := range c.Commands() {
		strict(sub)
	}
}

// unknownCommand names the nearest commands, as cobra's suggestions do.
func unknownCommand(cmd *cobra.Command, arg string) error {
	msg := fmt.Sprintf("unknown command %q for %q", arg, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default
	}
	if s := cmd.SuggestionsFor(arg); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	msg += fmt.Sprintf("; run '%s --help' for its commands", cmd.CommandPath())
	return errkind.Wrap(errkind.Usage, fmt.Errorf("%s", msg))
}

// newHelpCommand is cobra's `help [command]`, except that an unknown topic
// is a usage error rather than a message with exit 0.
func newHelpCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help provides help for any command in the application.\nSimply type gitshift help [path to command] for full details.",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil {
				return errkind.Wrap(errkind.Usage, err)
			}
			if len(rest) > 0 {
				return unknownCommand(cmd, rest[0])
			}
			cmd.InitDefaultHelpFlag()
			return cmd.Help()
		},
	}
}
