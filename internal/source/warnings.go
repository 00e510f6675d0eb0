package source

// WarningCode names a non-fatal condition Argo CD would surface.
type WarningCode string

const (
	// WarnDuplicate mirrors Argo CD's RepeatedResourceWarning: the same
	// group/kind/namespace/name appears twice; the last one is applied.
	WarnDuplicate WarningCode = "RepeatedResourceWarning"
	// WarnItemNoKind: a flattened items member has no kind; Argo CD keeps
	// it and the sync fails later.
	WarnItemNoKind WarningCode = "ItemWithoutKind"
)

// Warning is one non-fatal finding with the object it concerns.
type Warning struct {
	Code    WarningCode `json:"code"`
	Message string      `json:"message"`
	Source  Provenance  `json:"source"`
	// Other is the provenance of the object that was overridden, if any.
	Other *Provenance `json:"other,omitempty"`
}
