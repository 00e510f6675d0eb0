package lab

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Probe reports nil once a component serves.
type Probe func(ctx context.Context) error

// httpProbe succeeds on a 200 from url; token, when set, is sent as bearer.
// TLS is not verified: the probe only asks whether the server is up.
func httpProbe(url, token string) Probe {
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // loopback liveness probe
	}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
}

// tcpProbe succeeds once addr accepts connections.
func tcpProbe(addr string) Probe {
	return func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

// redisProbe succeeds once redis answers PING with PONG.
func redisProbe(addr string) Probe {
	return func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			return err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "+PONG") {
			return fmt.Errorf("redis answered %q", strings.TrimSpace(line))
		}
		return nil
	}
}

// Probes returns each component's readiness probe.
func (p *Plan) Probes() map[string]Probe {
	pt := p.Ports
	probes := map[string]Probe{
		"etcd":                          httpProbe("http://"+addr(pt.Etcd)+"/health", ""),
		"kube-apiserver":                httpProbe(p.APIServerURL()+"/readyz", p.Token),
		"kube-controller-manager":       httpProbe("https://"+addr(pt.ControllerManager)+"/healthz", ""),
		"kube-scheduler":                httpProbe("https://"+addr(pt.Scheduler)+"/healthz", ""),
		"kwok":                          httpProbe("http://"+addr(pt.Kwok)+"/healthz", ""),
		"injector":                      httpProbe("https://"+addr(pt.Injector)+"/healthz", ""),
		"redis":                         redisProbe(addr(pt.Redis)),
		"git-daemon":                    tcpProbe(addr(pt.Git)),
		"argocd-repo-server":            tcpProbe(addr(pt.RepoServer)),
		"argocd-application-controller": httpProbe("http://"+addr(pt.ControllerMetrics)+"/metrics", ""),
		"meshsim":                       httpProbe("http://"+addr(pt.Meshsim)+"/healthz", ""),
		"prometheus":                    httpProbe(p.PrometheusURL()+"/-/ready", ""),
	}
	// A replica is ready once its informers synced: also a standby, and
	// only with RBAC that lets it list and watch what it reconciles.
	for _, c := range p.controllerEndpoints() {
		probes[c.Name] = httpProbe(c.Probes+"/readyz", "")
	}
	if p.Istiod {
		probes[ComponentIstiod] = istiodProbe(p)
	}
	return probes
}
