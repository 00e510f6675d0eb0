package lab

import (
	"errors"
	"os"
	"reflect"
	"testing"
	"time"
)

func TestStateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	code := 1
	want := &State{
		Dir: dir, Phase: PhaseReady, StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Supervisor: Proc{PID: 42, StartTime: 7},
		Endpoints:  Endpoints{Kubeconfig: dir + "/kubeconfig", APIServer: "https://127.0.0.1:1234", ArgoCDNS: "argocd"},
		Components: []*Component{
			{Name: "etcd", Proc: Proc{PID: 43}, Status: "ready", Log: "etcd.log"},
			{Name: "redis", Status: "exited", ExitCode: &code},
		},
	}
	if err := want.Save(); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if got.Component("redis") == nil || got.Component("nope") != nil {
		t.Fatal("Component lookup")
	}
}

func TestLoadStateErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		wantNo  bool
	}{
		{name: "missing", wantNo: true},
		{name: "corrupt", content: "{not json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.content != "" {
				if err := os.WriteFile(dir+"/"+StateFile, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := LoadState(dir)
			if err == nil {
				t.Fatal("want error")
			}
			if errors.Is(err, ErrNoLab) != tt.wantNo {
				t.Fatalf("errors.Is(ErrNoLab) = %v for %v", !tt.wantNo, err)
			}
		})
	}
}

func TestProcAliveSelfAndGone(t *testing.T) {
	self := Proc{PID: os.Getpid(), StartTime: procStartTime(os.Getpid())}
	if !self.Alive() {
		t.Fatal("this process should be alive")
	}
	if (Proc{PID: os.Getpid(), StartTime: self.StartTime + 1}).Alive() {
		t.Fatal("a different start time means a recycled pid")
	}
	if (Proc{}).Alive() {
		t.Fatal("pid 0 is never alive")
	}
}

func TestMentionsDir(t *testing.T) {
	tests := []struct {
		cmdline string
		want    bool
	}{
		{"etcd\x00--data-dir=/x/.lab/etcd", true},
		{"redis-server\x00--dir\x00/x/.lab/redis", true},
		{"git\x00daemon\x00--base-path=/x/.lab", true},
		{"vim\x00/x/.lab2/file", false},
		{"bash", false},
	}
	for _, tt := range tests {
		if got := mentionsDir(tt.cmdline, "/x/.lab"); got != tt.want {
			t.Errorf("mentionsDir(%q) = %v, want %v", tt.cmdline, got, tt.want)
		}
	}
}
