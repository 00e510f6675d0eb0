package adapt

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// GitCredentials authenticate git to a remote: an HTTPS token (basic auth,
// or a bearer header) or an SSH key with the known_hosts to trust. They
// reach git only through the environment of its processes (never a URL,
// an argument, .git/config or a log line): Env says how.
type GitCredentials struct {
	Username      string // HTTPS basic user (default x-access-token)
	Token         string // HTTPS basic password (a personal access token)
	BearerToken   string // HTTPS Authorization: Bearer
	SSHPrivateKey []byte // PEM/OpenSSH private key, served by an in-memory agent
	KnownHosts    []byte // known_hosts lines for SSH (required with a key)
}

// Secret keys read by CredentialsFromSecret.
const (
	SecretUsername    = "username"
	SecretToken       = "token"
	SecretBearerToken = "bearerToken"
	SecretSSHKey      = "sshPrivateKey"
	SecretKnownHosts  = "knownHosts"
)

// CredentialsFromSecret reads a Secret's data. Errors name the keys, never
// their values.
func CredentialsFromSecret(data map[string][]byte) (GitCredentials, error) {
	c := GitCredentials{Username: string(data[SecretUsername]), Token: string(data[SecretToken]),
		BearerToken: string(data[SecretBearerToken]), SSHPrivateKey: data[SecretSSHKey], KnownHosts: data[SecretKnownHosts]}
	n := 0
	for _, set := range []bool{c.Token != "", c.BearerToken != "", len(c.SSHPrivateKey) > 0} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return c, fmt.Errorf("the Secret has none of the keys %s, %s, %s", SecretToken, SecretBearerToken, SecretSSHKey)
	case n > 1:
		return c, fmt.Errorf("the Secret has more than one of the keys %s, %s, %s: keep one", SecretToken, SecretBearerToken, SecretSSHKey)
	case len(c.SSHPrivateKey) > 0 && len(c.KnownHosts) == 0:
		return c, fmt.Errorf("the Secret has %s but no %s: gitshift does not trust unknown hosts", SecretSSHKey, SecretKnownHosts)
	}
	return c, nil
}

// Redact replaces every credential in s by ***, for text that could have
// picked one up (a remote's error message, say).
func (c GitCredentials) Redact(s string) string {
	for _, v := range []string{c.Token, c.BearerToken, string(c.SSHPrivateKey), c.basic()} {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "***")
		}
	}
	return s
}

func (c GitCredentials) basic() string {
	if c.Token == "" {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(c.user() + ":" + c.Token))
}

func (c GitCredentials) user() string {
	if c.Username != "" {
		return c.Username
	}
	return "x-access-token"
}

// GitAuth is the environment that authenticates git, valid until Close.
type GitAuth struct {
	Env   []string
	dir   string
	agent *sshAgent
}

// Close stops the SSH agent and removes the helper files (which hold no
// secret: the askpass script reads the environment).
func (a *GitAuth) Close() {
	if a == nil {
		return
	}
	if a.agent != nil {
		a.agent.close()
	}
	if a.dir != "" {
		os.RemoveAll(a.dir)
	}
}

// askpass answers git's prompts from the environment of the git process.
const askpass = `#!/bin/sh
case "$1" in
Username*) printf '%s\n' "$GITSHIFT_GIT_USERNAME" ;;
*) printf '%s\n' "$GITSHIFT_GIT_PASSWORD" ;;
esac
`

// Auth prepares the environment for repo: basic tokens through GIT_ASKPASS
// (a script that prints environment variables, so git asks only the one
// server that challenges it), bearer tokens as an http.extraHeader scoped
// to the repository's origin through GIT_CONFIG_PARAMETERS (environment,
// not a -c argument that ps would show), SSH keys through an in-memory
// agent (SSH_AUTH_SOCK) with StrictHostKeyChecking against KnownHosts.
func (c GitCredentials) Auth(repo string) (*GitAuth, error) {
	dir, err := os.MkdirTemp("", "gitshift-auth-")
	if err != nil {
		return nil, err
	}
	a := &GitAuth{dir: dir}
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	switch {
	case c.Token != "":
		script := filepath.Join(dir, "askpass")
		if err := os.WriteFile(script, []byte(askpass), 0o700); err != nil {
			return nil, err
		}
		a.Env = []string{"GIT_ASKPASS=" + script, "GITSHIFT_GIT_USERNAME=" + c.user(), "GITSHIFT_GIT_PASSWORD=" + c.Token}
	case c.BearerToken != "":
		origin, err := httpOrigin(repo)
		if err != nil {
			return nil, err
		}
		a.Env = []string{"GIT_CONFIG_PARAMETERS=" + shellQuote("http."+origin+".extraHeader=Authorization: Bearer "+c.BearerToken)}
	case len(c.SSHPrivateKey) > 0:
		kh := filepath.Join(dir, "known_hosts")
		if err := os.WriteFile(kh, c.KnownHosts, 0o600); err != nil {
			return nil, err
		}
		ag, err := startSSHAgent(filepath.Join(dir, "agent.sock"), c.SSHPrivateKey)
		if err != nil {
			return nil, err
		}
		a.agent = ag
		a.Env = []string{"SSH_AUTH_SOCK=" + ag.path,
			"GIT_SSH_COMMAND=ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" + kh}
	default:
		return nil, errors.New("no Git credentials")
	}
	ok = true
	return a, nil
}

// httpOrigin is scheme://host[:port]/ of an HTTP(S) remote URL.
func httpOrigin(repo string) (string, error) {
	u, err := url.Parse(repo)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("a bearer token needs an http(s) repository URL")
	}
	return u.Scheme + "://" + u.Host + "/", nil
}

// shellQuote quotes like git's sq_quote, as GIT_CONFIG_PARAMETERS wants.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
