package wechatpaytest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
)

type txView struct {
	AppID, MchID   string
	OutTradeNo     string `json:"out_trade_no"`
	TransactionID  string `json:"transaction_id"`
	TradeType      string `json:"trade_type"`
	TradeState     string `json:"trade_state"`
	TradeStateDesc string `json:"trade_state_desc"`
	SuccessTime    string `json:"success_time"`
	Payer          struct{ OpenID string }
	Amount         struct {
		Total      int64
		PayerTotal *int64 `json:"payer_total"`
		Currency   string
	}
}

func decodeTx(t *testing.T, a answer) txView {
	t.Helper()
	if a.status != 200 {
		t.Fatalf("query: %d %s", a.status, a.body)
	}
	var v txView
	if err := json.Unmarshal([]byte(a.body), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// An order goes NOTPAY → SUCCESS or CLOSED as on WeChat Pay, and the errors
// the adapter must handle come with WeChat Pay's statuses and codes.
func TestOrderLifecycle(t *testing.T) {
	f := newFake(t)
	body := f.prepayBody("SP20261126001", 1280)
	id := f.prepay(t, body)
	if !strings.HasPrefix(id, "wx") {
		t.Fatalf("prepay_id %q", id)
	}
	if again := f.prepay(t, body); again != id {
		t.Fatalf("same parameters: prepay_id %q, first %q", again, id)
	}
	for field, v := range map[string]any{
		"amount":      map[string]any{"total": 1281, "currency": "CNY"},
		"description": "another",
		"payer":       map[string]any{"openid": "oSomeoneElse"},
	} {
		changed := f.prepayBody("SP20261126001", 1280)
		changed[field] = v
		if a := f.call(t, "POST", wechatpaytest.PathJSAPI, changed); a.status != 403 || a.code() != "OUT_TRADE_NO_USED" {
			t.Errorf("changed %s: %d %s", field, a.status, a.body)
		}
	}

	v := decodeTx(t, f.query(t, "SP20261126001"))
	if v.TradeState != "NOTPAY" || v.TransactionID != "" || v.Amount.PayerTotal != nil || v.Amount.Total != 1280 ||
		v.TradeType != "JSAPI" || v.Payer.OpenID != "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" || v.MchID != f.keys.MchID {
		t.Fatalf("unpaid: %+v", v)
	}
	if err := f.MarkPaid("SP20261126001", -1); err != nil {
		t.Fatal(err)
	}
	v = decodeTx(t, f.query(t, "SP20261126001"))
	if v.TradeState != "SUCCESS" || len(v.TransactionID) != 28 || v.Amount.PayerTotal == nil || *v.Amount.PayerTotal != 1280 ||
		!strings.HasSuffix(v.SuccessTime, "+08:00") {
		t.Fatalf("paid: %+v", v)
	}
	if _, err := time.Parse(time.RFC3339, v.SuccessTime); err != nil {
		t.Fatal(err)
	}
	if a := f.call(t, "POST", wechatpaytest.PathJSAPI, body); a.status != 403 || a.code() != "ORDERPAID" {
		t.Fatalf("prepay of a paid order: %d %s", a.status, a.body)
	}
	closePaid := f.call(t, "POST", wechatpaytest.PathOutTradeNo+"SP20261126001/close", map[string]string{"mchid": f.keys.MchID})
	if closePaid.status != 400 || closePaid.code() != "ORDERPAID" {
		t.Fatalf("close of a paid order: %d %s", closePaid.status, closePaid.body)
	}

	f.prepay(t, f.prepayBody("SP20261126002", 500))
	for i := 0; i < 2; i++ { // closing twice is fine
		if a := f.call(t, "POST", wechatpaytest.PathOutTradeNo+"SP20261126002/close", map[string]string{"mchid": f.keys.MchID}); a.status != 204 {
			t.Fatalf("close %d: %d %s", i, a.status, a.body)
		}
	}
	if v := decodeTx(t, f.query(t, "SP20261126002")); v.TradeState != "CLOSED" {
		t.Fatalf("closed: %+v", v)
	}
	if a := f.call(t, "POST", wechatpaytest.PathJSAPI, f.prepayBody("SP20261126002", 500)); a.status != 400 || a.code() != "ORDER_CLOSED" {
		t.Fatalf("prepay of a closed order: %d %s", a.status, a.body)
	}
	if _, err := f.Pay("SP20261126002"); err == nil {
		t.Fatal("paid a closed order")
	}

	for _, a := range []answer{
		f.query(t, "SP_NO_SUCH"),
		f.call(t, "POST", wechatpaytest.PathOutTradeNo+"SP_NO_SUCH/close", map[string]string{"mchid": f.keys.MchID}),
	} {
		if a.status != 404 || a.code() != "ORDER_NOT_EXIST" {
			t.Errorf("unknown order: %d %s", a.status, a.body)
		}
	}
	if o, ok := f.Order("SP20261126001"); !ok || o.TradeState != "SUCCESS" || o.PrepayID != id || o.Total != 1280 {
		t.Fatalf("Order: %+v %v", o, ok)
	}
}

func TestPrepayValidation(t *testing.T) {
	f := newFake(t)
	cases := map[string]struct {
		change func(map[string]any)
		status int
		code   string
	}{
		"no description":         {func(b map[string]any) { delete(b, "description") }, 400, "PARAM_ERROR"},
		"no amount":              {func(b map[string]any) { delete(b, "amount") }, 400, "PARAM_ERROR"},
		"no payer":               {func(b map[string]any) { b["payer"] = map[string]any{} }, 400, "PARAM_ERROR"},
		"no notify_url":          {func(b map[string]any) { delete(b, "notify_url") }, 400, "PARAM_ERROR"},
		"zero total":             {func(b map[string]any) { b["amount"] = map[string]any{"total": 0} }, 400, "PARAM_ERROR"},
		"USD":                    {func(b map[string]any) { b["amount"] = map[string]any{"total": 1, "currency": "USD"} }, 400, "PARAM_ERROR"},
		"short out_trade_no":     {func(b map[string]any) { b["out_trade_no"] = "SP001" }, 400, "PARAM_ERROR"},
		"33-char out_trade_no":   {func(b map[string]any) { b["out_trade_no"] = strings.Repeat("1", 33) }, 400, "PARAM_ERROR"},
		"dot in out_trade_no":    {func(b map[string]any) { b["out_trade_no"] = "SP.000001" }, 400, "PARAM_ERROR"},
		"other mchid":            {func(b map[string]any) { b["mchid"] = "1900000110" }, 400, "PARAM_ERROR"},
		"other appid":            {func(b map[string]any) { b["appid"] = "wx0000000000000000" }, 400, "APPID_MCHID_NOT_MATCH"},
		"time_expire passed":     {func(b map[string]any) { b["time_expire"] = f.now().Add(-time.Second).Format(time.RFC3339) }, 400, "PARAM_ERROR"},
		"time_expire not a time": {func(b map[string]any) { b["time_expire"] = "tomorrow" }, 400, "PARAM_ERROR"},
		"not JSON":               {nil, 400, "PARAM_ERROR"},
	}
	for name, c := range cases {
		b := f.prepayBody("SP_valid-1|*", 100)
		var a answer
		if c.change == nil {
			a = f.call(t, "POST", wechatpaytest.PathJSAPI, "{")
		} else {
			c.change(b)
			a = f.call(t, "POST", wechatpaytest.PathJSAPI, b)
		}
		if a.status != c.status || a.code() != c.code {
			t.Errorf("%s: %d %s", name, a.status, a.body)
		}
	}
	// Every punctuation WeChat Pay allows, and no currency (CNY by default).
	b := f.prepayBody("SP_valid-1|*", 100)
	b["amount"] = map[string]any{"total": 100}
	f.prepay(t, b)
	if o, _ := f.Order("SP_valid-1|*"); o.Currency != "CNY" {
		t.Fatalf("currency %q", o.Currency)
	}
	if a := f.query(t, "SP_valid-1|*"); a.status != 200 {
		t.Fatalf("query with | and * in the path: %d %s", a.status, a.body)
	}
	if a := f.call(t, "GET", wechatpaytest.PathOutTradeNo+"SP_valid-1|*", nil); a.status != 400 {
		t.Fatalf("query without mchid: %d %s", a.status, a.body)
	}
}

// A prepay_id lasts two hours; asking again after that issues a new one.
func TestPrepayIDExpires(t *testing.T) {
	f := newFake(t)
	b := f.prepayBody("SP20261126003", 100)
	b["time_expire"] = f.now().Add(3 * time.Hour).Format(time.RFC3339)
	first := f.prepay(t, b)
	f.advance(wechatpaytest.PrepayTTL - time.Second)
	if got := f.prepay(t, b); got != first {
		t.Fatalf("within 2 h: %q, first %q", got, first)
	}
	f.advance(time.Second)
	if got := f.prepay(t, b); got == first {
		t.Fatal("after 2 h: the same prepay_id")
	}
	// Past time_expire the payer can no longer pay.
	f.advance(time.Hour)
	if err := f.MarkPaid("SP20261126003", -1); err == nil {
		t.Fatal("paid after time_expire")
	}
	if v := decodeTx(t, f.query(t, "SP20261126003")); v.TradeState != "NOTPAY" {
		t.Fatalf("expired order: %s", v.TradeState)
	}
}

// Parallel identical prepays all get one prepay_id (run with -race).
func TestParallelPrepays(t *testing.T) {
	f := newFake(t)
	body, _ := json.Marshal(f.prepayBody("SP20261126004", 100))
	answers := parallel(t, 8, func() *http.Request {
		return f.signer().request(t, f.URL, "POST", wechatpaytest.PathJSAPI, string(body))
	})
	for _, a := range answers {
		if a.status != 200 || a.body != answers[0].body {
			t.Fatalf("answers differ: %+v", answers)
		}
	}
}

func TestFailNextAndRequests(t *testing.T) {
	f := newFake(t)
	f.FailNext(wechatpaytest.PathOutTradeNo, 2, 500, "SYSTEM_ERROR")
	f.prepay(t, f.prepayBody("SP20261126005", 100)) // another path: not failed
	for i := 0; i < 2; i++ {
		a := f.query(t, "SP20261126005")
		if a.status != 500 || a.code() != "SYSTEM_ERROR" || a.header.Get("Wechatpay-Signature") != "" {
			t.Fatalf("failure %d: %d %s %v", i, a.status, a.body, a.header)
		}
	}
	if a := f.query(t, "SP20261126005"); a.status != 200 {
		t.Fatalf("after the failures: %d %s", a.status, a.body)
	}
	if got := f.Requests(); got != 4 {
		t.Fatalf("Requests() = %d, want 4", got)
	}
}
