package lab

import "testing"

func TestSetImageTag(t *testing.T) {
	const img = "docker.io/istio/examples-bookinfo-reviews-v3"
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"plain", "        - name: reviews\n          image: " + img + ":1.20.3\n", "        - name: reviews\n          image: " + img + ":2.0.0\n", false},
		{"list item, quoted", `  - image: "` + img + `:1.20.3"` + "\n", `  - image: "` + img + `:2.0.0"` + "\n", false},
		{"another image untouched", "image: " + img + "x:1\nimage: " + img + ":1\n", "image: " + img + "x:1\nimage: " + img + ":2.0.0\n", false},
		{"missing", "image: other:1\n", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SetImageTag([]byte(tc.in), img, "2.0.0")
			if (err != nil) != tc.wantErr || string(got) != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
