// Package command holds what every gitshift command shares: its I/O
// streams, the -o output formats, and the exit codes with the one function
// that maps an error to them.
package command

import (
	"io"
	"os"
)

// Streams are the command's I/O. Data goes to Out, messages and progress to
// ErrOut, so that `gitshift ... -o json | jq` always works.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// Interactive is true when ErrOut is a terminal: progress may redraw lines.
	// Otherwise progress is plain, one line per event.
	Interactive bool
}

// StdStreams returns the process's standard streams.
func StdStreams() Streams {
	return Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, Interactive: isTerminal(os.Stderr)}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	return fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}
