package adapt

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/gitshift/gitshift/internal/gitrepo"
	"github.com/gitshift/gitshift/internal/gitrepo/gittest"
)

const secretToken = "s3cr3t-t0ken-Zq9" // what no file, log or error may contain

func TestCredentialsFromSecret(t *testing.T) {
	for _, tc := range []struct {
		name string
		data map[string]string
		err  string
	}{
		{"token", map[string]string{"token": secretToken}, ""},
		{"token with user", map[string]string{"token": secretToken, "username": "bot"}, ""},
		{"bearer", map[string]string{"bearerToken": secretToken}, ""},
		{"ssh", map[string]string{"sshPrivateKey": "k", "knownHosts": "h"}, ""},
		{"empty", map[string]string{}, "none of the keys"},
		{"two kinds", map[string]string{"token": secretToken, "bearerToken": secretToken}, "more than one"},
		{"ssh without known hosts", map[string]string{"sshPrivateKey": "k"}, "no knownHosts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string][]byte{}
			for k, v := range tc.data {
				data[k] = []byte(v)
			}
			_, err := CredentialsFromSecret(data)
			if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("err %v, want %q", err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), secretToken) {
				t.Fatal("the error quotes the secret")
			}
		})
	}
}

// gitHTTPServer serves a repository with one commit over HTTP behind an
// authorization check, like a Git host with a token.
func gitHTTPServer(t *testing.T, authorized func(r *http.Request) bool) (url string) {
	t.Helper()
	s := gittest.Start(t)
	s.Create(t, "repo.git", map[string]string{"README": "x"})
	return s.HTTPAuth(t, authorized).URL + "/repo.git"
}

// captureLogs sends slog's default logger (gitrepo logs every git command
// there at debug level) to a buffer for the test.
func captureLogs(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return &buf
}

// assertNoSecret fails if the secret appears in any file under dirs.
func assertNoSecret(t *testing.T, secret string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		filepath.Walk(d, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return nil
			}
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s contains the secret", p)
			}
			return nil
		})
	}
}

// TestGitAuthHTTPS clones over HTTP with a basic token and with a bearer
// token; a wrong token fails. The token is in no file of the clone or the
// helper directory, in no log line and in no error.
func TestGitAuthHTTPS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs git http-backend")
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+secretToken))
	for _, tc := range []struct {
		name  string
		creds GitCredentials
		check func(r *http.Request) bool
	}{
		{"basic", GitCredentials{Token: secretToken}, func(r *http.Request) bool { return r.Header.Get("Authorization") == basic }},
		{"bearer", GitCredentials{BearerToken: secretToken}, func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer "+secretToken }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := captureLogs(t)
			url := gitHTTPServer(t, tc.check)
			a, err := tc.creds.Auth(url)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			dir := filepath.Join(t.TempDir(), "clone")
			if _, err := gitrepo.Clone(context.Background(), url, dir, gitrepo.CloneOptions{Env: a.Env}); err != nil {
				t.Fatalf("clone with credentials: %v", err)
			}
			wrong := tc.creds
			wrong.Token, wrong.BearerToken = strings.ReplaceAll(wrong.Token, "s3", "x3"), strings.ReplaceAll(wrong.BearerToken, "s3", "x3")
			wa, err := wrong.Auth(url)
			if err != nil {
				t.Fatal(err)
			}
			defer wa.Close()
			_, cerr := gitrepo.Clone(context.Background(), url, filepath.Join(t.TempDir(), "c2"), gitrepo.CloneOptions{Env: wa.Env})
			if cerr == nil {
				t.Fatal("a wrong token cloned")
			}
			for what, s := range map[string]string{"error": cerr.Error(), "logs": logs.String()} {
				if strings.Contains(s, secretToken) || strings.Contains(s, strings.ReplaceAll(secretToken, "s3", "x3")) {
					t.Errorf("the %s contain the token: %s", what, s)
				}
			}
			assertNoSecret(t, secretToken, dir, a.dir)
		})
	}
}

// TestSSHAgentKeepsTheKeyInMemory: the agent serves the key (ssh can sign
// with it) and no file in the helper directory holds it.
func TestSSHAgentKeepsTheKeyInMemory(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	key := pem.EncodeToMemory(block)
	a, err := GitCredentials{SSHPrivateKey: key, KnownHosts: []byte("git.example ssh-ed25519 AAAA\n")}.Auth("ssh://git@git.example/repo.git")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	env := strings.Join(a.Env, "\n")
	if !strings.Contains(env, "SSH_AUTH_SOCK=") || !strings.Contains(env, "StrictHostKeyChecking=yes") {
		t.Fatalf("env %s", env)
	}
	conn, err := net.Dial("unix", a.agent.path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	keys, err := agent.NewClient(conn).List()
	if err != nil || len(keys) != 1 {
		t.Fatalf("agent keys %v %v", keys, err)
	}
	assertNoSecret(t, string(block.Bytes[:32]), a.dir)
	assertNoSecret(t, strings.Split(string(key), "\n")[1], a.dir)
	if _, err := (GitCredentials{SSHPrivateKey: []byte("not a key"), KnownHosts: []byte("x")}).Auth("ssh://h/r"); err == nil || strings.Contains(err.Error(), "not a key") {
		t.Errorf("bad key: %v", err)
	}
}
