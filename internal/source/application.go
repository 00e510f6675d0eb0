package source

import "k8s.io/apimachinery/pkg/util/intstr"

// Application is the subset of argoproj.io/v1alpha1 Application that decides
// what gets rendered and applied. It is gitshift's own type so that the
// offline packages do not depend on the Argo CD module.
type Application struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Project   string `json:"project"`
	// Sources holds the single `source` or each of `sources` (multi-source).
	Sources []AppSource `json:"sources"`
	// MultipleSources: the Application lists `sources` (even one), which
	// changes how Argo CD treats a source without path and `$ref` files.
	MultipleSources bool        `json:"multipleSources,omitempty"`
	Destination     Destination `json:"destination"`
	SyncPolicy      *SyncPolicy `json:"syncPolicy,omitempty"`
	Origin          Provenance  `json:"origin"` // where the Application manifest was found
}

type AppSource struct {
	RepoURL        string           `json:"repoURL"`
	Path           string           `json:"path,omitempty"`
	TargetRevision string           `json:"targetRevision,omitempty"`
	Chart          string           `json:"chart,omitempty"`
	Ref            string           `json:"ref,omitempty"`
	Directory      *DirectorySource `json:"directory,omitempty"`
	Helm           *HelmSource      `json:"helm,omitempty"`
	Kustomize      *KustomizeSource `json:"kustomize,omitempty"`
	Plugin         map[string]any   `json:"plugin,omitempty"`
}

type DirectorySource struct {
	Recurse bool          `json:"recurse,omitempty"`
	Include string        `json:"include,omitempty"`
	Exclude string        `json:"exclude,omitempty"`
	Jsonnet JsonnetSource `json:"jsonnet,omitempty"`
}

// JsonnetSource is directory.jsonnet: variables and library paths for the
// .jsonnet files of a directory source.
type JsonnetSource struct {
	ExtVars []JsonnetVar `json:"extVars,omitempty"`
	TLAs    []JsonnetVar `json:"tlas,omitempty"`
	// Libs are library search paths, relative to the repository root.
	Libs []string `json:"libs,omitempty"`
}

// IsZero is Argo CD's ApplicationSourceJsonnet.IsZero.
func (j JsonnetSource) IsZero() bool {
	return len(j.ExtVars) == 0 && len(j.TLAs) == 0 && len(j.Libs) == 0
}

// JsonnetVar is an external variable or top-level argument; Code makes
// the value Jsonnet code rather than a string.
type JsonnetVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Code  bool   `json:"code,omitempty"`
}

type HelmSource struct {
	ReleaseName             string              `json:"releaseName,omitempty"`
	Namespace               string              `json:"namespace,omitempty"`
	ValueFiles              []string            `json:"valueFiles,omitempty"`
	Values                  string              `json:"values,omitempty"`
	ValuesObject            map[string]any      `json:"valuesObject,omitempty"`
	Parameters              []HelmParameter     `json:"parameters,omitempty"`
	FileParameters          []HelmFileParameter `json:"fileParameters,omitempty"`
	IgnoreMissingValueFiles bool                `json:"ignoreMissingValueFiles,omitempty"`
	SkipCrds                bool                `json:"skipCrds,omitempty"`
	Version                 string              `json:"version,omitempty"`
	// PassCredentials only matters when a chart repository is contacted,
	// which gitshift never does.
	PassCredentials bool `json:"passCredentials,omitempty"`
	// Added by gitshift (Argo CD fields consulted when templating).
	SkipTests            bool     `json:"skipTests,omitempty"`
	SkipSchemaValidation bool     `json:"skipSchemaValidation,omitempty"`
	KubeVersion          string   `json:"kubeVersion,omitempty"`
	APIVersions          []string `json:"apiVersions,omitempty"`
}

type HelmParameter struct {
	Name        string `json:"name"`
	Value       string `json:"value"`
	ForceString bool   `json:"forceString,omitempty"`
}

type HelmFileParameter struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// KustomizeSource is Argo CD 2.14's spec.source.kustomize.
type KustomizeSource struct {
	NamePrefix                string             `json:"namePrefix,omitempty"`
	NameSuffix                string             `json:"nameSuffix,omitempty"`
	Images                    []string           `json:"images,omitempty"`
	CommonLabels              map[string]string  `json:"commonLabels,omitempty"`
	Version                   string             `json:"version,omitempty"`
	CommonAnnotations         map[string]string  `json:"commonAnnotations,omitempty"`
	ForceCommonLabels         bool               `json:"forceCommonLabels,omitempty"`
	ForceCommonAnnotations    bool               `json:"forceCommonAnnotations,omitempty"`
	Namespace                 string             `json:"namespace,omitempty"`
	CommonAnnotationsEnvsubst bool               `json:"commonAnnotationsEnvsubst,omitempty"`
	Replicas                  []KustomizeReplica `json:"replicas,omitempty"`
	Patches                   []KustomizePatch   `json:"patches,omitempty"`
	Components                []string           `json:"components,omitempty"`
	LabelWithoutSelector      bool               `json:"labelWithoutSelector,omitempty"`
	KubeVersion               string             `json:"kubeVersion,omitempty"`
	APIVersions               []string           `json:"apiVersions,omitempty"`
}

// KustomizeReplica is `kustomize edit set replicas NAME=COUNT`; Count is
// an integer or a string holding one.
type KustomizeReplica struct {
	Name  string             `json:"name"`
	Count intstr.IntOrString `json:"count"`
}

// KustomizePatch is appended to the kustomization's patches as it is.
type KustomizePatch struct {
	Path    string             `json:"path,omitempty"`
	Patch   string             `json:"patch,omitempty"`
	Target  *KustomizeSelector `json:"target,omitempty"`
	Options map[string]bool    `json:"options,omitempty"`
}

// KustomizeSelector is a patch target.
type KustomizeSelector struct {
	Group              string `json:"group,omitempty"`
	Version            string `json:"version,omitempty"`
	Kind               string `json:"kind,omitempty"`
	Name               string `json:"name,omitempty"`
	Namespace          string `json:"namespace,omitempty"`
	AnnotationSelector string `json:"annotationSelector,omitempty"`
	LabelSelector      string `json:"labelSelector,omitempty"`
}

type Destination struct {
	Server    string `json:"server,omitempty"`
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// ApplyOutOfSyncOnly is the sync option that makes Argo CD apply only the
// objects that differ from Git instead of every object of the Application:
// what gitshift recommends for Applications that carry a canary (check's
// GS1018, verify's slow-sync note, the lab benchmark).
const ApplyOutOfSyncOnly = "ApplyOutOfSyncOnly=true"

type SyncPolicy struct {
	Automated   *Automated `json:"automated,omitempty"`
	SyncOptions []string   `json:"syncOptions,omitempty"`
}

type Automated struct {
	Prune      bool `json:"prune,omitempty"`
	SelfHeal   bool `json:"selfHeal,omitempty"`
	AllowEmpty bool `json:"allowEmpty,omitempty"`
}
