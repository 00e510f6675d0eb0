package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gitshift/gitshift/internal/errkind"
)

// Options configure Up.
type Options struct {
	Dir         string // lab directory (state, logs, data)
	RepoRoot    string // the gitshift clone: lab/tools and the example
	CacheDir    string // tool cache, DefaultCacheDir() when empty
	Self        string // the gitshift executable (for supervise and the hidden components)
	Meshsim     bool   // run the mesh simulator
	MeshsimArgs []string
	// Istiod runs Istio's control plane (istiod.go): Istio's CRDs from its
	// module, its validating webhook, and the simulator's routes over xDS.
	Istiod  bool
	Example string // directory seeded into the lab Git repo
	AppFile string // the example's Application
	Fixed   Ports  // fixed ports (0 = any free port)
	// Controllers is the number of `gitshift controller` replicas to run
	// (0: none); PolicyAppFile the Application of the example's
	// CanaryPolicies, applied with them.
	Controllers   int
	PolicyAppFile string
	Foreground    bool // supervise in this process instead of a detached one
	Timeout       time.Duration
	Progress      io.Writer
}

// ErrAlreadyUp means a lab is running in the directory already.
var ErrAlreadyUp = errkind.New(errkind.Conflict, "lab is already up")

// Up provisions the tools, prepares the lab directory and starts the
// supervisor, then waits until the lab is ready (or, in the foreground, until
// ctx ends).
func Up(ctx context.Context, o Options) (*State, error) {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Minute
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("lab dir: %w", err)
	}
	o.Dir = dir
	if st, err := LoadState(dir); err == nil {
		if err := checkNotRunning(st); err != nil {
			return st, err
		}
	}
	plan, unlock, err := prepare(ctx, o)
	if err != nil {
		return nil, err
	}
	// The port lock is held until the components listen (ready or failed).
	defer unlock()
	st := &State{Dir: dir, Phase: PhaseStarting, StartedAt: time.Now(), Endpoints: Endpoints{
		Kubeconfig: plan.Layout.Kubeconfig(), APIServer: plan.APIServerURL(), PrometheusURL: plan.PrometheusURL(),
		GitURL: plan.GitURL(plan.RepoName + ".git"), ArgoCDNS: ArgoCDNamespace,
	}}
	if plan.Meshsim {
		st.Endpoints.MeshsimMetrics = "http://" + addr(plan.Ports.Meshsim) + "/metrics"
	}
	if plan.Istiod {
		st.Endpoints.IstiodXDS = addr(plan.Ports.Istiod.GRPC)
		st.Endpoints.IstiodMonitoring = "http://" + addr(plan.Ports.Istiod.Monitoring) + "/metrics"
		st.Endpoints.IstiodDebug = plan.IstiodDebugURL()
	}
	for _, spec := range plan.Specs() {
		st.Components = append(st.Components, &Component{Name: spec.Name, Status: "pending",
			Log: plan.Layout.Log(spec.Name), PIDFile: plan.Layout.PIDFile(spec.Name), Command: commandLine(spec)})
	}
	if err := st.Save(); err != nil {
		return nil, err
	}
	if o.Foreground {
		// Held until the process ends otherwise; a foreground lab is a
		// debugging aid, so it keeps the (small) race instead.
		unlock()
		sup := &Supervisor{Plan: plan, State: st, Progress: o.Progress}
		return st, sup.Run(ctx)
	}
	return waitSupervisor(ctx, o, st)
}

// checkNotRunning refuses to start over a lab that still has live processes.
func checkNotRunning(st *State) error {
	if st.Supervisor.Alive() {
		if st.Phase == PhaseReady {
			return fmt.Errorf("%w in %s (ready since %s); `gitshift lab status` shows it, `gitshift lab down` stops it",
				ErrAlreadyUp, st.Dir, st.ReadyAt.Format(time.TimeOnly))
		}
		return fmt.Errorf("%w in %s (phase %s); run `gitshift lab down` first", ErrAlreadyUp, st.Dir, st.Phase)
	}
	var live []string
	for _, c := range st.Components {
		if c.Proc.Alive() {
			live = append(live, fmt.Sprintf("%s (pid %d)", c.Name, c.Proc.PID))
		}
	}
	if len(live) > 0 {
		return fmt.Errorf("lab in %s has unsupervised processes left %v; run `gitshift lab down` first", st.Dir, live)
	}
	return nil
}

// prepare provisions binaries and writes everything the supervisor needs.
// It returns holding the machine's port lock (lockPorts): the caller
// releases it once the components listen.
func prepare(ctx context.Context, o Options) (plan *Plan, unlock func(), err error) {
	// Ports first: a busy fixed port fails in a second, not after a tool
	// build. The ports are picked again below, under the lock.
	if _, err := allocatePorts(NewPortAllocator(), o.Fixed, previousPorts(o.Dir), o.Meshsim, o.Istiod, o.Controllers); err != nil {
		return nil, nil, err
	}
	var components []string
	if o.Istiod {
		components = append(components, ComponentIstiod)
	}
	bins, assets, err := Provision(ctx, o.RepoRoot, o.CacheDir, o.Progress, components...)
	if err != nil {
		return nil, nil, err
	}
	unlock, err = lockPorts(ctx, portLockPath(), o.Progress)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	ports, err := allocatePorts(NewPortAllocator(), o.Fixed, previousPorts(o.Dir), o.Meshsim, o.Istiod, o.Controllers)
	if err != nil {
		return nil, nil, err
	}
	l := Layout{Dir: o.Dir}
	pki, err := GeneratePKI(l.PKIDir())
	if err != nil {
		return nil, nil, err
	}
	plan = &Plan{Layout: l, Ports: ports, Bins: bins, Self: o.Self, Meshsim: o.Meshsim, MeshsimArgs: o.MeshsimArgs, Istiod: o.Istiod,
		Token: pki.AdminToken, PKI: pki, Assets: assets, Example: o.Example, AppFile: o.AppFile,
		RepoName: filepath.Base(o.Example), RepoRoot: o.RepoRoot, Controllers: o.Controllers, PolicyAppFile: o.PolicyAppFile}
	for _, d := range plan.Dirs() {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, nil, fmt.Errorf("creating %s: %w", d, err)
		}
	}
	if err := WriteKubeconfig(l.Kubeconfig(), plan.APIServerURL(), pki, "default"); err != nil {
		return nil, nil, err
	}
	if err := WriteKubeconfig(l.ArgoKubeconfig(), plan.APIServerURL(), pki, ArgoCDNamespace); err != nil {
		return nil, nil, err
	}
	b, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("encoding lab plan: %w", err)
	}
	if err := os.WriteFile(filepath.Join(o.Dir, PlanFile), b, 0o600); err != nil {
		return nil, nil, fmt.Errorf("writing lab plan: %w", err)
	}
	return plan, unlock, nil
}

// allocatePorts checks the fixed ports and picks free ones for the rest.
func allocatePorts(a *PortAllocator, fixed, previous Ports, meshsim, istiod bool, controllers int) (Ports, error) {
	p := fixed
	prev := previous
	p.Controllers = make([]ControllerPorts, controllers)
	prevCtl := func(i int) ControllerPorts {
		if i < len(prev.Controllers) {
			return prev.Controllers[i]
		}
		return ControllerPorts{}
	}
	slots := []struct {
		name string
		v    *int
		prev int
	}{
		{"kube-apiserver", &p.APIServer, prev.APIServer}, {"git-daemon", &p.Git, prev.Git},
		{"prometheus", &p.Prometheus, prev.Prometheus}, {"etcd", &p.Etcd, prev.Etcd},
		{"etcd (peer)", &p.EtcdPeer, prev.EtcdPeer}, {"kube-controller-manager", &p.ControllerManager, prev.ControllerManager},
		{"kube-scheduler", &p.Scheduler, prev.Scheduler}, {"kwok", &p.Kwok, prev.Kwok}, {"redis", &p.Redis, prev.Redis},
		{"argocd-repo-server", &p.RepoServer, prev.RepoServer},
		{"argocd-repo-server (metrics)", &p.RepoServerMetrics, prev.RepoServerMetrics},
		{"argocd-application-controller (metrics)", &p.ControllerMetrics, prev.ControllerMetrics},
		{"injector", &p.Injector, prev.Injector},
	}
	type slot = struct {
		name string
		v    *int
		prev int
	}
	if meshsim {
		slots = append(slots, slot{"meshsim", &p.Meshsim, prev.Meshsim})
	}
	if istiod {
		slots = append(slots, slot{"istiod (http)", &p.Istiod.HTTP, prev.Istiod.HTTP},
			slot{"istiod (xDS)", &p.Istiod.GRPC, prev.Istiod.GRPC},
			slot{"istiod (webhook)", &p.Istiod.Webhook, prev.Istiod.Webhook},
			slot{"istiod (monitoring)", &p.Istiod.Monitoring, prev.Istiod.Monitoring})
	}
	if controllers > 0 {
		slots = append(slots, slot{"notification receiver", &p.Receiver, prev.Receiver})
	}
	for i := range p.Controllers {
		c := &p.Controllers[i]
		slots = append(slots, slot{ControllerName(i) + " (metrics)", &c.Metrics, prevCtl(i).Metrics},
			slot{ControllerName(i) + " (probes)", &c.Probe, prevCtl(i).Probe})
	}
	// Fixed ports first, so that a preferred port never steals one.
	for _, s := range slots {
		if *s.v == 0 {
			continue
		}
		v, err := a.Port(s.name, *s.v)
		if err != nil {
			return Ports{}, err
		}
		*s.v = v
	}
	for _, s := range slots {
		if *s.v != 0 {
			continue
		}
		v, err := a.Prefer(s.name, s.prev)
		if err != nil {
			return Ports{}, err
		}
		*s.v = v
	}
	return p, nil
}

// previousPorts returns the ports of the lab's last plan in dir (zero if none).
func previousPorts(dir string) Ports {
	b, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if err != nil {
		return Ports{}
	}
	var p Plan
	if json.Unmarshal(b, &p) != nil {
		return Ports{}
	}
	return p.Ports
}

// waitSupervisor starts `gitshift lab supervise` detached (own session, so
// it outlives this command and a Ctrl-C) and relays its progress until the
// lab is ready or failed.
func waitSupervisor(ctx context.Context, o Options, st *State) (*State, error) {
	logPath := filepath.Join(o.Dir, "logs", "supervisor.log")
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening supervisor log: %w", err)
	}
	cmd := exec.Command(o.Self, "lab", "supervise", "--dir", o.Dir)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Dir = o.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	lf.Close()
	if err != nil {
		return nil, fmt.Errorf("starting the lab supervisor: %w", err)
	}
	sup := Proc{PID: cmd.Process.Pid, StartTime: procStartTime(cmd.Process.Pid)}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()

	tail := &logFollower{path: logPath, out: o.Progress}
	deadline := time.Now().Add(o.Timeout)
	for {
		tail.poll()
		cur, err := LoadState(o.Dir)
		if err == nil {
			switch cur.Phase {
			case PhaseReady:
				return cur, nil
			case PhaseFailed, PhaseDown:
				<-exited
				tail.poll()
				return cur, fmt.Errorf("lab failed to start: %s\n(logs in %s; `gitshift lab status` shows each component)", cur.Error, filepath.Join(o.Dir, "logs"))
			}
		}
		select {
		case <-exited:
			tail.poll()
			return st, fmt.Errorf("the lab supervisor (pid %d) exited during start-up; see %s", sup.PID, logPath)
		case <-ctx.Done():
			return st, fmt.Errorf("waiting for the lab: %w (it keeps starting in the background; `gitshift lab down` stops it)", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("lab not ready after %s; see %s", o.Timeout, logPath)
		}
	}
}

// logFollower copies what was appended to a file since the last poll.
type logFollower struct {
	path string
	off  int64
	out  io.Writer
}

func (f *logFollower) poll() {
	fh, err := os.Open(f.path)
	if err != nil {
		return
	}
	defer fh.Close()
	if _, err := fh.Seek(f.off, io.SeekStart); err != nil {
		return
	}
	n, _ := io.Copy(f.out, fh)
	f.off += n
}
