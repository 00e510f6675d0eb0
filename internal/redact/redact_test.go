package redact

import (
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:s3cret@git.example.com/org/repo.git", "https://***@git.example.com/org/repo.git"},
		{"https://ghp_TOKEN@github.com/org/repo", "https://***@github.com/org/repo"},
		{"HTTPS://U:P@HOST/R", "HTTPS://***@HOST/R"},
		{"ssh://git@github.com/org/repo.git", "ssh://git@github.com/org/repo.git"},
		{"ssh://git:pw@host/repo", "ssh://git:***@host/repo"},
		{"git+ssh://git:pw@host/repo", "git+ssh://git:***@host/repo"},
		{"git@github.com:org/repo.git", "git@github.com:org/repo.git"},
		{"git:pw@github.com:org/repo.git", "git:***@github.com:org/repo.git"},
		{"git@[::1]:org/repo", "git@[::1]:org/repo"},
		{"git@host:org/repo@v1", "git@host:org/repo@v1"},
		{"/tmp/local/repo", "/tmp/local/repo"},
		{"/tmp/a@b:c", "/tmp/a@b:c"},
		{"", ""},
		{"not a url", "not a url"},
		{"https://host:8080/path", "https://host:8080/path"},
		{"https://u:p'q@host/r", "https://***@host/r"},
		{`https://u:p"q@host/r`, "https://***@host/r"},
		{"https://u:p@ss@host/r", "https://***@host/r"},
		{"https://u:p%40ss@host/r", "https://***@host/r"},
		{"https://u:p#x@host/r", "https://***@host/r"},
		{"https://u:p?x@host/r", "https://***@host/r"},
		{"https://u:pa/ss@host/r", "https://***@host/r"},
		{"https://u:a://b@host/", "https://***@host/"},
		{"http://u:p@[::1]:8080/x", "http://***@[::1]:8080/x"},
		{"http://[::1]:8080/x", "http://[::1]:8080/x"},
		{"https://host/r?token=abc&x=1", "https://host/r?token=***&x=1"},
		{"https://host/r?x=1&private_token=abc#frag", "https://host/r?x=1&private_token=***#frag"},
		{"https://host/r?Access_Token=abc", "https://host/r?Access_Token=***"},
		{"https://host/r?access%5Ftoken=abc", "https://host/r?access%5Ftoken=***"},
		{"https://host/r?password=a;key=b;x=c", "https://host/r?password=***;key=***;x=c"},
		{"https://b.s3.amazonaws.com/o?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=ff&v=1",
			"https://b.s3.amazonaws.com/o?X-Amz-Credential=***&X-Amz-Signature=***&v=1"},
		{"https://acct.blob.core.windows.net/c/b?sv=2020&sig=abc%3D", "https://acct.blob.core.windows.net/c/b?sv=2020&sig=***"},
		{"https://app.example/cb#access_token=abc&state=1", "https://app.example/cb#access_token=***&state=1"},
		{"https://user@host?sig=x", "https://***@host?sig=***"},
		{"http://u:p@h:1?key=1#sig=2", "http://***@h:1?key=***#sig=***"},
		{"https://host/r?token=", "https://host/r?token="},
		{"https://host/r?tokenless", "https://host/r?tokenless"},
		{"https://hooks.example/services/T0/B0/XyZ", "https://hooks.example/services/T0/B0/XyZ"},
		{"https://registry.example/@scope/pkg", "https://registry.example/@scope/pkg"},
		{"prometheus:9090/?token=abc", "prometheus:9090/?token=***"},
		{"git@host:repo?private_token=abc", "git@host:repo?private_token=***"},
		{"what?", "what?"},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"fatal: unable to access 'https://a:b@h/x/': Could not resolve host: h", "fatal: unable to access 'https://***@h/x/': Could not resolve host: h"},
		{"from https://a:b@h/x and https://c@h/y?token=t\n", "from https://***@h/x and https://***@h/y?token=***\n"},
		{"urls=https://a@b,https://c:d@e/f", "urls=https://***@b,https://***@e/f"},
		{`{"repository":"https://u:p\"q@h/r"}`, `{"repository":"https://***@h/r"}`},
		{"(https://u:p@h)", "(https://***@h)"},
		{"remote git:pw@h:r refused", "remote git:***@h:r refused"},
		{"Shift Bot <shift@example.com> at 12:00", "Shift Bot <shift@example.com> at 12:00"},
		{"no urls here", "no urls here"},
		{"redirect https://h/cb?next=https://i/?token=z", "redirect https://h/cb?next=https://i/?token=***"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) =\n  %q, want\n  %q", tt.in, got, tt.want)
		}
	}
}

func TestStripAndSecrets(t *testing.T) {
	tests := []struct {
		in, want string
		secrets  []string
	}{
		{"https://u:p%40s@h/r?token=a&x=1", "https://h/r?x=1", []string{"u:p%40s", "u:p@s", "p%40s", "p@s", "a"}},
		{"https://h/r?token=abc", "https://h/r", []string{"abc"}},
		{"https://h/r?x=1&token=abc", "https://h/r?x=1", []string{"abc"}},
		{"https://h/r?token=abc&key=k#f", "https://h/r#f", []string{"abc", "k"}},
		{"ssh://git:pw@h/r", "ssh://git@h/r", []string{"pw"}},
		{"git:pw@h:r", "git@h:r", []string{"pw"}},
		{"https://TOKEN@h/r", "https://h/r", []string{"TOKEN"}},
		{"https://h/r", "https://h/r", nil},
		{"git@h:r", "git@h:r", nil},
	}
	for _, tt := range tests {
		got, changed := Strip(tt.in)
		if got != tt.want || changed != (tt.in != tt.want) {
			t.Errorf("Strip(%q) = %q, %v; want %q", tt.in, got, changed, tt.want)
		}
		if sec := Secrets(tt.in); strings.Join(sec, " ") != strings.Join(tt.secrets, " ") {
			t.Errorf("Secrets(%q) = %q, want %q", tt.in, sec, tt.secrets)
		}
	}
	if got := Scrub("auth failed for p@s and p%40s (user u)", Secrets("https://u:p%40s@h/")); got != "auth failed for *** and *** (user u)" {
		t.Errorf("Scrub: %q", got)
	}
}

// shapes put a secret where a credential goes; want is the same string with
// the secret replaced by the mask, so that equality proves that no byte of
// the secret survives.
var shapes = []struct {
	name    string
	build   func(s string) string
	allowed func(s string) bool
	encode  func(s string) string // how the secret is written into the URL
}{
	{"http password", func(s string) string { return "https://user:" + s + "@git.example.com/org/repo.git" }, legalUserinfo, nil},
	{"http token as user", func(s string) string { return "https://" + s + "@git.example.com/org/repo" }, noColonUserinfo, nil},
	{"percent-encoded password", func(s string) string { return "https://user:" + s + "@h/r" }, nonEmpty, url.PathEscape},
	{"ssh password", func(s string) string { return "ssh://git:" + s + "@host.example/r" }, legalUserinfo, nil},
	{"scp-like password", func(s string) string { return "git:" + s + "@host.example:org/r.git" }, legalUserinfo, nil},
	{"IPv6 host", func(s string) string { return "http://u:" + s + "@[2001:db8::1]:8443/r" }, legalUserinfo, nil},
	{"query token", func(s string) string { return "https://host.example/r?a=1&token=" + s + "&b=2" }, legalValue, nil},
	{"query X-Amz", func(s string) string { return "https://b.example/o?X-Amz-Signature=" + s }, legalValue, nil},
	{"fragment token", func(s string) string { return "https://app.example/cb#access_token=" + s + "&state=1" }, legalValue, nil},
	{"password and query", func(s string) string { return "https://u:" + s + "@h.example/r?private_token=" + s }, legalValue, nil},
}

func nonEmpty(s string) bool { return s != "" && !strings.ContainsFunc(s, isSpace) }

// legalUserinfo: anything but white space and '/' (which ends the
// authority for every URL parser, so it is no password to git or curl).
func legalUserinfo(s string) bool { return nonEmpty(s) && !strings.Contains(s, "/") }

func noColonUserinfo(s string) bool { return legalUserinfo(s) }

// legalValue: a parameter value ends at '&', ';' or '#'.
func legalValue(s string) bool { return legalUserinfo(s) && !strings.ContainsAny(s, "&;#") }

func expected(name string, build func(string) string) string {
	// Build with a placeholder, then put the mask where the secret went.
	w := strings.ReplaceAll(build("\x00"), "\x00", Mask)
	switch name {
	case "http password", "http token as user", "percent-encoded password", "IPv6 host", "password and query":
		// The whole userinfo of an http URL goes, user name included.
		w = strings.Replace(w, "user:"+Mask+"@", Mask+"@", 1)
		w = strings.Replace(w, "u:"+Mask+"@", Mask+"@", 1)
	}
	return w
}

func checkShapes(t *testing.T, secret string) {
	for _, sh := range shapes {
		if !sh.allowed(secret) || strings.Contains(secret, "\x00") {
			continue
		}
		enc := secret
		if sh.encode != nil {
			enc = sh.encode(secret)
		}
		in := sh.build(enc)
		want := expected(sh.name, sh.build)
		if got := URL(in); got != want {
			t.Errorf("%s: URL(%q) = %q, want %q", sh.name, in, got, want)
		}
		line := "error: git push '" + in + "' failed:\t" + in + "\n"
		wantLine := "error: git push '" + want + "' failed:\t" + want + "\n"
		if got := Text(line); got != wantLine {
			t.Errorf("%s: Text(%q) = %q, want %q", sh.name, line, got, wantLine)
		}
	}
}

func TestShapes(t *testing.T) {
	for _, s := range []string{"s3cret", "p'q", `p"q`, "p@ss", "a@b@c", "p:q", "p%40q", "p?q", "p#q", "a://b", "a://b?c",
		"ghp_0123456789abcdef", "x", "@", "::", "'\"", "p=q", "é€", "\x01\x7f", "a@h:b", "[::1]"} {
		checkShapes(t, s)
	}
}

func FuzzURL(f *testing.F) {
	for _, s := range []string{"s3cret", "p'q", `p"q`, "p@ss", "a://b?c", "%41", "a@h.example:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, secret string) { checkShapes(t, secret) })
}
