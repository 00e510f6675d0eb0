// Command gitshift runs canary releases for Argo CD + Istio through Git.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gitshift/gitshift/internal/cli"
	"github.com/gitshift/gitshift/internal/cli/command"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], command.StdStreams())
	stop()
	os.Exit(code)
}
