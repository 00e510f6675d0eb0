package dashboard

import "testing"

func TestExposes(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		exposed bool
	}{
		{"127.0.0.1:8090", false},
		{"127.0.0.2:0", false},
		{"[::1]:8090", false},
		{"localhost:8090", false},
		{"0.0.0.0:8090", true},
		{":8090", true}, // every interface
		{"[::]:8090", true},
		{"192.168.1.5:8090", true},
		{"dashboard.example.com:80", true},
	} {
		got, err := Exposed(tc.addr)
		if err != nil || got != tc.exposed {
			t.Errorf("Exposed(%q) = %v, %v; want %v", tc.addr, got, err, tc.exposed)
		}
	}
}

func TestExposedRefusesAnAddressWithoutPort(t *testing.T) {
	if _, err := Exposed("127.0.0.1"); err == nil {
		t.Error("no error for an address without a port")
	}
}
