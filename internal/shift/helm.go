package shift

import (
	"path"
	"strconv"
	"strings"

	"github.com/gitshift/gitshift/internal/edit"
)

// layer is one place a Helm value can be written, in Argo CD's precedence:
// parameters > valuesObject (or, when unset, values) > valueFiles (last
// first) > the chart's values.yaml.
type layer struct {
	name string // for messages
	file string // repo-relative
	doc  int
	kind string   // "parameters", "object", "block", "file"
	base []string // parameters list / helm block / mapping root
	ef   *edit.File
	// inner parses the helm.values string (kind "block").
	inner *edit.File
}

// sets reports whether the layer sets key (full dotted path).
func (l *layer) sets(key []string) bool {
	switch l.kind {
	case "parameters":
		return l.param(strings.Join(key, ".")) == "set"
	case "block":
		return l.inner.Kind(0, key) == "scalar"
	}
	return l.ef.Kind(l.doc, append(append([]string(nil), l.base...), key...)) == "scalar"
}

// holds reports whether the layer has the mapping parent, so a missing
// subset key can be added next to its siblings.
func (l *layer) holds(parent []string) bool {
	switch l.kind {
	case "parameters":
		return l.param(strings.Join(parent, ".")+".") == "prefix"
	case "block":
		return l.inner.Kind(0, parent) == "map"
	}
	return l.ef.Kind(l.doc, append(append([]string(nil), l.base...), parent...)) == "map"
}

// param finds a parameter named name ("set") or one starting with name ("prefix").
func (l *layer) param(name string) string {
	out := ""
	for i := 0; l.ef.Has(l.doc, append(append([]string(nil), l.base...), strconv.Itoa(i))); i++ {
		v, err := l.ef.Value(l.doc, append(append([]string(nil), l.base...), strconv.Itoa(i), "name"))
		switch {
		case err != nil:
		case v == name:
			return "set"
		case strings.HasSuffix(name, ".") && strings.HasPrefix(v, name):
			out = "prefix"
		}
	}
	return out
}

// helmLayers lists the places, highest precedence first, that can set the
// VirtualService's weights for this source.
func (m *mutation) helmLayers(f *found) ([]*layer, error) {
	appFile := f.app.Origin.File
	data, _, err := m.read(appFile)
	if err != nil {
		return nil, err
	}
	af, err := edit.Parse(appFile, data)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	doc := f.app.Origin.Doc
	helm := []string{"spec", "source", "helm"}
	if af.Kind(doc, []string{"spec", "sources"}) == "list" {
		helm = []string{"spec", "sources", strconv.Itoa(f.src.Index), "helm"}
	}
	sub := func(k ...string) []string { return append(append([]string(nil), helm...), k...) }
	var ls []*layer
	if af.Kind(doc, sub("parameters")) == "list" {
		ls = append(ls, &layer{name: appFile + " helm.parameters", file: appFile, doc: doc, kind: "parameters", base: sub("parameters"), ef: af})
	}
	switch {
	case af.Kind(doc, sub("valuesObject")) == "map":
		ls = append(ls, &layer{name: appFile + " helm.valuesObject", file: appFile, doc: doc, kind: "object", base: sub("valuesObject"), ef: af})
	case af.Kind(doc, sub("values")) == "scalar":
		v, _ := af.Value(doc, sub("values"))
		inner, err := edit.Parse(appFile+" helm.values", []byte(v))
		if err != nil {
			return nil, &InputError{Err: err}
		}
		if len(inner.Docs) > 0 {
			ls = append(ls, &layer{name: appFile + " helm.values", file: appFile, doc: doc, kind: "block", base: sub("values"), ef: af, inner: inner})
		}
	}
	h := f.app.Sources[f.src.Index].Helm
	chartValues := path.Join(f.src.Result.Path, "values.yaml")
	files := []string{}
	if h != nil {
		for i := len(h.ValueFiles) - 1; i >= 0; i-- {
			vf := h.ValueFiles[i]
			if strings.HasPrefix(vf, "$") || strings.Contains(vf, "://") || path.IsAbs(vf) {
				m.log.Warn("value file not edited by gitshift (another source or URL)", "file", vf)
				continue
			}
			files = append(files, path.Clean(path.Join(f.src.Result.Path, vf)))
		}
	}
	files = append(files, chartValues)
	seen := map[string]bool{}
	for _, file := range files {
		if seen[file] {
			continue
		}
		seen[file] = true
		data, _, err := m.read(file)
		if err != nil {
			continue // a missing values file (ignoreMissingValueFiles) sets nothing
		}
		ef, err := edit.Parse(file, data)
		if err != nil {
			return nil, &InputError{Err: err}
		}
		if len(ef.Docs) > 0 {
			ls = append(ls, &layer{name: file, file: file, kind: "file", ef: ef})
		}
	}
	return ls, nil
}

// planHelm writes each subset's weight in the highest-precedence layer that
// sets it (a subset nobody sets yet goes where its siblings are).
func (m *mutation) planHelm(f *found, want, old edit.Weights) ([]write, error) {
	key := m.req.ValuesKey
	if key == "" {
		key = f.obj.GetName() + ".canary.weights"
	}
	parent := edit.SplitPath(key)
	layers, err := m.helmLayers(f)
	if err != nil {
		return nil, err
	}
	values := append(edit.Weights(nil), want...)
	for _, w := range old {
		if _, ok := want.Get(w.Subset); !ok {
			values = append(values, edit.Weight{Subset: w.Subset}) // kept at 0
		}
	}
	byLayer := map[*layer][]edit.KeyValue{}
	var order []*layer
	for _, w := range values {
		full := append(append([]string(nil), parent...), w.Subset)
		var target *layer
		for _, l := range layers {
			if l.sets(full) {
				target = l
				break
			}
		}
		for _, l := range layers {
			if target == nil && l.holds(parent) {
				target = l
			}
		}
		if target == nil {
			var names []string
			for _, l := range layers {
				names = append(names, l.name)
			}
			return nil, needf("ValuesKey", "Helm values: nothing sets %s for Application %s (looked in %s); name the values key", key, f.app.Name, strings.Join(names, ", "))
		}
		kv := edit.KeyValue{Key: w.Subset, Value: strconv.Itoa(w.Weight)}
		if target.kind == "parameters" {
			kv.Key = key + "." + w.Subset
		}
		if byLayer[target] == nil {
			order = append(order, target)
		}
		byLayer[target] = append(byLayer[target], kv)
	}
	byFile := map[string]*edit.Edits{}
	var files []string
	for _, l := range order {
		var e *edit.Edits
		var err error
		switch l.kind {
		case "parameters":
			e, err = l.ef.SetParameters(l.doc, l.base, byLayer[l])
		case "block":
			e, err = l.ef.SetBlockValues(l.doc, l.base, parent, byLayer[l])
		default:
			e, err = l.ef.SetMapValues(l.doc, append(append([]string(nil), l.base...), parent...), byLayer[l])
		}
		if err != nil {
			return nil, &InputError{Err: err}
		}
		if byFile[l.file] == nil {
			byFile[l.file] = &edit.Edits{File: l.ef}
			files = append(files, l.file)
		}
		byFile[l.file].Append(e)
	}
	var out []write
	for _, file := range files {
		e := byFile[file]
		if len(e.Splices) == 0 {
			continue
		}
		data, err := e.Apply()
		if err != nil {
			return nil, err
		}
		if _, err := edit.Parse(file, data); err != nil {
			return nil, err
		}
		_, mode, err := m.read(file)
		if err != nil {
			return nil, err
		}
		out = append(out, write{file: file, data: data, mode: mode, changes: e.Changes})
	}
	return out, nil
}
