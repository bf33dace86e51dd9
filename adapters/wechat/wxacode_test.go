package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/domain"
)

func TestEntryCodeReturnsPNG(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	img, ct, err := c.EntryCode(context.Background(), "S001", "pages/store/index", 280)
	if err != nil {
		t.Fatal(err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil || format != "png" || ct != "image/png" || cfg.Width != 280 || cfg.Height != 280 {
		t.Fatalf("got %s %s %dx%d, %v; want a 280x280 png", ct, format, cfg.Width, cfg.Height, err)
	}
	if _, err := png.Decode(bytes.NewReader(img)); err != nil {
		t.Fatalf("png does not decode: %v", err)
	}
	other, _, err := c.EntryCode(context.Background(), "S002", "pages/store/index", 280)
	if err != nil || bytes.Equal(img, other) {
		t.Fatalf("another scene gave the same image (err %v)", err)
	}
}

func TestEntryCodeJSONErrorsMapped(t *testing.T) {
	for _, tc := range []struct {
		errcode      int
		code, reason string
	}{
		{41030, domain.EINVALID, "wx_page_invalid"},
		{40129, domain.EINVALID, "scene_invalid"},
		{40097, domain.EINVALID, "wx_argument_invalid"},
		{45009, domain.ETOOMANY, "wx_rate_limited"},
		{-1, domain.EUNAVAILABLE, "wechat_unavailable"},
		{85096, domain.EUNAVAILABLE, "wechat_unavailable"},
	} {
		srv := wechattest.NewTest(t)
		c := newClient(t, srv, nil)
		srv.FailNext(tc.errcode)
		img, _, err := c.EntryCode(context.Background(), "S001", "pages/store/index", 0)
		wantCode(t, err, tc.code, tc.reason)
		if img != nil {
			t.Fatalf("errcode %d: got an image with the error", tc.errcode)
		}
		var ae *wechat.APIError
		if !errors.As(err, &ae) || ae.Code != tc.errcode {
			t.Fatalf("errcode %d: cause %v", tc.errcode, err)
		}
		if tc.code == domain.EUNAVAILABLE && tc.errcode != -1 && !strings.Contains(err.Error(), "85096") {
			t.Fatalf("errcode missing from the message: %v", err)
		}
	}
}

func TestEntryCodeRefusesBadInputWithoutARequest(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	for _, tc := range []struct {
		scene, page string
		width       int
		reason      string
	}{
		{"", "", 0, "scene_invalid"},
		{strings.Repeat("a", 33), "", 0, "scene_invalid"},
		{"store 1", "", 0, "scene_invalid"},
		{"100%", "", 0, "scene_invalid"},
		{"门店1", "", 0, "scene_invalid"},
		{"S001", "/pages/store/index", 0, "wx_page_invalid"},
		{"S001", "pages/store/index?x=1", 0, "wx_page_invalid"},
		{"S001", "", 279, "width_invalid"},
		{"S001", "", 1281, "width_invalid"},
	} {
		_, _, err := c.EntryCode(context.Background(), tc.scene, tc.page, tc.width)
		wantCode(t, err, domain.EINVALID, tc.reason)
	}
	if n := srv.Requests(wechattest.PathWxacodeUnlimit) + srv.Requests(wechattest.PathStableToken); n != 0 {
		t.Fatalf("%d requests for refused input", n)
	}
}

func TestValidateScene(t *testing.T) {
	for scene, ok := range map[string]bool{
		"S001": true, "store=S001&t=1": true, strings.Repeat("Z", 32): true,
		"!#$&'()*+,/:;=?@-._~": true, "a b": false, "a%20b": false, "": false,
		strings.Repeat("Z", 33): false, "é": false, "a\"b": false, "<x>": false,
	} {
		if err := wechat.ValidateScene(scene); (err == nil) != ok {
			t.Errorf("ValidateScene(%q) = %v, want ok=%v", scene, err, ok)
		}
	}
}

func TestEntryCodeSendsEnvVersionAndCheckPath(t *testing.T) {
	srv := wechattest.NewTest(t)
	appID, secret := srv.Credentials()
	for _, tc := range []struct {
		env       string
		checkPath bool
	}{{"", true}, {"release", true}, {"trial", false}, {"develop", false}} {
		c := wechat.New(wechat.Config{AppID: appID, Secret: secret, BaseURL: srv.URL, EnvVersion: tc.env})
		if _, _, err := c.EntryCode(context.Background(), "S001", "pages/store/index", 0); err != nil {
			t.Fatal(err)
		}
		reqs := srv.CodeRequests()
		got := reqs[len(reqs)-1]
		want := wechattest.CodeRequest{Scene: "S001", Page: "pages/store/index", CheckPath: tc.checkPath, EnvVersion: tc.env, Width: 0}
		if want.EnvVersion == "" {
			want.EnvVersion = "release"
		}
		if got != want {
			t.Fatalf("env %q: request %+v, want %+v", tc.env, got, want)
		}
	}
}
