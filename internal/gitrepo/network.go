package gitrepo

import (
	"context"
	"strconv"
	"time"
)

// DefaultTimeout bounds a clone, fetch or push when Repo.Timeout (or
// CloneOptions.Timeout) is 0. A shallow clone of a manifests repository
// takes seconds; a minute leaves room for a slow link.
const DefaultTimeout = 60 * time.Second

func (r *Repo) timeout() time.Duration {
	if r.Timeout == 0 {
		return DefaultTimeout
	}
	return r.Timeout
}

// network runs a git command that talks to a remote within r's time limit.
// Besides killing git at the deadline, it tells curl to give up on a
// transfer that stalls as long, so an HTTP helper git started does not
// linger either.
func (r *Repo) network(ctx context.Context, step string, args ...string) (string, error) {
	d := r.timeout()
	if d < 0 {
		return r.run(ctx, nil, args...)
	}
	tctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	secs := strconv.Itoa(max(1, int(d.Seconds())))
	out, err := r.exec(tctx, nil, [][2]string{{"http.lowSpeedLimit", "1"}, {"http.lowSpeedTime", secs}}, args...)
	if err != nil && ctx.Err() == nil && tctx.Err() != nil {
		return out, &TimeoutError{Step: step, After: d, Err: err}
	}
	return trimNL(out), err
}

func trimNL(s string) string {
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	return s
}

// remoteDescription names remote for a message: its URL, redacted, read
// even when ctx is done (a message must never show an empty URL), else
// the remote's name.
func (r *Repo) remoteDescription(ctx context.Context, remote string) string {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if u, err := r.RemoteURL(rctx, remote); err == nil && u != "" {
		return r.redact(u)
	}
	return remote
}
