package adapt

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/gitshift/gitshift/internal/rollout"
)

// AppEvents records each commit and decision as a Kubernetes Event on the
// Argo CD Application, so `kubectl describe application` and the Argo CD UI
// show the rollout's story next to the sync history.
type AppEvents struct {
	Core      kubernetes.Interface
	Namespace string // the Application's namespace
	App       string
	UID       string // optional; links the Event to this Application object
	Host      string // reporting instance (runner identity)
	Log       *slog.Logger
}

var _ rollout.EventSink = AppEvents{}

// Emit creates an Event for commits, decisions and the end; analysis looks
// and phase changes would flood the object and are left to the live view.
func (a AppEvents) Emit(ctx context.Context, ev rollout.Event) {
	var reason, msg string
	warning := false
	switch ev.Type {
	case rollout.EventCommit:
		reason = "RolloutCommit"
		msg = fmt.Sprintf("rollout %s step %d/%d: pushed %.10s (%s)", ev.Rollout, ev.Step, ev.Steps, ev.SHA, rollout.FormatWeights(ev.Weights))
	case rollout.EventDecision:
		reason = "Rollout" + title(string(ev.Decision))
		msg = fmt.Sprintf("rollout %s step %d/%d: %s: %s", ev.Rollout, ev.Step, ev.Steps, ev.Decision, ev.Reason)
		switch ev.Decision {
		case rollout.DecisionRollback, rollout.DecisionAbort, rollout.DecisionStop, rollout.DecisionPause:
			warning = true
		}
	case rollout.EventDone:
		reason = "Rollout" + ev.Phase.String()
		msg = fmt.Sprintf("rollout %s ended %s: %s", ev.Rollout, ev.Phase, ev.Reason)
		warning = ev.Phase != rollout.Promoted
	default:
		return
	}
	typ := corev1.EventTypeNormal
	if warning {
		typ = corev1.EventTypeWarning
	}
	if len(msg) > 1000 {
		msg = msg[:997] + "..."
	}
	now := metav1.NewTime(ev.Time)
	e := &corev1.Event{
		// Named like kubectl's events: object name and a unique hex suffix.
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x%04x", a.App, time.Now().UnixNano(), rand.IntN(1<<16)), Namespace: a.Namespace},
		InvolvedObject: corev1.ObjectReference{APIVersion: "argoproj.io/v1alpha1", Kind: "Application",
			Namespace: a.Namespace, Name: a.App, UID: typesUID(a.UID)},
		Reason: reason, Message: msg, Type: typ,
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
		Source:              corev1.EventSource{Component: "gitshift"},
		ReportingController: "gitshift.dev/rollout", ReportingInstance: a.Host,
	}
	// Events are best effort: a refused or failed Event must not stop a
	// rollout whose state is in Git anyway.
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := a.Core.CoreV1().Events(a.Namespace).Create(cctx, e, metav1.CreateOptions{}); err != nil && a.Log != nil {
		a.Log.Warn("recording a Kubernetes Event on the Application", "err", err)
	}
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
