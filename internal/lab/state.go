package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
)

// Phase is the lab's lifecycle phase as recorded in the state file.
type Phase string

// Lab phases.
const (
	PhaseStarting Phase = "starting" // the supervisor is bringing components up
	PhaseReady    Phase = "ready"    // every component is ready and the content applied
	PhaseFailed   Phase = "failed"   // bring-up failed; Error says why
	PhaseStopping Phase = "stopping" // down in progress
	PhaseDown     Phase = "down"     // stopped; logs and data are kept
)

// StateFile is the state file's name in the lab directory.
const StateFile = "state.json"

// State is what `up` started, so that status, env and down work on exactly
// those processes.
type State struct {
	Dir        string       `json:"dir"`
	Phase      Phase        `json:"phase"`
	Error      string       `json:"error,omitempty"`
	StartedAt  time.Time    `json:"startedAt"`
	ReadyAt    *time.Time   `json:"readyAt,omitempty"`
	Supervisor Proc         `json:"supervisor"`
	Endpoints  Endpoints    `json:"endpoints"`
	Components []*Component `json:"components"`
}

// Endpoints are the addresses a user of the lab needs.
type Endpoints struct {
	Kubeconfig     string `json:"kubeconfig"`
	APIServer      string `json:"apiServer"`
	PrometheusURL  string `json:"prometheusURL"`
	GitURL         string `json:"gitURL"`
	ArgoCDNS       string `json:"argocdNamespace"`
	Application    string `json:"application,omitempty"`
	MeshsimMetrics string `json:"meshsimMetrics,omitempty"`
	// With istiod (lab up --istiod): its plaintext xDS address and metrics.
	IstiodXDS        string `json:"istiodXDS,omitempty"`
	IstiodMonitoring string `json:"istiodMonitoring,omitempty"`
	// IstiodDebug is istiod's debug endpoint base (.../debug).
	IstiodDebug string `json:"istiodDebug,omitempty"`
	// With the controller (lab up --controller): the Application of the
	// CanaryPolicies, the ServiceAccount's kubeconfig, the notification
	// receiver and its log, and each replica's addresses.
	PolicyApplication    string               `json:"policyApplication,omitempty"`
	ControllerKubeconfig string               `json:"controllerKubeconfig,omitempty"`
	Notifications        string               `json:"notifications,omitempty"`
	NotificationsLog     string               `json:"notificationsLog,omitempty"`
	Controllers          []ControllerEndpoint `json:"controllers,omitempty"`
}

// Proc identifies one process; StartTime (clock ticks since boot, from
// /proc/<pid>/stat) guards against signalling a recycled pid.
type Proc struct {
	PID       int    `json:"pid,omitempty"`
	StartTime uint64 `json:"startTime,omitempty"`
}

// Component is one supervised child process.
type Component struct {
	Name     string         `json:"name"`
	Ports    map[string]int `json:"ports,omitempty"`
	Log      string         `json:"log"`
	PIDFile  string         `json:"pidFile"`
	Proc     Proc           `json:"proc"`
	Status   string         `json:"status"` // pending, starting, ready, exited
	ExitCode *int           `json:"exitCode,omitempty"`
	Restarts int            `json:"restarts,omitempty"`
	Command  []string       `json:"command"`
}

// ErrNoLab means the lab directory holds no state file: the lab never ran.
var ErrNoLab = errkind.New(errkind.Invalid, "no lab found")

// LoadState reads dir's state file.
func LoadState(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s (start one with `gitshift lab up`)", ErrNoLab, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("reading lab state: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decoding lab state %s: %w", filepath.Join(dir, StateFile), err)
	}
	return &s, nil
}

// Save writes the state atomically (write + rename), so readers never see
// a half-written file.
func (s *State) Save() error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding lab state: %w", err)
	}
	path := filepath.Join(s.Dir, StateFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing lab state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing lab state: %w", err)
	}
	return nil
}

// Component returns the component called name, or nil.
func (s *State) Component(name string) *Component {
	for _, c := range s.Components {
		if c.Name == name {
			return c
		}
	}
	return nil
}
