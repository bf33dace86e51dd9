package wechat_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/domain"
)

func receipt(openID string) wechat.SubscribeMessage {
	return wechat.SubscribeMessage{
		ToOpenID: openID, TemplateID: "tmpl-receipt", Page: "pages/order/index?no=1",
		Data: map[string]string{"character_string1": "SP20250301001", "amount2": "12.50", "thing3": "Store 1"},
	}
}

func TestSubscribeMessageSentAndRecorded(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	if err := c.SendSubscribeMessage(context.Background(), receipt("oAlice")); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	want := []wechattest.Message{{
		ToUser: "oAlice", TemplateID: "tmpl-receipt", Page: "pages/order/index?no=1",
		Data:  map[string]string{"character_string1": "SP20250301001", "amount2": "12.50", "thing3": "Store 1"},
		State: "formal", Lang: "zh_CN",
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("messages = %+v\nwant %+v", got, want)
	}
}

func TestSubscribeMessageRefused(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	srv.RefuseFor("oBob")
	err := c.SendSubscribeMessage(context.Background(), receipt("oBob"))
	wantCode(t, err, domain.ECONFLICT, "wx_subscription_refused")
	if len(srv.Messages()) != 0 {
		t.Fatal("a refused message was recorded")
	}
}

func TestSubscribeMessageErrorsMapped(t *testing.T) {
	for _, tc := range []struct {
		errcode      int
		code, reason string
	}{
		{40003, domain.EINVALID, "wx_openid_invalid"},
		{40037, domain.EINVALID, "wx_template_invalid"},
		{41030, domain.EINVALID, "wx_page_invalid"},
		{47003, domain.EINVALID, "wx_argument_invalid"},
		{45009, domain.ETOOMANY, "wx_rate_limited"},
		{-1, domain.EUNAVAILABLE, "wechat_unavailable"},
	} {
		t.Run(fmt.Sprint(tc.errcode), func(t *testing.T) {
			srv := wechattest.NewTest(t)
			c := newClient(t, srv, nil)
			srv.FailNext(tc.errcode)
			wantCode(t, c.SendSubscribeMessage(context.Background(), receipt("oAlice")), tc.code, tc.reason)
		})
	}
}

func TestSubscribeMessageValidatedByTheFake(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	m := receipt("not an openid!")
	wantCode(t, c.SendSubscribeMessage(context.Background(), m), domain.EINVALID, "wx_openid_invalid")
	m = receipt("oAlice")
	m.Data["thing3"] = ""
	wantCode(t, c.SendSubscribeMessage(context.Background(), m), domain.EINVALID, "wx_argument_invalid")
}

func TestSubscribeMessageRefusesBadInputWithoutARequest(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	for _, m := range []wechat.SubscribeMessage{
		{TemplateID: "t", Data: map[string]string{"a": "b"}},
		{ToOpenID: "o", Data: map[string]string{"a": "b"}},
		{ToOpenID: "o", TemplateID: "t"},
		{ToOpenID: "o", TemplateID: "t", Data: map[string]string{"a": "b"}, State: "beta"},
	} {
		wantCode(t, c.SendSubscribeMessage(context.Background(), m), domain.EINVALID, "subscribe_message_invalid")
	}
	if n := srv.Requests(wechattest.PathSubscribeSend) + srv.Requests(wechattest.PathStableToken); n != 0 {
		t.Fatalf("%d requests for refused input", n)
	}
}
