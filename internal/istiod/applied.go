package istiod

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Want is the object as the API server holds it.
type Want struct {
	Kind            string // e.g. VirtualService
	Namespace, Name string
	ResourceVersion string
	// WrittenAt is when the API server last wrote it (managedFields, one
	// second resolution); zero when unknown. A route push sent before it
	// cannot carry the write.
	WrittenAt time.Time
}

func (w Want) ref() string { return w.Kind + " " + w.Namespace + "/" + w.Name }

// State is the control plane's verdict on one object.
type State string

const (
	// Applied: istiod holds the live resourceVersion, and every connected
	// proxy acknowledged a route push sent since the object was written.
	Applied State = "applied"
	// Pending: istiod holds an older version, or a push is not sent or
	// not acknowledged yet (Status.Pending says which).
	Pending State = "pending"
	// NoProxies: istiod holds the live version but no proxy is connected
	// to this istiod, so nothing acknowledged it (with several replicas a
	// port-forward reaches one of them).
	NoProxies State = "no-proxies"
)

// Status is the control plane's view of one object.
type Status struct {
	State State `json:"state"`
	// Held is the resourceVersion istiod holds ("" when it holds none).
	Held    string `json:"heldResourceVersion,omitempty"`
	Proxies int    `json:"proxies"`
	// Acked counts proxies with nothing pending.
	Acked int `json:"acked"`
	// LastRoutePush is the latest route push istiod sent to any proxy, and
	// PushVersion its push version.
	LastRoutePush time.Time `json:"lastRoutePush,omitempty"`
	PushVersion   string    `json:"pushVersion,omitempty"`
	// Pending says what is pending, one line per proxy or object.
	Pending []string `json:"pending,omitempty"`
}

// Summary is Status in one line.
func (s Status) Summary() string {
	switch s.State {
	case Applied:
		return fmt.Sprintf("istiod holds resourceVersion %s; %d/%d proxies acknowledged the push (%s)", s.Held, s.Acked, s.Proxies, s.PushVersion)
	case NoProxies:
		return fmt.Sprintf("istiod holds resourceVersion %s, but no proxy is connected to it", s.Held)
	}
	return "pending: " + strings.Join(s.Pending, "; ")
}

// Status reads configz and syncz and evaluates want.
func (c *Client) Status(ctx context.Context, want Want) (Status, error) {
	cfgs, err := c.Configs(ctx)
	if err != nil {
		return Status{}, err
	}
	syncs, err := c.Sync(ctx)
	if err != nil {
		return Status{}, err
	}
	return Evaluate(cfgs, syncs, want), nil
}

// Evaluate decides whether the control plane applied want: istiod holds
// its resourceVersion, and every proxy acknowledged the last push of every
// xDS type it watches, the route push sent no earlier than the write.
func Evaluate(cfgs []Config, syncs []ProxySync, want Want) Status {
	var st Status
	for _, c := range cfgs {
		if c.Kind == want.Kind && c.Namespace == want.Namespace && c.Name == want.Name {
			st.Held = c.ResourceVersion
		}
	}
	st.Proxies = len(syncs)
	for _, p := range syncs {
		if rt, ok := p.Resources[RouteType]; ok && rt.SentTime.After(st.LastRoutePush) {
			st.LastRoutePush, st.PushVersion = rt.SentTime, PushVersion(rt.Sent)
		}
	}
	switch {
	case st.Held == "":
		st.State = Pending
		st.Pending = []string{"istiod does not hold " + want.ref() + " yet"}
		return st
	case st.Held != want.ResourceVersion:
		st.State = Pending
		st.Pending = []string{fmt.Sprintf("istiod holds %s at resourceVersion %s, the API server at %s",
			want.ref(), st.Held, want.ResourceVersion)}
		return st
	case len(syncs) == 0:
		st.State = NoProxies
		return st
	}
	for _, p := range syncs {
		lines := proxyPending(p, want.WrittenAt)
		if len(lines) == 0 {
			st.Acked++
		}
		st.Pending = append(st.Pending, lines...)
	}
	st.State = Applied
	if st.Acked < st.Proxies {
		st.State = Pending
	}
	return st
}

// proxyPending lists what one proxy has not acknowledged.
func proxyPending(p ProxySync, writtenAt time.Time) []string {
	rt, ok := p.Resources[RouteType]
	if !ok {
		return []string{"proxy " + p.Proxy + ": has no routes from istiod"}
	}
	var out []string
	types := make([]string, 0, len(p.Resources))
	for t := range p.Resources {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		s := p.Resources[t]
		switch {
		case s.LastError != "":
			out = append(out, fmt.Sprintf("proxy %s: rejected %s push %s: %s", p.Proxy, shortType(t), PushVersion(s.Sent), s.LastError))
		case s.Pending():
			out = append(out, fmt.Sprintf("proxy %s: %s push %s not acknowledged", p.Proxy, shortType(t), PushVersion(s.Sent)))
		}
	}
	if !writtenAt.IsZero() && rt.SentTime.Before(writtenAt) {
		out = append(out, fmt.Sprintf("proxy %s: no route push since the write at %s (last %s)",
			p.Proxy, writtenAt.UTC().Format(time.RFC3339), rt.SentTime.UTC().Format(time.RFC3339Nano)))
	}
	return out
}

// shortType names an xDS type the way istioctl proxy-status does.
func shortType(typeURL string) string {
	switch typeURL {
	case RouteType:
		return "RDS"
	case ListenerType:
		return "LDS"
	case ClusterType:
		return "CDS"
	case EndpointType:
		return "EDS"
	}
	return typeURL[strings.LastIndexByte(typeURL, '/')+1:]
}

// WantFor is want for a live object read from the API server: its
// resourceVersion, and its last write (the newest managedFields time, else
// its creation). Status writes do not count: istiod pushes nothing for
// them (and writes some itself, with PILOT_ENABLE_STATUS).
func WantFor(u *unstructured.Unstructured) Want {
	w := Want{Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName(), ResourceVersion: u.GetResourceVersion()}
	for _, mf := range u.GetManagedFields() {
		if mf.Time != nil && mf.Subresource != "status" && mf.Time.After(w.WrittenAt) {
			w.WrittenAt = mf.Time.Time
		}
	}
	if w.WrittenAt.IsZero() {
		w.WrittenAt = u.GetCreationTimestamp().Time
	}
	return w
}
