package wechatpay

import (
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// DefaultTimeout bounds one call to WeChat Pay. The SDK's own default is
// 30 s, too long for a shopper waiting at the checkout; a timed-out call is
// EUNAVAILABLE and the reconcile job (or the shopper's retry) picks it up.
const DefaultTimeout = 10 * time.Second

// rewriteTransport sends every request the SDK addresses to its hard-coded
// host (https://api.mch.weixin.qq.com) to base instead. Request signatures
// cover method, path+query, timestamp, nonce and body, never the host, so
// the SDK's real signing and verification run unchanged against the fake.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

// RoundTrip rewrites a clone: a RoundTripper must not modify the request.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.URL.Scheme = t.base.Scheme
	r.URL.Host = t.base.Host
	r.Host = ""
	return t.next.RoundTrip(r)
}

// newHTTPClient builds the client the SDK sends with. An empty baseURL means
// the real host and no rewriting at all, so production has no extra hop.
func newHTTPClient(baseURL string, timeout time.Duration) (*http.Client, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	hc := &http.Client{Timeout: timeout}
	if baseURL == "" {
		return hc, nil
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: BaseURL %q: %w", baseURL, err)
	}
	// A path prefix would change the signed path, which the server checks.
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("wechatpay: BaseURL %q must be scheme://host[:port] with no path", baseURL)
	}
	hc.Transport = &rewriteTransport{base: u, next: http.DefaultTransport}
	return hc, nil
}
