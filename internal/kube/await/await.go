// Package await waits until one Kubernetes object satisfies a condition. It
// reads the object once, then watches it from that resourceVersion, so a
// change arrives within milliseconds of the write instead of at the next
// poll; it re-reads and re-watches when the server ends a watch, and falls
// back to polling (saying so in the log) when a watch cannot be opened, e.g.
// when RBAC grants get but not watch.
//
// argocd waits for an Application's sync with it, and kube for the live
// VirtualService's weights: one implementation of "watch, else poll".
package await

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// Cond looks at the object as it is now (nil when it does not exist) and
// says whether the wait is over. An error ends the wait with that error.
type Cond func(u *unstructured.Unstructured) (done bool, err error)

// Options tune a wait; the zero value is usable.
type Options struct {
	// Poll is the interval of the fallback poll (default 1s).
	Poll time.Duration
	// WatchTimeout asks the server to end each watch after this long
	// (default 60s); the wait then re-reads and re-watches.
	WatchTimeout time.Duration
	// Log receives the fallback warning (default slog.Default()).
	Log *slog.Logger
	// Sleep waits between polls (default: a timer); tests count the polls.
	Sleep func(ctx context.Context, d time.Duration) error
	// What names the object in logs, e.g. "Application argocd/bookinfo".
	What string
}

func (o Options) withDefaults(name string) Options {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.WatchTimeout <= 0 {
		o.WatchTimeout = time.Minute
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.What == "" {
		o.What = name
	}
	return o
}

// Until waits until cond holds for the object name of ri, or ctx ends (then
// it returns an error wrapping ctx.Err()). Errors from reading the object
// are returned as the client gave them, for the caller to classify.
func Until(ctx context.Context, ri dynamic.ResourceInterface, name string, cond Cond, o Options) error {
	o = o.withDefaults(name)
	warned := false
	for {
		u, err := ri.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			u, err = nil, nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("waiting for %s: %w", o.What, ctx.Err())
			}
			return err
		}
		if done, err := cond(u); done || err != nil {
			return err
		}
		rv := ""
		if u != nil {
			rv = u.GetResourceVersion()
		}
		done, err := watchUntil(ctx, ri, name, rv, cond, o.WatchTimeout)
		if done || (err != nil && !errors.Is(err, errWatch)) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("waiting for %s: %w", o.What, ctx.Err())
		}
		if err == nil {
			continue // the server ended the watch: re-read, re-watch
		}
		// A watch refused: poll, and say so once, loudly enough to notice
		// why steps got slower.
		if !warned {
			o.Log.Warn("cannot watch, polling instead", "object", o.What, "every", o.Poll, "err", err)
			warned = true
		}
		if err := o.Sleep(ctx, o.Poll); err != nil {
			return fmt.Errorf("waiting for %s: %w", o.What, err)
		}
	}
}

// errWatch marks a watch that could not be opened (as opposed to one that
// ended): the caller polls instead.
var errWatch = errors.New("watch not possible")

// watchUntil streams changes to one object from resourceVersion rv until
// cond holds, the watch ends (server timeout, "resource version too old":
// the caller re-reads), or ctx ends.
func watchUntil(ctx context.Context, ri dynamic.ResourceInterface, name, rv string, cond Cond, timeout time.Duration) (bool, error) {
	secs := int64(timeout / time.Second)
	w, err := ri.Watch(ctx, metav1.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector("metadata.name", name).String(),
		ResourceVersion: rv,
		TimeoutSeconds:  &secs,
	})
	if err != nil {
		if ctx.Err() != nil {
			return false, nil
		}
		return false, fmt.Errorf("%w: %w", errWatch, err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false, nil
			}
			var u *unstructured.Unstructured
			switch ev.Type {
			case watch.Added, watch.Modified:
				var isU bool
				if u, isU = ev.Object.(*unstructured.Unstructured); !isU || u.GetName() != name {
					continue
				}
			case watch.Deleted:
				u = nil
			case watch.Error:
				return false, nil
			default:
				continue // bookmarks
			}
			if done, err := cond(u); done || err != nil {
				return done, err
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
