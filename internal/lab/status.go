package lab

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ComponentStatus is one line of `gitshift lab status`.
type ComponentStatus struct {
	Name     string         `json:"name"`
	State    string         `json:"state"` // running, exited, stopped, pending
	PID      int            `json:"pid,omitempty"`
	ExitCode *int           `json:"exitCode,omitempty"`
	Log      string         `json:"log"`
	LogTail  string         `json:"logTail,omitempty"`
	Ports    map[string]int `json:"ports,omitempty"`
	RSSBytes int64          `json:"rssBytes,omitempty"` // resident memory of the process group
}

// Status is the lab as `gitshift lab status` reports it.
type Status struct {
	Dir        string            `json:"dir"`
	Phase      Phase             `json:"phase"`
	Healthy    bool              `json:"healthy"` // ready and every component running
	Error      string            `json:"error,omitempty"`
	Supervisor string            `json:"supervisor"`
	Endpoints  Endpoints         `json:"endpoints"`
	Components []ComponentStatus `json:"components"`
	RSSBytes   int64             `json:"rssBytes"` // sum over the running components
}

// GetStatus inspects the processes named in dir's state file.
func GetStatus(dir string) (*Status, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	st, err := LoadState(dir)
	if err != nil {
		return nil, err
	}
	out := &Status{Dir: dir, Phase: st.Phase, Error: st.Error, Endpoints: st.Endpoints, Supervisor: "not running"}
	supAlive := st.Supervisor.Alive()
	if supAlive {
		out.Supervisor = "running"
		out.RSSBytes += groupRSS(st.Supervisor.PID)
	}
	if !supAlive && (st.Phase == PhaseReady || st.Phase == PhaseStarting) {
		out.Supervisor = "exited (crashed or killed; components are unsupervised)"
	}
	healthy := st.Phase == PhaseReady && supAlive
	for _, c := range st.Components {
		cs := ComponentStatus{Name: c.Name, Log: c.Log}
		switch {
		case c.Proc.Alive():
			cs.State, cs.PID = "running", c.Proc.PID
			cs.RSSBytes = groupRSS(c.Proc.PID)
			out.RSSBytes += cs.RSSBytes
		case c.ExitCode != nil && st.Phase != PhaseDown:
			cs.State, cs.ExitCode = "exited", c.ExitCode
			cs.LogTail = tailFile(c.Log, 5)
			healthy = false
		case c.Proc.PID == 0:
			cs.State = "pending"
			healthy = false
		default:
			cs.State = "stopped"
			if st.Phase != PhaseDown {
				cs.LogTail = tailFile(c.Log, 5)
				healthy = false
			}
		}
		out.Components = append(out.Components, cs)
	}
	out.Healthy = healthy
	return out, nil
}

// groupRSS sums VmRSS over the processes of process group pgid.
func groupRSS(pgid int) int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total int64
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		// f[2] is field 5, the process group id.
		if len(f) < 3 || f[2] != strconv.Itoa(pgid) {
			continue
		}
		total += vmRSS(filepath.Join("/proc", e.Name(), "status"))
	}
	return total
}

// vmRSS reads the VmRSS line of a /proc/<pid>/status file, in bytes.
func vmRSS(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
