package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/errkind"
)

// outputFormat is the value of -o/--output.
type outputFormat string

const (
	outputText  outputFormat = "text"
	outputJSON  outputFormat = "json"
	outputYAML  outputFormat = "yaml"
	outputSARIF outputFormat = "sarif"
)

// addOutputFlag registers -o with the formats a command supports (text first).
func addOutputFlag(cmd *cobra.Command, p *string, formats ...outputFormat) {
	names := ""
	for i, f := range formats {
		if i > 0 {
			names += "|"
		}
		names += string(f)
	}
	cmd.Flags().StringVarP(p, "output", "o", string(formats[0]), "output format: "+names)
}

// parseOutput validates the -o value against the formats a command supports.
func parseOutput(v string, formats ...outputFormat) (outputFormat, error) {
	for _, f := range formats {
		if string(f) == v {
			return f, nil
		}
	}
	return "", errkind.Wrap(errkind.Usage, fmt.Errorf("unknown output format %q (want one of %v)", v, formats))
}

// writeData prints v as JSON or YAML on w.
func writeData(w io.Writer, f outputFormat, v any) error {
	switch f {
	case outputJSON, outputSARIF:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case outputYAML:
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding yaml: %w", err)
		}
		_, err = w.Write(b)
		return err
	}
	return fmt.Errorf("writeData: format %q is not a data format", f)
}
