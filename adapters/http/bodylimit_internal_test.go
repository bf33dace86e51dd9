package http

import (
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// The longer timeouts go to the upload and the export only, matched the
// way fiber routes them (any case, optional trailing slash, a query).
func TestHeaderReceivedGivesTransfersTheirTimeouts(t *testing.T) {
	s := &Server{opts: withTransferDefaults(Options{ImportReadTimeout: 7 * time.Minute, ExportWriteTimeout: 9 * time.Minute})}
	for _, tc := range []struct {
		method, uri   string
		read, written time.Duration
	}{
		{"POST", "/v1/admin/products/imports", 7 * time.Minute, 0},
		{"POST", "/V1/Admin/Products/Imports/?file_name=a.csv", 7 * time.Minute, 0},
		{"GET", "/v1/admin/products/imports", 0, 0},
		{"POST", "/v1/admin/products", 0, 0},
		{"POST", "/v1/admin/products/imports/x", 0, 0},
		{"GET", "/v1/admin/stores/DEMO01/items.csv", 0, 9 * time.Minute},
		{"GET", "/v1/admin/stores/demo01/items.csv?x=1", 0, 9 * time.Minute},
		{"GET", "/v1/admin/stores/DEMO01/items", 0, 0},
		{"GET", "/v1/admin/stores/a/b/items.csv", 0, 0},
		{"PUT", "/v1/admin/stores/DEMO01/items.csv", 0, 0},
	} {
		var h fasthttp.RequestHeader
		h.SetMethod(tc.method)
		h.SetRequestURI(tc.uri)
		got := s.headerReceived(&h)
		if got.ReadTimeout != tc.read || got.WriteTimeout != tc.written || got.MaxRequestBodySize != 0 {
			t.Errorf("%s %s: %+v, want read %v write %v", tc.method, tc.uri, got, tc.read, tc.written)
		}
	}
	if lim, ok := s.streamLimit("POST", "/v1/admin/products/imports"); !ok || lim != DefaultImportBodyLimit {
		t.Errorf("upload limit %d %v", lim, ok)
	}
}
