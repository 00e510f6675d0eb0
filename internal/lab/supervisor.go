package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// PlanFile is the plan `up` hands to the supervisor, in the lab directory.
const PlanFile = "plan.json"

// StopGrace is how long a component gets between SIGTERM and SIGKILL.
const StopGrace = 10 * time.Second

// Supervisor starts the lab's components in order, applies the cluster
// content between them, then waits on the children and records every exit in
// the state file until its context ends; then it stops them in reverse order.
type Supervisor struct {
	Plan     *Plan
	State    *State
	Progress io.Writer

	mu           sync.Mutex
	cluster      *Cluster
	chart        *Chart // gitshift's chart, rendered once the API server runs
	injectorCA   []byte
	istiodCA     []byte                   // trust anchor of istiod's webhook certificate
	running      map[string]chan struct{} // closed when the child's Wait returns
	stopReceiver func()

	// lifecycle orders restarts against stopAll: once stopping is set, no
	// component is started again.
	lifecycle sync.Mutex
	stopping  bool
}

// LoadSupervisor reads the plan and state that `up` wrote into dir.
func LoadSupervisor(dir string, progress io.Writer) (*Supervisor, error) {
	b, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if err != nil {
		return nil, fmt.Errorf("reading lab plan: %w", err)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decoding lab plan: %w", err)
	}
	st, err := LoadState(dir)
	if err != nil {
		return nil, err
	}
	return &Supervisor{Plan: &p, State: st, Progress: progress}, nil
}

// Run brings the lab up and supervises it until ctx is cancelled. It returns
// an error if the bring-up failed (after stopping what it had started).
func (s *Supervisor) Run(ctx context.Context) error {
	s.running = map[string]chan struct{}{}
	s.mu.Lock()
	s.State.Supervisor = Proc{PID: os.Getpid(), StartTime: procStartTime(os.Getpid())}
	s.State.Phase = PhaseStarting
	s.mu.Unlock()
	s.save()

	err := s.bringUp(ctx)
	if err == nil && ctx.Err() == nil {
		now := time.Now()
		s.mu.Lock()
		s.State.Phase = PhaseReady
		s.State.ReadyAt = &now
		s.mu.Unlock()
		s.save()
		s.progressf("ready in %s", now.Sub(s.State.StartedAt).Round(100*time.Millisecond))
		<-ctx.Done()
	}
	if err == nil && ctx.Err() != nil && s.State.Phase != PhaseReady {
		err = fmt.Errorf("bring-up interrupted: %w", ctx.Err())
	}
	s.mu.Lock()
	if err != nil {
		s.State.Phase, s.State.Error = PhaseFailed, err.Error()
	} else {
		s.State.Phase = PhaseStopping
	}
	s.mu.Unlock()
	s.save()
	s.stopAll()
	s.mu.Lock()
	if s.stopReceiver != nil {
		s.stopReceiver()
	}
	if err == nil {
		s.State.Phase = PhaseDown
	}
	s.mu.Unlock()
	s.save()
	return err
}

func (s *Supervisor) bringUp(ctx context.Context) error {
	probes := s.Plan.Probes()
	for _, spec := range s.Plan.Specs() {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		if h := beforeStart[spec.Name]; h != nil {
			if err := h(ctx, s); err != nil {
				return fmt.Errorf("preparing %s: %w", spec.Name, err)
			}
		}
		if err := s.start(spec); err != nil {
			return err
		}
		if err := s.waitReady(ctx, spec.Name, probes[spec.Name], readyTimeout(spec.Name)); err != nil {
			return err
		}
		s.progressf("%-30s ready (%s)", spec.Name, time.Since(start).Round(100*time.Millisecond))
		if h := afterReady[spec.Name]; h != nil {
			if err := h(ctx, s); err != nil {
				return err
			}
		}
	}
	return s.applyApplication(ctx)
}

func readyTimeout(name string) time.Duration {
	switch name {
	case "kube-apiserver", "kube-controller-manager", "argocd-application-controller", ComponentIstiod:
		return 3 * time.Minute
	}
	return 90 * time.Second
}

// start launches one child and a goroutine recording its exit.
func (s *Supervisor) start(spec ProcSpec) error {
	l := s.Plan.Layout
	s.mu.Lock()
	c := s.State.Component(spec.Name)
	if c == nil {
		c = &Component{Name: spec.Name}
		s.State.Components = append(s.State.Components, c)
	}
	c.Log, c.PIDFile, c.Command = l.Log(spec.Name), l.PIDFile(spec.Name), commandLine(spec)
	c.Status, c.ExitCode = "starting", nil
	s.mu.Unlock()
	cmd, proc, err := startProc(spec, l.Dir, c.Log, c.PIDFile)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	s.mu.Lock()
	c.Proc = proc
	s.running[spec.Name] = done
	s.mu.Unlock()
	s.save()
	go func() {
		werr := cmd.Wait()
		code := exitCodeOf(cmd, werr)
		s.mu.Lock()
		c.Status, c.ExitCode = "exited", &code
		stopping := s.State.Phase == PhaseStopping || s.State.Phase == PhaseFailed
		s.mu.Unlock()
		close(done)
		if !stopping {
			s.progressf("%s exited with code %d (log %s)", spec.Name, code, c.Log)
		}
		s.save()
		if spec.Restart && !stopping {
			s.restart(spec, c)
		}
	}()
	return nil
}

// restartDelay is the pause before a component is started again.
const restartDelay = time.Second

// restart starts spec again after restartDelay unless the lab is stopping
// by then (a component started before stopAll took the lifecycle lock is
// one stopAll stops).
func (s *Supervisor) restart(spec ProcSpec, c *Component) {
	time.Sleep(restartDelay)
	s.lifecycle.Lock()
	defer s.lifecycle.Unlock()
	if s.stopping {
		return
	}
	if err := s.start(spec); err != nil {
		s.progressf("restarting %s: %v", spec.Name, err)
		return
	}
	s.mu.Lock()
	c.Restarts++
	s.mu.Unlock()
	s.save()
	s.progressf("%s restarted (restart %d)", spec.Name, c.Restarts)
}

// exitCodeOf returns the child's exit code, or 128+signal when a signal
// ended it (as shells report it: 137 = SIGKILL, 143 = SIGTERM).
func exitCodeOf(cmd *exec.Cmd, err error) int {
	if ps := cmd.ProcessState; ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ps.ExitCode()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

// waitReady polls probe until it succeeds, the child exits, or timeout.
func (s *Supervisor) waitReady(ctx context.Context, name string, probe Probe, timeout time.Duration) error {
	s.mu.Lock()
	done, c := s.running[name], s.State.Component(name)
	s.mu.Unlock()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = probe(pctx)
		cancel()
		if last == nil {
			s.mu.Lock()
			c.Status = "ready"
			s.mu.Unlock()
			s.save()
			return nil
		}
		select {
		case <-done:
			return &ComponentError{Name: name, Log: c.Log, Msg: fmt.Sprintf("exited with code %d before it was ready", derefInt(c.ExitCode)), Tail: tailFile(c.Log, 12)}
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return &ComponentError{Name: name, Log: c.Log, Msg: fmt.Sprintf("not ready after %s: %v", timeout, last), Tail: tailFile(c.Log, 12)}
		}
	}
}

// ComponentError reports a component that failed to start, with its log.
type ComponentError struct {
	Name, Log, Msg, Tail string
}

func (e *ComponentError) Error() string {
	return fmt.Sprintf("%s %s (log %s):\n%s", e.Name, e.Msg, e.Log, e.Tail)
}

func derefInt(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// stopAll stops the started children in reverse start order.
func (s *Supervisor) stopAll() {
	s.lifecycle.Lock()
	s.stopping = true
	s.lifecycle.Unlock()
	s.mu.Lock()
	comps := append([]*Component(nil), s.State.Components...)
	s.mu.Unlock()
	for i := len(comps) - 1; i >= 0; i-- {
		c := comps[i]
		s.mu.Lock()
		done := s.running[c.Name]
		s.mu.Unlock()
		if done == nil {
			continue
		}
		if h := beforeStop[c.Name]; h != nil {
			hctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := h(hctx, s); err != nil {
				s.progressf("before stopping %s: %v", c.Name, err)
			}
			cancel()
		}
		if err := c.Proc.Stop(context.Background(), StopGrace); err != nil {
			s.progressf("stopping %s: %v", c.Name, err)
		}
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
}

func (s *Supervisor) save() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.State.Save(); err != nil {
		s.progressf("warning: %v", err)
	}
}

func (s *Supervisor) progressf(format string, args ...any) {
	if s.Progress != nil {
		fmt.Fprintf(s.Progress, "lab: "+format+"\n", args...)
	}
}
