package adapt

import (
	"errors"
	"fmt"
	"net"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// sshAgent serves one private key over a unix socket with the SSH agent
// protocol, so ssh signs with it while the key stays in this process's
// memory: it is never written to disk.
type sshAgent struct {
	path string
	ln   net.Listener
	wg   sync.WaitGroup
}

func startSSHAgent(path string, key []byte) (*sshAgent, error) {
	raw, err := ssh.ParseRawPrivateKey(key)
	if err != nil {
		var pp *ssh.PassphraseMissingError
		if errors.As(err, &pp) {
			return nil, errors.New("the SSH private key is encrypted with a passphrase: give an unencrypted key")
		}
		// The parser's message does not quote the key; still, say no more.
		return nil, errors.New("the SSH private key cannot be parsed")
	}
	ring := agent.NewKeyring()
	if err := ring.Add(agent.AddedKey{PrivateKey: raw, Comment: "gitshift"}); err != nil {
		return nil, fmt.Errorf("loading the SSH key into the agent: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("SSH agent socket: %w", err)
	}
	a := &sshAgent{path: path, ln: ln}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				defer c.Close()
				_ = agent.ServeAgent(ring, c)
			}()
		}
	}()
	return a, nil
}

func (a *sshAgent) close() {
	a.ln.Close()
	a.wg.Wait()
}
