package check

import "runtime/debug"

// check and render keep every rendered object of the repository alive while
// yaml.v3 allocates about four times as much garbage around them. At Go's
// default (GOGC=100) the collector then runs every time the heap doubles
// and re-marks the growing live heap each time: on 10,000 manifests that
// is ~18 cycles and ~0.4 s of CPU, a fifth of the command. Letting the heap
// grow to 4× the live heap (GOGC=300) takes 6–7 cycles and ~0.13 s, for
// ~60 MB more peak RSS (≈240 → ≈300 MB). The soft memory limit bounds that
// on very large repositories: past it the collector works harder instead
// of growing the heap. Either environment variable, when set, wins.
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
