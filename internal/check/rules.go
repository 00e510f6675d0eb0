package check

// Rule is one analyzer: a stable code, its default severity and help text
// (used for SARIF rules and `--help`), and the function that runs it.
type Rule struct {
	Code     string
	Name     string // short kebab-case id
	Severity Severity
	Summary  string
	Help     string
	run      func(*Pass)
}

// Rules returns the rule table in code order. Codes are stable: never
// renumber or reuse one.
func Rules() []Rule {
	return []Rule{
		{"GS1001", "recurse-off", SeverityWarning,
			"Manifest in a subdirectory of a directory source without recurse",
			"Argo CD reads only the top level of a directory source unless spec.source.directory.recurse is true, and skips subdirectories silently while the Application stays Synced. Error when the file holds Istio objects.",
			runRecurseOff},
		{"GS1002", "include-exclude", SeverityInfo,
			"Manifest skipped by directory include/exclude",
			"The file matches directory.exclude or does not match directory.include (gobwas/glob, `*` crosses `/`, matched against the path relative to the app path). Error when the file holds Istio objects.",
			runIncludeExclude},
		{"GS1003", "extension", SeverityWarning,
			"Manifest with an extension Argo CD does not read",
			"Argo CD reads only .yaml, .yml, .json and .jsonnet, case-sensitively. Error when the file holds Istio objects.",
			runExtension},
		{"GS1004", "pattern-matches-nothing", SeverityWarning,
			"directory include/exclude pattern matches no file",
			"A pattern that matches nothing is usually a typo; an include that matches nothing makes the Application apply nothing.",
			runPatterns},
		{"GS1005", "not-kubernetes", SeverityInfo,
			"YAML file silently ignored as not Kubernetes",
			"Argo CD ignores a file whose first document is not a Kubernetes object unless its text contains apiVersion:, kind: and metadata:.",
			runNotKubernetes},
		{"GS1006", "outside-app-path", SeverityWarning,
			"Manifest outside every Application's path",
			"No Application renders this file. Error when it holds Istio objects.",
			runOutsidePath},
		{"GS1007", "argocd-namespace-injected", SeverityError,
			"Argo CD's namespace labelled for Istio sidecar injection",
			"Argo CD must stay outside the mesh: injected sidecars break its repo-server, redis and controller traffic and hold Jobs open.",
			runArgoCDInjection},
		{"GS1008", "app-path", SeverityError,
			"Application path missing, absolute or outside the repository",
			"Argo CD refuses the source (ComparisonError) and applies nothing.",
			runAppPath},
		{"GS1009", "sync-policy", SeverityWarning,
			"Automated sync without prune or selfHeal",
			"Without prune a removed canary VirtualService stays live; without selfHeal a manual edit of the live routing is never reverted, so Git no longer says what the traffic does.",
			runSyncPolicy},
		{"GS1010", "render-error", SeverityError,
			"Source Argo CD would fail to render",
			"Argo CD's repo-server fails on this source too: the Application shows ComparisonError and applies nothing new.",
			runRenderError},
		{CodeUnsupported, "unsupported-source", SeverityWarning,
			"Source gitshift cannot render offline",
			"Plugins, Jsonnet, and anything on the network (remote charts, chart repository dependencies, remote value files, schema references, Kustomize remote resources and bases) are not rendered: check and render never use the network. The source is not checked (exit 2).",
			runUnsupported},
		{"GS1012", "self-managed", SeverityWarning,
			"Application applies its own manifest",
			"The Application syncs the directory holding its own manifest; with prune it can delete or change itself. Exclude the file or keep it outside the path.",
			runSelfManaged},
		{"GS1013", "repeated-resource", SeverityWarning,
			"Same object rendered more than once",
			"Argo CD applies the last one and reports RepeatedResourceWarning.",
			runRepeated},
		{"GS1014", "skip-marker", SeverityInfo,
			"File skipped by +argocd:skip-file-rendering",
			"Argo CD 3.1+ does not render files containing the marker.",
			runSkipMarker},
		{"GS1015", "symlink", SeverityWarning,
			"Symlink Argo CD does not follow",
			"Symlinked directories are not walked; dangling or non-regular symlinks are skipped.",
			runSymlink},
		{"GS1016", "special-file", SeverityWarning,
			"Named pipe, socket or device with a manifest name",
			"Argo CD applies only regular files and skips this one with a warning in its repo-server log; gitshift never opens it.",
			runSpecialFile},
		{"GS2001", "unknown-subset", SeverityError,
			"Route to a subset the DestinationRule does not define",
			"Envoy has no cluster for the subset and answers 503 (NR) for that share of the traffic.",
			runUnknownSubset},
		{"GS2002", "subset-without-destination-rule", SeverityError,
			"Route to a subset of a host that has no DestinationRule",
			"Subsets are defined by a DestinationRule for the host; without one the route's traffic fails with 503.",
			runSubsetWithoutRule},
		{"GS2003", "subset-no-workload", SeverityWarning,
			"Subset labels match no workload",
			"No Deployment/StatefulSet/ReplicaSet/Pod in the Service's namespace has pod labels matching the Service selector plus the subset labels.",
			runSubsetNoWorkload},
		{"GS2004", "unknown-host", SeverityWarning,
			"Destination host with no Service among the rendered objects",
			"The host is in the cluster domain but no rendered Service or ServiceEntry declares it.",
			runUnknownHost},
		{"GS2005", "unknown-gateway", SeverityWarning,
			"Gateway not found among the rendered objects",
			"A VirtualService bound to a missing Gateway configures nothing at the ingress.",
			runUnknownGateway},
		{"GS2006", "duplicate-host", SeverityError,
			"Two VirtualServices for one host",
			"For sidecars Istio uses only one VirtualService per host (which one is undefined). At a gateway the routes are merged in creation order (info).",
			runDuplicateHost},
		{"GS2007", "negative-weight", SeverityError,
			"Negative route weight",
			"Istio rejects negative weights.",
			runNegativeWeight},
		{"GS2008", "zero-weights", SeverityError,
			"All weights of a route are zero",
			"Istio rejects a route with several destinations whose weights sum to 0.",
			runZeroWeights},
		{"GS2009", "weights-not-100", SeverityWarning,
			"Route weights do not sum to 100",
			"Istio before 1.15 rejects the VirtualService; later versions normalise the weights.",
			runWeightSum},
		{"GS2010", "namespace-not-injected", SeverityWarning,
			"Application namespace without sidecar injection",
			"Pods in a namespace without istio-injection=enabled (or istio.io/rev) get no sidecar, so VirtualService weights do not apply to their traffic.",
			runNamespaceInjection},
		{"GS2011", "invalid-istio-object", SeverityError,
			"Istio object that does not fit Istio's schema",
			"The API server validates Istio objects against Istio's CRD schema and refuses this one, so Argo CD's sync fails: a quoted number or boolean (weight: \"90\"), a number out of range (int32), an enum given as a number or an unknown name, two alternatives of a oneof, a proto field name (mirror_percentage), or a value Istio's decoder refuses. Istio's Go decoder accepts several of these, the API server none. An unknown field is a warning: a newer Istio may know it.",
			runInvalidIstio},
	}
}

// Rule returns the rule with code, if any.
func RuleFor(code string) (Rule, bool) {
	for _, r := range Rules() {
		if r.Code == code {
			return r, true
		}
	}
	return Rule{}, false
}
