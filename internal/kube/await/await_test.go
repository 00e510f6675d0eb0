package await

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
)

var gvr = schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "things"}

func thing(rv, phase string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "example.com/v1", "kind": "Thing",
		"metadata": map[string]any{"name": "t", "namespace": "ns", "resourceVersion": rv},
		"status":   map[string]any{"phase": phase}}}
}

func phaseIs(want string) Cond {
	return func(u *unstructured.Unstructured) (bool, error) {
		if u == nil {
			return false, nil
		}
		p, _, _ := unstructured.NestedString(u.Object, "status", "phase")
		return p == want, nil
	}
}

// harness is a fake API server whose watches the test scripts: each watch
// call takes the next entry of watches (events to deliver, then closed or
// left open), or fails with watchErr.
type harness struct {
	dyn      *dynamicfake.FakeDynamicClient
	watches  [][]watch.Event
	closeEnd []bool
	watchErr error
	gets     int
	rvs      []string // resourceVersion each watch started from
	polls    []time.Duration
	log      bytes.Buffer
}

func newHarness(t *testing.T, objs ...runtime.Object) *harness {
	t.Helper()
	h := &harness{dyn: dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{gvr: "ThingList"}, objs...)}
	h.dyn.PrependReactor("get", "things", func(k8stesting.Action) (bool, runtime.Object, error) {
		h.gets++
		return false, nil, nil
	})
	h.dyn.PrependWatchReactor("things", func(a k8stesting.Action) (bool, watch.Interface, error) {
		h.rvs = append(h.rvs, a.(k8stesting.WatchActionImpl).WatchRestrictions.ResourceVersion)
		if h.watchErr != nil {
			return true, nil, h.watchErr
		}
		if len(h.watches) == 0 {
			return true, watch.NewFake(), nil // stays open, delivers nothing
		}
		evs, closeIt := h.watches[0], h.closeEnd[0]
		h.watches, h.closeEnd = h.watches[1:], h.closeEnd[1:]
		fw := watch.NewFakeWithChanSize(len(evs), false)
		for _, ev := range evs {
			fw.Action(ev.Type, ev.Object)
		}
		if closeIt {
			fw.Stop()
		}
		return true, fw, nil
	})
	return h
}

func (h *harness) script(closeIt bool, evs ...watch.Event) {
	h.watches = append(h.watches, evs)
	h.closeEnd = append(h.closeEnd, closeIt)
}

func (h *harness) until(ctx context.Context, cond Cond) error {
	o := Options{Poll: time.Hour, What: "Thing ns/t",
		Log: slog.New(slog.NewTextHandler(&h.log, nil)),
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.polls = append(h.polls, d)
			return ctx.Err()
		}}
	return Until(ctx, h.dyn.Resource(gvr).Namespace("ns"), "t", cond, o)
}

// ctx bounds a test that would otherwise hang if the code under test
// waited for a poll: the assertions are on calls, not on time.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestUntilWatches: the change arrives through the watch opened at the
// version read; there is one read and no poll. A poller (hourly here)
// would never see it.
func TestUntilWatches(t *testing.T) {
	h := newHarness(t, thing("7", "Pending"))
	h.script(false,
		watch.Event{Type: watch.Modified, Object: thing("8", "Running")},
		watch.Event{Type: watch.Modified, Object: thing("9", "Done")})
	if err := h.until(testCtx(t), phaseIs("Done")); err != nil {
		t.Fatal(err)
	}
	if h.gets != 1 || len(h.polls) != 0 || len(h.rvs) != 1 || h.rvs[0] != "7" {
		t.Errorf("gets %d, polls %v, watches from %v; want 1 get, no poll, one watch from 7", h.gets, h.polls, h.rvs)
	}
}

// TestUntilRewatches: a watch the server ends (timeout, too old a version)
// is followed by a fresh read and a new watch, not by a poll.
func TestUntilRewatches(t *testing.T) {
	h := newHarness(t, thing("7", "Pending"))
	h.script(true, watch.Event{Type: watch.Modified, Object: thing("8", "Running")})
	h.script(false, watch.Event{Type: watch.Modified, Object: thing("9", "Done")})
	if err := h.until(testCtx(t), phaseIs("Done")); err != nil {
		t.Fatal(err)
	}
	if h.gets != 2 || len(h.rvs) != 2 || len(h.polls) != 0 {
		t.Errorf("gets %d, watches %v, polls %v; want 2 reads, 2 watches, no poll", h.gets, h.rvs, h.polls)
	}
}

// TestUntilPollsWhenWatchIsRefused: without watch permission it polls at
// Options.Poll and warns once.
func TestUntilPollsWhenWatchIsRefused(t *testing.T) {
	h := newHarness(t)
	h.watchErr = apierrors.NewForbidden(gvr.GroupResource(), "", errors.New("no watch for you"))
	phases := []string{"Pending", "Running", "Running", "Done"}
	h.dyn.PrependReactor("get", "things", func(k8stesting.Action) (bool, runtime.Object, error) {
		h.gets++ // this reactor runs first and answers: count here
		p := phases[min(h.gets, len(phases))-1]
		return true, thing("1", p), nil
	})
	if err := h.until(testCtx(t), phaseIs("Done")); err != nil {
		t.Fatal(err)
	}
	if h.gets != 4 || len(h.polls) != 3 || h.polls[0] != time.Hour {
		t.Errorf("gets %d, polls %v; want 4 reads and 3 polls of 1h", h.gets, h.polls)
	}
	if n := strings.Count(h.log.String(), "polling instead"); n != 1 || !strings.Contains(h.log.String(), "Thing ns/t") {
		t.Errorf("want one warning naming the object, log:\n%s", h.log.String())
	}
}

// TestUntilSeesMissingAndDeleted: cond is called with nil for an object that
// does not exist, and for one deleted while watched.
func TestUntilSeesMissingAndDeleted(t *testing.T) {
	var seen []bool
	errGone := errors.New("gone")
	cond := func(u *unstructured.Unstructured) (bool, error) {
		seen = append(seen, u != nil)
		if u == nil && len(seen) > 1 {
			return false, errGone
		}
		return false, nil
	}
	h := newHarness(t)
	h.script(false, watch.Event{Type: watch.Added, Object: thing("2", "Pending")},
		watch.Event{Type: watch.Deleted, Object: thing("3", "Pending")})
	if err := h.until(testCtx(t), cond); !errors.Is(err, errGone) {
		t.Fatalf("err %v, want the condition's error", err)
	}
	if len(seen) != 3 || seen[0] || !seen[1] || seen[2] {
		t.Errorf("cond saw existence %v, want [false true false]", seen)
	}
}

func TestUntilEndsWithContext(t *testing.T) {
	h := newHarness(t, thing("7", "Pending"))
	ctx, cancel := context.WithCancel(testCtx(t))
	h.dyn.PrependWatchReactor("things", func(k8stesting.Action) (bool, watch.Interface, error) {
		cancel()
		return true, watch.NewFake(), nil
	})
	err := h.until(ctx, phaseIs("Done"))
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "Thing ns/t") {
		t.Fatalf("err %v, want one wrapping context.Canceled naming the object", err)
	}
}
