package cli

import "github.com/spf13/cobra"

// meshsimAvailable reports whether this build has the mesh simulator
// (internal/meshsim); `lab up` runs it only then.
const meshsimAvailable = false

// labMeshsimCommands returns the hidden `lab meshsim` command once
// internal/meshsim exists.
func labMeshsimCommands(_ Streams) []*cobra.Command { return nil }
