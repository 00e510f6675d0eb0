package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// The lab's notification receiver stands in for Slack, Teams or a
// webhook: the supervisor serves it on loopback and appends every POST, one
// JSON line each, to logs/notifications.jsonl, so `make demo` and the
// tests can show what the controller sent.

// Notification is one received message.
type Notification struct {
	Time time.Time       `json:"time"`
	Path string          `json:"path"`
	Body json.RawMessage `json:"body"`
}

// receiver appends the messages it gets to a file.
type receiver struct {
	mu  sync.Mutex
	out *os.File
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil || !json.Valid(b) {
		http.Error(w, "want a JSON body", http.StatusBadRequest)
		return
	}
	line, _ := json.Marshal(Notification{Time: time.Now().UTC(), Path: req.URL.Path, Body: b})
	r.mu.Lock()
	_, err = r.out.Write(append(line, '\n'))
	r.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// startReceiver serves the receiver on the plan's port until the
// supervisor stops it.
func (s *Supervisor) startReceiver() error {
	f, err := os.OpenFile(s.Plan.Layout.NotificationsLog(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("opening the notifications log: %w", err)
	}
	ln, err := net.Listen("tcp", addr(s.Plan.Ports.Receiver))
	if err != nil {
		f.Close()
		return fmt.Errorf("notification receiver: %w", err)
	}
	srv := &http.Server{Handler: &receiver{out: f}, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.progressf("notification receiver: %v", err)
		}
	}()
	s.mu.Lock()
	s.stopReceiver = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		f.Close()
	}
	s.mu.Unlock()
	return nil
}

// ReadNotifications reads the lab's notifications log (none when absent).
func ReadNotifications(path string) ([]Notification, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading notifications: %w", err)
	}
	defer f.Close()
	var out []Notification
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 2<<20)
	for sc.Scan() {
		var n Notification
		if err := json.Unmarshal(sc.Bytes(), &n); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, n)
	}
	return out, sc.Err()
}
