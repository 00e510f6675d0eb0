package verify

import (
	"errors"
	"testing"

	"github.com/gitshift/gitshift/internal/source"
)

func TestDestinationsFor(t *testing.T) {
	current := unresolvedCluster{err: errors.New("current")} // any distinguishable Cluster
	other := unresolvedCluster{err: errors.New("other")}
	const host = "https://10.0.0.1:6443"
	tests := []struct {
		name    string
		dest    source.Destination
		context string
		want    Cluster
		wantErr bool
	}{
		{"in-cluster by server", source.Destination{Server: "https://kubernetes.default.svc"}, "", current, false},
		{"in-cluster by server, trailing slash", source.Destination{Server: "https://kubernetes.default.svc/"}, "", current, false},
		{"in-cluster by name", source.Destination{Name: "in-cluster"}, "", current, false},
		{"no destination cluster given", source.Destination{Namespace: "bookinfo"}, "", current, false},
		{"the context's own address", source.Destination{Server: "HTTPS://10.0.0.1:6443"}, "", current, false},
		{"another server", source.Destination{Server: "https://prod:6443"}, "", nil, true},
		{"another cluster by name", source.Destination{Name: "prod"}, "", nil, true},
		{"another server, context given", source.Destination{Server: "https://prod:6443"}, "prod", other, false},
		{"context given wins even in-cluster", source.Destination{Name: "in-cluster"}, "prod", other, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Destinations{Host: host, Context: tt.context, Open: func(string) (Cluster, error) { return other, nil }}
			got, err := d.For(tt.dest, current)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				var de *DestinationError
				if !errors.As(err, &de) {
					t.Errorf("error %T, want *DestinationError", err)
				}
				return
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
