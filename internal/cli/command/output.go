package command

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/gitshift/gitshift/internal/errkind"
	"github.com/gitshift/gitshift/internal/termsafe"
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

// WriteData prints v as JSON or YAML on w. The encoders escape control
// characters; what they leave raw but a terminal acts on (bidi and C1
// controls) is escaped too, losslessly (termsafe.JSON, MarshalYAML).
func WriteData(w io.Writer, f Format, v any) error {
	switch f {
	case JSON, SARIF:
		enc := json.NewEncoder(termsafe.JSONWriter(w))
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case YAML:
		b, err := MarshalYAML(v)
		if err != nil {
			return fmt.Errorf("encoding yaml: %w", err)
		}
		_, err = w.Write(b)
		return err
	}
	return fmt.Errorf("WriteData: format %q is not a data format", f)
}

// MarshalYAML encodes v as sigs.k8s.io/yaml does. When a string holds a
// character a terminal acts on that the YAML encoder leaves raw (a bidi
// control, a line separator) or refuses (a C1 control: sigs.k8s.io/yaml
// fails on it), that scalar is written double-quoted with the character
// escaped: the same value to any YAML reader.
func MarshalYAML(v any) ([]byte, error) {
	b, err := yaml.Marshal(v)
	if err == nil && termsafe.Lines(string(b)) == string(b) {
		return b, nil
	}
	if safe, serr := marshalYAMLQuoted(v); serr == nil {
		return safe, nil
	}
	return b, err
}

func marshalYAMLQuoted(v any) ([]byte, error) {
	// Rebuild from JSON (which is YAML, with every string escaped) so that
	// each scalar's style can be chosen.
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(termsafe.JSON(j), &doc); err != nil {
		return nil, err
	}
	restyle(&doc)
	var out bytes.Buffer
	enc := yamlv3.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	// Only the double-quoted scalars hold such characters now, and there a
	// \u escape means the character.
	return termsafe.JSON(out.Bytes()), nil
}

// restyle writes collections in block style. Strings come from JSON
// double-quoted; those that hold what a terminal acts on stay so, and so
// does any string a YAML 1.1 reader (kubectl, Argo CD) might read as
// something else; plain names lose the quotes.
func restyle(n *yamlv3.Node) {
	switch {
	case n.Kind != yamlv3.ScalarNode:
		n.Style = 0
	case n.Style == yamlv3.DoubleQuotedStyle && plainName.MatchString(n.Value) && !yaml11Word[strings.ToLower(n.Value)]:
		n.Style = 0
	}
	for _, c := range n.Content {
		restyle(c)
	}
}

// plainName are strings that start with a letter, so no YAML version reads
// them as a number, date or special float; only the words below differ.
var plainName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_./-]*$`)

var yaml11Word = map[string]bool{"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true, "true": true, "false": true, "null": true}
