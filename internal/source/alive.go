package source

import "context"

// whileAlive runs fn, which cannot be cancelled, and returns its result, or
// ctx's error as soon as ctx is done. fn then runs on in the background
// until it returns by itself: callers use it for the Helm and Kustomize
// libraries, which take no context, when the command is being cancelled.
func whileAlive[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
