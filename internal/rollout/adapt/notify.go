package adapt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gitshift/gitshift/internal/rollout"
	"github.com/gitshift/gitshift/internal/rollout/policy"
)

// Receiver is one resolved notification target (its URL read from the
// policy or its Secret).
type Receiver struct {
	Type policy.NotificationType
	URL  string
	// On lists the decisions sent; empty sends all.
	On []string
}

// Dispatcher posts notifications from a bounded queue with a few workers
// and a timeout per request: Send never blocks, so a receiver that hangs
// or fails delays no rollout step (a full queue drops the message and says
// so in the log and Dropped). One Dispatcher serves many policies.
type Dispatcher struct {
	client  *http.Client
	timeout time.Duration
	queue   chan delivery
	log     *slog.Logger
	wg      sync.WaitGroup
	once    sync.Once
	// Sent, Failed and Dropped count deliveries (for metrics and tests).
	Sent, Failed, Dropped atomic.Int64
}

type delivery struct {
	url  string // never logged: it may carry a token
	kind policy.NotificationType
	body []byte
}

// DispatcherOptions tune a Dispatcher; the zero value is usable.
type DispatcherOptions struct {
	Client  *http.Client  // default: a client with Timeout
	Timeout time.Duration // per request (default 5s)
	Queue   int           // queued messages (default 256)
	Workers int           // concurrent requests (default 4)
	Log     *slog.Logger
}

// NewDispatcher starts the workers; Close stops them.
func NewDispatcher(o DispatcherOptions) *Dispatcher {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Queue <= 0 {
		o.Queue = 256
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.Timeout}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d := &Dispatcher{client: o.Client, timeout: o.Timeout, queue: make(chan delivery, o.Queue), log: o.Log}
	for i := 0; i < o.Workers; i++ {
		d.wg.Add(1)
		go d.work()
	}
	return d
}

func (d *Dispatcher) work() {
	defer d.wg.Done()
	for m := range d.queue {
		ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
		err := d.post(ctx, m)
		cancel()
		if err != nil {
			d.Failed.Add(1)
			d.log.Warn("notification not delivered", "type", m.kind, "err", err)
			continue
		}
		d.Sent.Add(1)
	}
}

func (d *Dispatcher) post(ctx context.Context, m delivery) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url, bytes.NewReader(m.body))
	if err != nil {
		return fmt.Errorf("invalid receiver URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gitshift")
	resp, err := d.client.Do(req)
	if err != nil {
		// *url.Error quotes the URL, which may hold a token: keep the cause only.
		if ctx.Err() != nil {
			return fmt.Errorf("no answer within %s", d.timeout)
		}
		return fmt.Errorf("%s receiver unreachable", m.kind)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s receiver answered %s", m.kind, resp.Status)
	}
	return nil
}

// Send queues a message without blocking.
func (d *Dispatcher) Send(kind policy.NotificationType, url string, body []byte) {
	select {
	case d.queue <- delivery{url: url, kind: kind, body: body}:
	default:
		d.Dropped.Add(1)
		d.log.Warn("notification queue full: message dropped", "type", kind)
	}
}

// Close stops accepting messages and waits up to wait for the queued ones
// (the CLI's last decision should still go out before it exits).
func (d *Dispatcher) Close(wait time.Duration) {
	d.once.Do(func() { close(d.queue) })
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
	}
}

// Notifications is the engine's sink for one policy's receivers: one
// message per decision, in each receiver's format, with the evidence of
// the analysis the decision was taken on.
type Notifications struct {
	Policy    string // namespace/name of the CanaryPolicy
	Receivers []Receiver
	Out       *Dispatcher

	mu   sync.Mutex
	last *rollout.Analysis
}

var _ rollout.EventSink = (*Notifications)(nil)

// Emit keeps analyses (the next decision's evidence) and sends decisions.
func (n *Notifications) Emit(_ context.Context, ev rollout.Event) {
	if n == nil {
		return
	}
	n.mu.Lock()
	switch ev.Type {
	case rollout.EventAnalysis:
		n.last = ev.Analysis
		n.mu.Unlock()
		return
	case rollout.EventDecision:
	default:
		n.mu.Unlock()
		return
	}
	ev.Analysis = n.last
	if ev.Decision != rollout.DecisionHold {
		n.last = nil // the next step starts its own evidence
	}
	n.mu.Unlock()
	msg := NewMessage(n.Policy, ev)
	for _, r := range n.Receivers {
		if len(r.On) > 0 && !slices.Contains(r.On, string(ev.Decision)) {
			continue
		}
		body, err := msg.Format(r.Type)
		if err != nil {
			continue
		}
		n.Out.Send(r.Type, r.URL, body)
	}
}

func marshal(v any) ([]byte, error) { return json.Marshal(v) }
