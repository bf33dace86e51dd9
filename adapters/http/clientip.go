package http

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// trustedNets parses the load balancers' addresses (IPs or CIDRs; config
// has validated them).
func trustedNets(list []string) []*net.IPNet {
	var out []*net.IPNet
	for _, s := range list {
		if !strings.Contains(s, "/") {
			if ip := net.ParseIP(s); ip != nil {
				bits := 128
				if ip.To4() != nil {
					ip, bits = ip.To4(), 32
				}
				out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			}
			continue
		}
		if _, n, err := net.ParseCIDR(s); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func isTrusted(ip net.IP, nets []*net.IPNet) bool {
	for _, n := range nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// clientIP is the address rate limits count against. Only a trusted peer's
// X-Forwarded-For is read, and from the right: each proxy appends the
// address it saw, so the first entry that is not one of our proxies is the
// client as our edge saw it. Entries further left are whatever the client
// chose to send and are never believed.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP()
	if len(s.trusted) == 0 || !isTrusted(peer, s.trusted) {
		return peer.String()
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(hops[i]))
		if ip == nil {
			break // a mangled header: fall back to the proxy itself
		}
		if !isTrusted(ip, s.trusted) {
			return ip.String()
		}
	}
	return peer.String()
}
