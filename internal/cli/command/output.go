package command

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/errkind"
)

// Format is the value of -o/--output.
type Format string

const (
	Text  Format = "text"
	JSON  Format = "json"
	YAML  Format = "yaml"
	SARIF Format = "sarif"
)

// AddOutputFlag registers -o with the formats a command supports (the
// default first).
func AddOutputFlag(cmd *cobra.Command, p *string, formats ...Format) {
	names := ""
	for i, f := range formats {
		if i > 0 {
			names += "|"
		}
		names += string(f)
	}
	cmd.Flags().StringVarP(p, "output", "o", string(formats[0]), "output format: "+names)
}

// ParseOutput validates the -o value against the formats a command supports.
func ParseOutput(v string, formats ...Format) (Format, error) {
	for _, f := range formats {
		if string(f) == v {
			return f, nil
		}
	}
	return "", errkind.Wrap(errkind.Usage, fmt.Errorf("unknown output format %q (want one of %v)", v, formats))
}

// WriteData prints v as JSON or YAML on w.
func WriteData(w io.Writer, f Format, v any) error {
	switch f {
	case JSON, SARIF:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case YAML:
		b, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encoding yaml: %w", err)
		}
		_, err = w.Write(b)
		return err
	}
	return fmt.Errorf("WriteData: format %q is not a data format", f)
}
