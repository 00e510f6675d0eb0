// Package istiod reads what Istio's control plane says it has applied,
// from istiod's debug HTTP endpoints (served on --httpAddr, port 8080 in a
// real install, while ENABLE_DEBUG_ON_HTTP is on, Istio's default):
//
//   - /debug/configz: every config object istiod holds, with the
//     resourceVersion it last read from the API server;
//   - /debug/syncz: per connected proxy and xDS type, the nonce istiod last
//     sent and the one the proxy last acknowledged (ACK), and when it sent.
//
// Together they answer "has the control plane applied this
// VirtualService": istiod holds the live resourceVersion, pushed routes
// since it was written, and every connected proxy acknowledged the push.
// That is istiod's view of its proxies, not traffic.
package istiod

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client reads one istiod's debug endpoints.
type Client struct {
	base string // scheme://host:port, without /debug
	http *http.Client
}

// New returns a client for istiod's debug server at rawURL, e.g.
// http://127.0.0.1:8080 (a /debug suffix is accepted).
func New(rawURL string) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("istiod debug URL %q: want http://HOST:PORT (istiod's --httpAddr, 8080 by default)", rawURL)
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/debug")
	u.RawQuery, u.Fragment = "", ""
	return &Client{base: strings.TrimSuffix(u.String(), "/"), http: &http.Client{Timeout: 10 * time.Second}}, nil
}

// URL is the debug server's base URL.
func (c *Client) URL() string { return c.base }

// ErrUnreachable marks istiod's debug server not answering (connection
// refused, timeout), as opposed to an answer gitshift cannot read.
var ErrUnreachable = errors.New("istiod's debug server is unreachable")

// Config is one object istiod holds (configz).
type Config struct {
	Kind            string
	Namespace, Name string
	ResourceVersion string
	Generation      int64
}

type configzItem struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Namespace       string `json:"namespace"`
		Name            string `json:"name"`
		ResourceVersion string `json:"resourceVersion"`
		Generation      int64  `json:"generation"`
	} `json:"metadata"`
}

// Configs reads /debug/configz.
func (c *Client) Configs(ctx context.Context) ([]Config, error) {
	var items []configzItem
	if err := c.get(ctx, "/debug/configz", &items); err != nil {
		return nil, err
	}
	return decodeConfigs(items), nil
}

func decodeConfigs(items []configzItem) []Config {
	out := make([]Config, 0, len(items))
	for _, it := range items {
		out = append(out, Config{Kind: it.Kind, Namespace: it.Metadata.Namespace, Name: it.Metadata.Name,
			ResourceVersion: it.Metadata.ResourceVersion, Generation: it.Metadata.Generation})
	}
	return out
}

// TypeSync is one xDS type's state for a proxy.
type TypeSync struct {
	Sent      string    `json:"sent,omitempty"`  // nonce istiod last sent
	Acked     string    `json:"acked,omitempty"` // nonce the proxy last ACKed
	SentTime  time.Time `json:"sentTime,omitempty"`
	LastError string    `json:"lastError,omitempty"` // the proxy's last NACK
}

// Pending is true while the proxy has not acknowledged the last push.
func (t TypeSync) Pending() bool { return t.Sent != "" && t.Sent != t.Acked }

// ProxySync is one connected proxy's sync state (syncz).
type ProxySync struct {
	Proxy     string              `json:"proxy"` // name.namespace
	Type      string              `json:"proxy_type,omitempty"`
	ClusterID string              `json:"cluster_id,omitempty"`
	Resources map[string]TypeSync `json:"resources,omitempty"` // by type URL
}

// xDS type URLs istiod reports per proxy.
const (
	RouteType    = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
	ListenerType = "type.googleapis.com/envoy.config.listener.v3.Listener"
	ClusterType  = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	EndpointType = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
)

// Sync reads /debug/syncz.
func (c *Client) Sync(ctx context.Context) ([]ProxySync, error) {
	var out []ProxySync
	if err := c.get(ctx, "/debug/syncz", &out); err != nil {
		return nil, err
	}
	return out, nil
}

// PushVersion is the push a nonce belongs to: istiod makes nonces as the
// push version (RFC 3339 time "/" counter) followed by a 36-character UUID.
func PushVersion(nonce string) string {
	const uuidLen = 36
	if len(nonce) <= uuidLen || !strings.Contains(nonce, "/") {
		return nonce
	}
	return nonce[:len(nonce)-uuidLen]
}

func (c *Client) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return fmt.Errorf("istiod %s: %w", path, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("istiod %s at %s: %w: %w", path, c.base, ErrUnreachable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("istiod %s: reading the answer: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("istiod %s: HTTP %d: %s (is %s istiod's --httpAddr, with ENABLE_DEBUG_ON_HTTP on?)",
			path, resp.StatusCode, firstLine(body), c.base)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("istiod %s: not the JSON istiod serves: %w", path, err)
	}
	return nil
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
