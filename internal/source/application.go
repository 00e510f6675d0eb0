package source

// Application is the subset of argoproj.io/v1alpha1 Application that decides
// what gets rendered and applied. It is gitshift's own type so that the
// offline packages do not depend on the Argo CD module.
type Application struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Project   string `json:"project"`
	// Sources holds the single `source` or each of `sources` (multi-source).
	Sources     []AppSource `json:"sources"`
	Destination Destination `json:"destination"`
	SyncPolicy  *SyncPolicy `json:"syncPolicy,omitempty"`
	Origin      Provenance  `json:"origin"` // where the Application manifest was found
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
	Recurse bool           `json:"recurse,omitempty"`
	Include string         `json:"include,omitempty"`
	Exclude string         `json:"exclude,omitempty"`
	Jsonnet map[string]any `json:"jsonnet,omitempty"`
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

type KustomizeSource struct {
	NamePrefix        string            `json:"namePrefix,omitempty"`
	NameSuffix        string            `json:"nameSuffix,omitempty"`
	Namespace         string            `json:"namespace,omitempty"`
	Images            []string          `json:"images,omitempty"`
	CommonLabels      map[string]string `json:"commonLabels,omitempty"`
	CommonAnnotations map[string]string `json:"commonAnnotations,omitempty"`
}

type Destination struct {
	Server    string `json:"server,omitempty"`
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

type SyncPolicy struct {
	Automated   *Automated `json:"automated,omitempty"`
	SyncOptions []string   `json:"syncOptions,omitempty"`
}

type Automated struct {
	Prune      bool `json:"prune,omitempty"`
	SelfHeal   bool `json:"selfHeal,omitempty"`
	AllowEmpty bool `json:"allowEmpty,omitempty"`
}
