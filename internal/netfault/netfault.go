// Package netfault is a TCP proxy for fault tests: it forwards to a real
// server (MariaDB, Redis) and can play "the server is down" on demand, so
// tests see what a dead server or a partition looks like to our clients.
package netfault

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP to a target. While down it drops every open
// connection and closes new ones at once.
type Proxy struct {
	ln     net.Listener
	target string
	down   atomic.Bool
	silent atomic.Bool
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
}

// New starts a proxy to target on a loopback port; it stops when t ends.
func New(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); p.dropAll() })
	go p.serve()
	return p
}

// Addr is the proxy's address, to give clients instead of the target's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetDown switches the outage on or off.
func (p *Proxy) SetDown(down bool) {
	p.down.Store(down)
	if down {
		p.dropAll()
	}
}

// SetSilent switches a partition on or off: connections stay open but no
// byte passes either way, like a host that vanished without a reset. This
// is the case timeouts exist for.
func (p *Proxy) SetSilent(silent bool) {
	p.silent.Store(silent)
	if silent {
		p.dropAll()
	}
}

func (p *Proxy) dropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *Proxy) track(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns[c] = struct{}{}
}

func (p *Proxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			in.Close()
			continue
		}
		if p.silent.Load() {
			p.track(in) // held open, never answered, closed on cleanup
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.track(in)
		p.track(out)
		go func() { _, _ = io.Copy(out, in); out.Close() }()
		go func() { _, _ = io.Copy(in, out); in.Close() }()
	}
}
