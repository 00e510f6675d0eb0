package lab

import (
	"path/filepath"
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
