package wechat_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/domain"
)

func TestCode2Session(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	ctx := context.Background()
	srv.AddCode("code-alice", "oAlice0000000000000000000001", "uAlice")
	srv.AddCode("code-bob", "oBob00000000000000000000001", "")

	s, err := c.Login(ctx, "code-alice")
	if err != nil {
		t.Fatal(err)
	}
	if s.OpenID != "oAlice0000000000000000000001" || s.UnionID != "uAlice" || s.SessionKey == "" {
		t.Fatalf("session = %v", s)
	}
	if bob, err := c.Login(ctx, "code-bob"); err != nil || bob.UnionID != "" || bob.OpenID == "" {
		t.Fatalf("bob = %v, %v; want an openid and no unionid", bob, err)
	}

	_, err = c.Login(ctx, "code-alice") // single use
	wantCode(t, err, domain.EUNAUTHORIZED, "code_invalid")
	_, err = c.Login(ctx, "never-issued")
	wantCode(t, err, domain.EUNAUTHORIZED, "code_invalid")
	if strings.Contains(err.Error(), s.SessionKey) {
		t.Fatalf("error leaks a session key: %v", err)
	}
}

// Code2Session, the port's method, gives the identity and nothing else.
func TestCode2SessionPort(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	srv.AddCode("code-carol", "oCarol", "uCarol")
	openID, unionID, err := c.Code2Session(context.Background(), "code-carol")
	if err != nil || openID != "oCarol" || unionID != "uCarol" {
		t.Fatalf("Code2Session = %q, %q, %v", openID, unionID, err)
	}
	_, _, err = c.Code2Session(context.Background(), "code-carol")
	wantCode(t, err, domain.EUNAUTHORIZED, "code_invalid")
}

func TestCode2SessionDevCodes(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	ctx := context.Background()
	_, err := c.Login(ctx, "dev:alice")
	wantCode(t, err, domain.EUNAUTHORIZED, "code_invalid") // off by default

	srv.SetDevCodes(true)
	for i := 0; i < 2; i++ { // dev codes are reusable
		s, err := c.Login(ctx, "dev:alice")
		if err != nil || s.OpenID != "dev-alice" {
			t.Fatalf("dev login %d: %v, %v; want openid dev-alice", i, s, err)
		}
	}
	_, err = c.Login(ctx, "dev:")
	wantCode(t, err, domain.EUNAUTHORIZED, "code_invalid")
}

func TestCode2SessionErrorsMapped(t *testing.T) {
	for _, tc := range []struct {
		errcode      int
		code, reason string
	}{
		{40029, domain.EUNAUTHORIZED, "code_invalid"},
		{40163, domain.EUNAUTHORIZED, "code_invalid"},
		{45011, domain.ETOOMANY, "wx_rate_limited"},
		{40226, domain.EFORBIDDEN, "wx_risky_user"},
		{-1, domain.EUNAVAILABLE, "wechat_unavailable"},
		{40013, domain.EUNAVAILABLE, "wechat_unavailable"},
	} {
		t.Run(fmt.Sprint(tc.errcode), func(t *testing.T) {
			srv := wechattest.NewTest(t)
			c := newClient(t, srv, nil)
			srv.AddCode("c1", "o1", "")
			srv.FailNext(tc.errcode)
			_, err := c.Login(context.Background(), "c1")
			wantCode(t, err, tc.code, tc.reason)
			if tc.errcode == 40013 && !strings.Contains(err.Error(), "40013") {
				t.Fatalf("errcode missing from the message: %v", err)
			}
			if tc.code == domain.ETOOMANY {
				if de := err.(*domain.Error); de.RetryAfterSeconds <= 0 {
					t.Fatalf("rate limit without RetryAfterSeconds")
				}
			}
		})
	}
}

func TestCode2SessionEmptyCodeNeedsNoRequest(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	_, err := c.Login(context.Background(), "")
	wantCode(t, err, domain.EUNAUTHORIZED, "code_invalid")
	if srv.Requests(wechattest.PathCode2Session) != 0 {
		t.Fatal("an empty code went to WeChat")
	}
}

func TestSessionPrintsWithoutKey(t *testing.T) {
	s := wechat.Session{OpenID: "o1", SessionKey: "SECRETKEY=="}
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%v", &s)} {
		if strings.Contains(out, "SECRETKEY") || !strings.Contains(out, "o1") {
			t.Fatalf("printed %q", out)
		}
	}
	cfg := wechat.Config{AppID: "wx1", Secret: "topsecret"}
	if out := fmt.Sprint(cfg); strings.Contains(out, "topsecret") || !strings.Contains(out, "wx1") {
		t.Fatalf("config printed %q", out)
	}
}
