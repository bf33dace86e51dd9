package wechatpay

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/scanpay/scanpay/domain"
)

func TestToFen(t *testing.T) {
	tests := []struct {
		yuan    string
		fen     int64
		wantErr bool
	}{
		{"12.34", 1234, false},
		{"0.01", 1, false},
		{"1", 100, false},
		{"19.90", 1990, false},
		{"0.1", 10, false},
		{"100.000", 10000, false},
		{"0.001", 0, true},
		{"12.345", 0, true},
		{"0", 0, true},
		{"-1.00", 0, true},
		{"99999999999", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.yuan, func(t *testing.T) {
			fen, err := toFen("amount", decimal.RequireFromString(tt.yuan))
			if tt.wantErr {
				if domain.ErrorCode(err) != domain.EINVALID {
					t.Fatalf("toFen(%s) = %d, %v; want EINVALID", tt.yuan, fen, err)
				}
				return
			}
			if err != nil || fen != tt.fen {
				t.Fatalf("toFen(%s) = %d, %v; want %d", tt.yuan, fen, err, tt.fen)
			}
			if back := fromFen(fen); !back.Equal(decimal.RequireFromString(tt.yuan)) {
				t.Fatalf("fromFen(%d) = %s, want %s", fen, back, tt.yuan)
			}
		})
	}
}

func TestFromFenHasTwoPlaces(t *testing.T) {
	if got := fromFen(1200).String(); got != "12" && got != "12.00" {
		t.Fatalf("fromFen(1200) = %s", got)
	}
	if got := fromFen(1234).StringFixed(2); got != "12.34" {
		t.Fatalf("fromFen(1234) = %s", got)
	}
}

func TestNewHTTPClientBaseURL(t *testing.T) {
	for _, bad := range []string{"ftp://x", "http://", "http://h/prefix", "http://h/?q=1", "::"} {
		if _, err := newHTTPClient(bad, 0); err == nil {
			t.Errorf("newHTTPClient(%q) accepted", bad)
		}
	}
	hc, err := newHTTPClient("", 0)
	if err != nil || hc.Transport != nil || hc.Timeout != DefaultTimeout {
		t.Fatalf("empty BaseURL: %+v, %v; want default transport and timeout", hc, err)
	}
	if hc, err = newHTTPClient("http://127.0.0.1:1234/", 0); err != nil || hc.Transport == nil {
		t.Fatalf("fake BaseURL: %+v, %v", hc, err)
	}
}
