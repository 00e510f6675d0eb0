package stats

import (
	"math"
	"reflect"
	"testing"
)

func hist(fast, slow int64) []Bucket {
	return []Bucket{{LE: 0.1, Count: fast}, {LE: 0.5, Count: fast + slow}, {LE: math.Inf(1), Count: fast + slow}}
}

func TestDelta(t *testing.T) {
	tests := []struct {
		name      string
		prev, cur Counts
		want      Counts
	}{
		{"increase", Counts{Requests: 10, Errors: 1}, Counts{Requests: 25, Errors: 3}, Counts{Requests: 15, Errors: 2}},
		{"reset", Counts{Requests: 100, Errors: 5}, Counts{Requests: 7, Errors: 1}, Counts{Requests: 7, Errors: 1}},
		{"errors reset alone", Counts{Requests: 10, Errors: 5}, Counts{Requests: 12, Errors: 1}, Counts{Requests: 12, Errors: 1}},
		{"buckets", Counts{Requests: 2, Buckets: hist(1, 1)}, Counts{Requests: 5, Buckets: hist(3, 2)},
			Counts{Requests: 3, Buckets: hist(2, 1)}},
		{"bucket reset", Counts{Requests: 2, Buckets: hist(2, 0)}, Counts{Requests: 3, Buckets: hist(1, 2)},
			Counts{Requests: 3, Buckets: hist(1, 2)}},
		{"bucket layout changed", Counts{Requests: 2, Buckets: hist(1, 1)}, Counts{Requests: 3, Buckets: hist(3, 0)[1:]},
			Counts{Requests: 3, Buckets: hist(3, 0)[1:]}},
		{"histogram appears", Counts{Requests: 2}, Counts{Requests: 3, Buckets: hist(3, 0)}, Counts{Requests: 3, Buckets: hist(3, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Delta(tt.prev, tt.cur); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCountsAdd(t *testing.T) {
	tests := []struct {
		name    string
		sum, w  Counts
		want    Counts
		wantErr bool
	}{
		{"counters", Counts{Requests: 10, Errors: 1}, Counts{Requests: 5, Errors: 2}, Counts{Requests: 15, Errors: 3}, false},
		{"first histogram", Counts{Requests: 1}, Counts{Requests: 3, Buckets: hist(2, 1)}, Counts{Requests: 4, Buckets: hist(2, 1)}, false},
		{"histograms add", Counts{Requests: 3, Buckets: hist(2, 1)}, Counts{Requests: 4, Buckets: hist(1, 3)},
			Counts{Requests: 7, Buckets: hist(3, 4)}, false},
		{"window without histogram", Counts{Requests: 3, Buckets: hist(2, 1)}, Counts{Requests: 4},
			Counts{Requests: 7, Buckets: hist(2, 1)}, false},
		{"fewer buckets: unchanged", Counts{Requests: 3, Buckets: hist(2, 1)}, Counts{Requests: 4, Buckets: hist(1, 3)[1:]},
			Counts{Requests: 3, Buckets: hist(2, 1)}, true},
		{"other bounds: unchanged", Counts{Requests: 3, Buckets: hist(2, 1)},
			Counts{Requests: 4, Buckets: []Bucket{{LE: 0.2, Count: 1}, {LE: 0.5, Count: 4}, {LE: math.Inf(1), Count: 4}}},
			Counts{Requests: 3, Buckets: hist(2, 1)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.sum
			err := got.Add(tt.w)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestErrorRate(t *testing.T) {
	if got := (Counts{}).ErrorRate(); got != 0 {
		t.Errorf("no requests: %v", got)
	}
	if got := (Counts{Requests: 8, Errors: 2}).ErrorRate(); got != 0.25 {
		t.Errorf("2 of 8: %v", got)
	}
}
