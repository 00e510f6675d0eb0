package check

import "runtime/debug"

// check and render keep every rendered object of the repository alive while
// decoding allocates garbage around them. At Go's default (GOGC=100) the
// collector runs every time the heap doubles and re-marks the growing live
// heap each time: on 10,000 manifests 8–9 cycles, ~7% of the command since
// source.quickDecode (before it, with yaml.v3's garbage, ~18 cycles and a
// fifth). Letting the heap grow to 4× the live heap (GOGC=300) takes 3
// cycles, for ~30 MB more peak RSS (≈226 → ≈256 MB). The soft memory limit
// bounds that on very large repositories: past it the collector works
// harder instead of growing the heap. Either environment variable, when
// set, wins.
//
// BatchGCPercent and BatchMemoryLimit are what check and render set.
const (
	BatchGCPercent   = 300
	BatchMemoryLimit = 2 << 30
)

// tuneBatchGC sets the collector for a command that loads a whole
// repository (check, render), unless the user set GOGC or GOMEMLIMIT.
func tuneBatchGC(getenv func(string) string) {
	if getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(BatchGCPercent)
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(BatchMemoryLimit)
	}
}
