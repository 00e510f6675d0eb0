package adapt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/gitshift/gitshift/internal/redact"
	"github.com/gitshift/gitshift/internal/rollout"
)

func typesUID(s string) types.UID { return types.UID(s) }

// Webhooks posts the event as JSON to the policy's webhook URLs. A non-2xx
// answer is an error (the engine applies the failure policy for beforeStep
// and afterStep).
type Webhooks struct {
	URLs   map[rollout.HookPoint]string
	Client *http.Client
}

var _ rollout.Hooks = Webhooks{}

// HookPayload is the body of a webhook call.
type HookPayload struct {
	Hook  rollout.HookPoint `json:"hook"`
	Event rollout.Event     `json:"event"`
}

// Call posts to the URL for point, if any.
func (w Webhooks) Call(ctx context.Context, point rollout.HookPoint, ev rollout.Event) error {
	url := w.URLs[point]
	if url == "" {
		return nil
	}
	return post(ctx, w.client(), url, HookPayload{Hook: point, Event: ev})
}

func (w Webhooks) client() *http.Client {
	if w.Client != nil {
		return w.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

func post(ctx context.Context, c *http.Client, url string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return redact.Error(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "gitshift")
	resp, err := c.Do(req)
	if err != nil {
		return redact.Error(err) // *url.Error quotes the URL, with any ?token=
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("%s answered %s: %s", redact.URL(url), resp.Status, bytes.TrimSpace(snippet))
	}
	return nil
}

// Notifier posts every decision and the end of the rollout to the policy's
// notificationURL, best effort (a chat webhook, an incident tool).
type Notifier struct {
	URL    string
	Client *http.Client
	Log    *slog.Logger
}

var _ rollout.EventSink = Notifier{}

// Emit posts decision, commit and done events.
func (n Notifier) Emit(ctx context.Context, ev rollout.Event) {
	if n.URL == "" || (ev.Type != rollout.EventDecision && ev.Type != rollout.EventDone && ev.Type != rollout.EventCommit) {
		return
	}
	c := n.Client
	if c == nil {
		c = &http.Client{Timeout: 5 * time.Second}
	}
	if err := post(ctx, c, n.URL, ev); err != nil && n.Log != nil {
		n.Log.Warn("notification", "err", err)
	}
}
