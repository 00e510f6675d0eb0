package argocd

import (
	"encoding/json"
	"fmt"

	"github.com/gitshift/gitshift/internal/source"
)

// Typed views of the Application's spec. AppSpec keeps the raw JSON (Assess
// compares it field by field with comparedTo); callers that need a source's
// repoURL or the destination read it through these instead of map lookups.

// Sources returns spec.sources, or spec.source as a one-element list,
// decoded as source.AppSource.
func (a AppStatus) Sources() ([]source.AppSource, error) {
	raw := a.SpecSources()
	out := make([]source.AppSource, 0, len(raw))
	for i, m := range raw {
		var s source.AppSource
		if err := remarshal(m, &s); err != nil {
			return nil, fmt.Errorf("Application %s/%s: decoding source %d: %w", a.Namespace, a.Name, i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// MultiSource reports whether the Application uses spec.sources.
func (a AppStatus) MultiSource() bool { return len(a.Spec.Sources) > 0 }

// GitSource returns the Git source a rollout commits to: the first source
// rendered from a Git repository (a path, or the root), else the first that
// only provides $ref values files (a Helm chart from a chart repository whose
// values live in Git). Helm repository charts are never it. ok is false when
// the Application has no Git source.
func (a AppStatus) GitSource() (src source.AppSource, ok bool, err error) {
	srcs, err := a.Sources()
	if err != nil {
		return source.AppSource{}, false, err
	}
	var ref *source.AppSource
	for i, s := range srcs {
		switch {
		case s.Chart != "" || s.RepoURL == "":
		case s.Path != "" || s.Ref == "":
			return s, true, nil
		case ref == nil:
			ref = &srcs[i]
		}
	}
	if ref != nil {
		return *ref, true, nil
	}
	return source.AppSource{}, false, nil
}

// Destination returns spec.destination (server or name, and namespace).
func (a AppStatus) Destination() source.Destination {
	str := func(k string) string { v, _ := a.Spec.Destination[k].(string); return v }
	return source.Destination{Server: str("server"), Name: str("name"), Namespace: str("namespace")}
}

// Application returns the spec as the source package's Application: what
// rendering the Application like Argo CD needs.
func (a AppStatus) Application() (source.Application, error) {
	srcs, err := a.Sources()
	if err != nil {
		return source.Application{}, err
	}
	app := source.Application{Name: a.Name, Namespace: a.Namespace, Project: a.Spec.Project, Sources: srcs, Destination: a.Destination()}
	if a.Spec.SyncPolicy != nil {
		var sp source.SyncPolicy
		if err := remarshal(a.Spec.SyncPolicy, &sp); err != nil {
			return source.Application{}, fmt.Errorf("Application %s/%s: decoding syncPolicy: %w", a.Namespace, a.Name, err)
		}
		app.SyncPolicy = &sp
	}
	return app, nil
}

func remarshal(in any, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
