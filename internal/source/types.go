// Package source renders an Argo CD Application's source the way Argo CD's
// repo-server does (directory walk, Helm, Kustomize), offline, and keeps the
// provenance of every object so diagnostics and edits can point at lines.
//
// It must never import client-go: check and render run offline (see the
// dependency fence test).
package source

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/gitshift/gitshift/internal/errkind"
)

// Type is the kind of source Argo CD detects for an Application.
type Type string

const (
	TypeDirectory Type = "Directory"
	TypeHelm      Type = "Helm"
	TypeKustomize Type = "Kustomize"
	TypePlugin    Type = "Plugin"
)

// Provenance says where an object came from. File is relative to the repo
// root, slash-separated. For plain manifests Doc is the 0-based document index
// in the file and Line the 1-based line of the document's first key. For
// objects rendered by Helm, File/Line name the chart template and ValuesKeys
// may name the values that were read (best effort).
type Provenance struct {
	File string `json:"file"`
	Doc  int    `json:"doc"`
	Line int    `json:"line"`
	// Item is the index inside an `items` list that was flattened, or -1.
	Item int `json:"item"`
}

func (p Provenance) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}

// Object is one Kubernetes object Argo CD would apply, with its origin.
type Object struct {
	*unstructured.Unstructured
	Source Provenance
}

// IgnoreReason says why Argo CD does not apply a file.
type IgnoreReason string

const (
	IgnoredRecurseOff   IgnoreReason = "recurse-off"      // in a subdirectory of a directory source without recurse
	IgnoredExcluded     IgnoreReason = "excluded"         // matched directory.exclude
	IgnoredNotIncluded  IgnoreReason = "not-included"     // did not match directory.include
	IgnoredExtension    IgnoreReason = "extension"        // not .yaml/.yml/.json/.jsonnet (case-sensitive)
	IgnoredNotK8s       IgnoreReason = "not-kubernetes"   // first document not a k8s object and no apiVersion/kind/metadata text
	IgnoredSkipMarker   IgnoreReason = "skip-marker"      // contains +argocd:skip-file-rendering (Argo CD 3.1+)
	IgnoredOutsidePath  IgnoreReason = "outside-app-path" // in the repo but not under the Application's path
	IgnoredSymlinkDir   IgnoreReason = "symlinked-dir"    // symlinked directories are not followed
	IgnoredSymlinkOther IgnoreReason = "symlink-not-file" // dangling or non-regular symlink
	IgnoredNotRegular   IgnoreReason = "not-regular-file" // a named pipe, socket or device: never opened
	IgnoredNotRendered  IgnoreReason = "not-rendered"     // a Helm/Kustomize source does not read it as a manifest
)

// Ignored is a file inside the repo that Argo CD reads past without applying.
type Ignored struct {
	File   string       `json:"file"`
	Reason IgnoreReason `json:"reason"`
	Detail string       `json:"detail,omitempty"`
}

// Result is what Argo CD would apply for one Application source.
type Result struct {
	Type    Type      `json:"sourceType"`
	Objects []Object  `json:"-"`
	Ignored []Ignored `json:"ignored"`
	// Files are the manifest files (repo-relative) Argo CD reads and applies.
	Files []string `json:"files"`
	// ReadFiles are all repo files the render consumed (manifests, chart
	// files, value files, kustomize inputs): not "unused" for check.
	ReadFiles []string `json:"readFiles"`
	// Path is the app path, repo-relative ("." for the root).
	Path string `json:"path"`
	// Source is the effective source after .argocd-source*.yaml merging.
	Source AppSource `json:"source"`
	// Warnings are conditions Argo CD reports without failing, e.g.
	// RepeatedResourceWarning for duplicate objects (last one wins).
	Warnings []Warning `json:"warnings,omitempty"`
}

// ManifestError is an error Argo CD's repo-server would also fail on (the
// Application then shows ComparisonError / Unknown). It names file and line.
type ManifestError struct {
	File string
	Line int
	Msg  string
	Err  error
}

func (e *ManifestError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if loc == "" {
		if e.Err != nil {
			return fmt.Sprintf("%s: %v", e.Msg, e.Err)
		}
		return e.Msg
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", loc, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

func (e *ManifestError) Unwrap() error { return e.Err }

// ErrorKind: the repository's content is invalid.
func (e *ManifestError) ErrorKind() errkind.Kind { return errkind.Invalid }
