package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"

	"go.yaml.in/yaml/v3"

	"github.com/gitshift/gitshift/internal/yamlerr"
)

// LoadFile reads the CanaryPolicy named name from path, applies defaults and
// validates it. Use Read and Complete to apply flag overrides in between.
func LoadFile(path, name string) (*CanaryPolicy, error) {
	p, err := Read(path, name)
	if err != nil {
		return nil, err
	}
	return Complete(*p, Overrides{})
}

// Read returns the CanaryPolicy named name in path (any document of a
// multi-document file; an empty name accepts the file's only policy),
// without defaults or validation.
func Read(path, name string) (*CanaryPolicy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading canary policy: %w", err)
	}
	ps, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	return pick(path, ps, name)
}

func pick(file string, ps []CanaryPolicy, name string) (*CanaryPolicy, error) {
	var found []int
	for i := range ps {
		if name == "" || ps[i].Metadata.Name == name {
			found = append(found, i)
		}
	}
	switch {
	case len(found) == 1:
		return &ps[found[0]], nil
	case len(found) == 0 && name != "":
		return nil, &Error{Problems: []*FieldError{{File: file, Msg: fmt.Sprintf("no CanaryPolicy named %q", name)}}}
	case len(found) == 0:
		return nil, &Error{Problems: []*FieldError{{File: file, Msg: "no CanaryPolicy (apiVersion " + APIVersion + ", kind " + Kind + ") in file"}}}
	}
	return nil, &Error{Problems: []*FieldError{{File: file, Line: ps[found[1]].lines.find("kind"),
		Msg: "more than one CanaryPolicy in file; name the one to use", Err: ErrSeveralPolicies}}}
}

// Parse decodes every CanaryPolicy document in data. Other kinds are
// skipped, so a policy may sit in a file with the manifests it governs.
// Unknown fields and type errors are reported with file and line. Defaults
// are not applied and the policies are not validated (see LoadFile). With
// an error it still returns the policies that decoded cleanly, so check can
// read a file's other policies; the commands that act on one do not.
func Parse(file string, data []byte) ([]CanaryPolicy, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []CanaryPolicy
	c := &errs{file: file}
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			c.list = append(c.list, yamlError(file, err)...)
			break
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		root := doc.Content[0]
		if scalar(root, "kind") != Kind || !isGroup(scalar(root, "apiVersion")) {
			continue
		}
		before := len(c.list)
		var p CanaryPolicy
		p.File = file
		p.lines = lineIndex{}
		c.lines = p.lines
		indexNode(root, reflect.TypeOf(p), "", p.lines, c)
		if err := root.Decode(&p); err != nil {
			c.list = append(c.list, yamlError(file, err)...)
		}
		if v := scalar(root, "apiVersion"); v != APIVersion {
			c.addf("apiVersion", "unsupported apiVersion %q (this gitshift reads %s)", v, APIVersion)
		}
		if len(c.list) == before {
			out = append(out, p)
		}
	}
	return out, c.err()
}

func isGroup(apiVersion string) bool {
	return len(apiVersion) > len(Group) && apiVersion[:len(Group)+1] == Group+"/"
}

// scalar returns the value of key in a mapping node, or "".
func scalar(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.ScalarNode {
			return m.Content[i+1].Value
		}
	}
	return ""
}

// yamlError turns the decoder's "line N: msg" strings into FieldErrors.
func yamlError(file string, err error) []*FieldError {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var out []*FieldError
	for _, m := range msgs {
		fe := &FieldError{File: file, Msg: m}
		if line, msg, ok := yamlerr.Line(m); ok {
			fe.Line, fe.Msg = line, msg
		}
		out = append(out, fe)
	}
	return out
}
