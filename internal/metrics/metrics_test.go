package metrics

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/gitshift/gitshift/internal/stats"
)

var (
	start = time.Unix(1748858400, 0)
	end   = start.Add(60 * time.Second)
	sel   = Selector{DestinationService: "reviews", Namespace: "bookinfo"}
)

// fakeProm serves recorded /api/v1/query answers of raw-sample range
// queries, picking the file by the metric, and fails the test on a query it does not expect.
func fakeProm(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.URL.Path != "/api/v1/query" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		q := r.Form.Get("query")
		if !strings.Contains(q, `reporter="destination",destination_service="reviews.bookinfo.svc.cluster.local"`) {
			t.Errorf("query without the expected matchers: %s", q)
		}
		if strings.Contains(q, "rate(") || strings.Contains(q, "increase(") {
			t.Errorf("extrapolating query: %s", q)
		}
		if !strings.HasSuffix(q, "[360s]") {
			t.Errorf("range = %s, want raw samples over window + lookback [360s]", q)
		}
		file := "window-requests.json"
		if strings.Contains(q, "_bucket") {
			file = "window-buckets.json"
		}
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newProm(t *testing.T, url string) *Prometheus {
	t.Helper()
	p, err := NewPrometheus(url)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWindowDifferencesRawSamples(t *testing.T) {
	p := newProm(t, fakeProm(t).URL)
	wc, err := Window(context.Background(), p, sel, start, end)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]stats.Counts{
		// 200s: 1360-1090 (counting starts at the first scrape after start);
		// 503s: 52 -> 3 is a reset: +3 +2 +4.
		"v1": {Requests: 270 + 9, Errors: 9},
		// Series born in the window count in full.
		"v3": {Requests: 80 + 4, Errors: 4},
	}
	for v, w := range want {
		got := wc.ByVersion[v]
		if got.Requests != w.Requests || got.Errors != w.Errors {
			t.Errorf("%s = %d req / %d err, want %d / %d", v, got.Requests, got.Errors, w.Requests, w.Errors)
		}
	}
	if wc.Total() != 363 || wc.Series != 4 {
		t.Errorf("total/series = %d/%d", wc.Total(), wc.Series)
	}
	// Milliseconds become seconds.
	wantBuckets := []stats.Bucket{{LE: 0.01, Count: 100}, {LE: 0.1, Count: 250}, {LE: math.Inf(1), Count: 279}}
	if got := wc.ByVersion["v1"].Buckets; !slices.Equal(got, wantBuckets) {
		t.Errorf("v1 buckets = %v, want %v", got, wantBuckets)
	}
	if !wc.From.Equal(start) || !wc.To.Equal(end) {
		t.Errorf("samples span %s..%s", wc.From, wc.To)
	}
}

// TestAddBucketSortsSeconds: series arrive in any order and several carry
// the same bound (codes, pods); buckets come out summed, sorted, in seconds.
func TestAddBucketSortsSeconds(t *testing.T) {
	out := map[string]stats.Counts{}
	for _, b := range []struct {
		le string
		n  int64
	}{{"+Inf", 10}, {"250", 9}, {"50", 4}, {"250", 1}, {"+Inf", 2}} {
		m := model.Metric{VersionLabel: "v3", "le": model.LabelValue(b.le)}
		if err := addBucket(out, m, b.n); err != nil {
			t.Fatal(err)
		}
	}
	want := []stats.Bucket{{LE: 0.05, Count: 4}, {LE: 0.25, Count: 10}, {LE: math.Inf(1), Count: 12}}
	if got := out["v3"].Buckets; !slices.Equal(got, want) {
		t.Errorf("buckets %v, want %v", got, want)
	}
	if err := addBucket(out, model.Metric{"le": "fast"}, 1); err == nil {
		t.Error("a non-numeric le must be an error")
	}
}

func TestSeriesDeltaResets(t *testing.T) {
	sp := func(ts ...float64) []model.SamplePair {
		var out []model.SamplePair
		for i, v := range ts {
			out = append(out, model.SamplePair{Timestamp: model.TimeFromUnix(start.Unix() + int64(i*10) - 5), Value: model.SampleValue(v)})
		}
		return out
	}
	tests := []struct {
		name    string
		samples []model.SamplePair
		want    int64
	}{
		{"steady", sp(100, 110, 130), 20},
		{"reset to lower value", sp(100, 110, 5, 8), 8},
		{"reset to higher value than before", sp(100, 110, 2, 500), 500},
		{"only before start", sp(100), 0},
		{"empty", nil, 0},
	}
	for _, tt := range tests {
		if got, _, _ := seriesDelta(tt.samples, start); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close()
	overloaded := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer overloaded.Close()
	badQuery := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"parse error"}`))
	}))
	defer badQuery.Close()
	hung := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer hung.Close()
	tests := []struct {
		url             string
		wantUnavailable bool
	}{{down, true}, {overloaded.URL, true}, {badQuery.URL, false}, {hung.URL, true}}
	for _, tt := range tests {
		p := newProm(t, tt.url)
		p.Timeout = 200 * time.Millisecond
		_, err := Window(context.Background(), p, sel, start, end)
		if err == nil || IsUnavailable(err) != tt.wantUnavailable {
			t.Errorf("%s: err = %v, unavailable want %v", tt.url, err, tt.wantUnavailable)
		}
	}
	if _, err := NewPrometheus("prometheus:9090"); err == nil {
		t.Error("URL without scheme accepted")
	}
	var ue *UnavailableError
	_, err = newProm(t, "http://user:secret@"+l.Addr().String()).Query(context.Background(), "up", end)
	if !errors.As(err, &ue) || strings.Contains(err.Error(), "secret") {
		t.Errorf("credentials in message: %v", err)
	}
	// A token as the user name, a quote in the password, a query token: the
	// HTTP client quotes the URL in its error, and all of them must go.
	for _, u := range []string{"http://s3crT@" + l.Addr().String(), "http://u:s3cr'%22x@" + l.Addr().String(),
		"http://" + l.Addr().String() + "/?access_token=s3crQ", overloaded.URL + "/?token=s3crQ", badQuery.URL + "/?token=s3crQ"} {
		_, err := newProm(t, u).Query(context.Background(), "up", end)
		if err == nil || strings.Contains(err.Error(), "s3cr") {
			t.Errorf("credentials in message: %v", err)
		}
	}
	if _, err := NewPrometheus("prometheus:9090?token=s3crQ"); err == nil || strings.Contains(err.Error(), "s3cr") {
		t.Errorf("credentials in message: %v", err)
	}
}
