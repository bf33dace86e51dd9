package http_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"testing"
)

// A compressed body is refused before anything inflates it: fiber would
// unpack it without a bound, so 1 KB of nested gzip could become gigabytes.
func TestCompressedBodiesRefused(t *testing.T) {
	api := newTestAPI(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(bytes.Repeat([]byte(" "), 10<<20))
	_ = zw.Close()
	for _, enc := range []string{"gzip", "gzip, gzip", "br", "deflate"} {
		resp, body := api.do(t, http.MethodPost, "/v1/admin/sessions", buf.String(), "",
			"Content-Type", "application/json", "Content-Encoding", enc)
		wantProblem(t, resp, body, http.StatusBadRequest, "malformed", "unsupported_content_encoding")
	}
	resp, _ := api.do(t, http.MethodPost, "/v1/admin/sessions", map[string]string{"username": "admin", "password": "scanpay-demo"}, "",
		"Content-Encoding", "identity")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("identity encoding refused: %d", resp.StatusCode)
	}
}
