package wechatpaytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"
)

// Trade states the fake reports (trade_state).
const (
	TradeNotPay  = "NOTPAY"
	TradeSuccess = "SUCCESS"
	TradeClosed  = "CLOSED"
)

// PrepayTTL is how long a prepay_id stays valid; asking again with the same
// parameters after it returns a fresh one, as WeChat Pay does.
const PrepayTTL = 2 * time.Hour

// Order is the fake's record of one JSAPI transaction, for tests to assert
// on what the adapter sent and what the payer did.
type Order struct {
	OutTradeNo, AppID, MchID, Description, PayerOpenID, NotifyURL, PrepayID, TradeState, TransactionID string
	// Total and PayerTotal are in fen; PayerTotal is 0 until paid.
	Total, PayerTotal int64
	Currency          string
	TimeExpire        time.Time // zero when the prepay had no time_expire
	SuccessTime       time.Time
	Attach            string
}

// order is an Order plus when its prepay_id was issued.
type order struct {
	Order
	prepaidAt time.Time
}

var outTradeNoRE = regexp.MustCompile(`^[0-9A-Za-z_\-|*]{6,32}$`)

type prepayBody struct {
	AppID       string  `json:"appid"`
	MchID       string  `json:"mchid"`
	Description string  `json:"description"`
	OutTradeNo  string  `json:"out_trade_no"`
	TimeExpire  *string `json:"time_expire"`
	Attach      string  `json:"attach"`
	NotifyURL   string  `json:"notify_url"`
	Amount      *struct {
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
	Payer *struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
}

// handlePrepay is POST /v3/pay/transactions/jsapi.
func (s *Server) handlePrepay(w http.ResponseWriter, r *http.Request) {
	var b prepayBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "PARAM_ERROR", "body is not JSON: "+err.Error())
		return
	}
	want, status, code, msg := s.prepayOrder(b)
	if status != 0 {
		writeError(w, status, code, msg)
		return
	}
	s.mu.Lock()
	now := s.now()
	o, ok := s.orders[want.OutTradeNo]
	switch {
	case !ok:
		o = &order{Order: want}
		s.orders[want.OutTradeNo] = o
	case o.TradeState == TradeSuccess:
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "ORDERPAID", "该订单已支付")
		return
	case o.TradeState == TradeClosed:
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "ORDER_CLOSED", "该订单已关闭")
		return
	case !sameParams(o.Order, want):
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "OUT_TRADE_NO_USED", "商户订单号重复")
		return
	}
	if o.PrepayID == "" || now.Sub(o.prepaidAt) >= PrepayTTL {
		o.PrepayID = "wx" + now.In(cst).Format("20060102150405") + randHex(10)
		o.prepaidAt = now
	}
	id := o.PrepayID
	s.mu.Unlock()
	s.writeSignedJSON(w, map[string]string{"prepay_id": id})
}

// prepayOrder validates a prepay body into the order it asks for; a
// non-zero status is the error to answer.
func (s *Server) prepayOrder(b prepayBody) (o Order, status int, code, msg string) {
	bad := func(m string) (Order, int, string, string) {
		return Order{}, http.StatusBadRequest, "PARAM_ERROR", m
	}
	switch {
	case b.AppID == "" || b.MchID == "" || b.Description == "" || b.OutTradeNo == "" || b.NotifyURL == "":
		return bad("appid, mchid, description, out_trade_no and notify_url are required")
	case b.Amount == nil || b.Amount.Total == nil:
		return bad("amount.total is required")
	case b.Payer == nil || b.Payer.OpenID == "":
		return bad("payer.openid is required")
	case b.MchID != s.keys.MchID:
		return bad("mchid does not match the request's merchant")
	case b.AppID != s.keys.AppID:
		return Order{}, http.StatusBadRequest, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配"
	case !outTradeNoRE.MatchString(b.OutTradeNo):
		return bad("out_trade_no must be 6-32 characters of [0-9A-Za-z_-|*]")
	case utf8.RuneCountInString(b.Description) > 127, utf8.RuneCountInString(b.Attach) > 128:
		return bad("description or attach too long")
	case *b.Amount.Total <= 0:
		return bad("amount.total must be at least 1 fen")
	case b.Amount.Currency != "" && b.Amount.Currency != "CNY":
		return bad("amount.currency must be CNY")
	}
	o = Order{
		OutTradeNo: b.OutTradeNo, AppID: b.AppID, MchID: b.MchID, Description: b.Description,
		PayerOpenID: b.Payer.OpenID, NotifyURL: b.NotifyURL, TradeState: TradeNotPay,
		Total: *b.Amount.Total, Currency: "CNY", Attach: b.Attach,
	}
	if b.TimeExpire != nil {
		t, err := time.Parse(time.RFC3339, *b.TimeExpire)
		if err != nil {
			return bad("time_expire must be RFC 3339")
		}
		if !t.After(s.clock()) {
			return bad("time_expire is in the past")
		}
		o.TimeExpire = t
	}
	return o, 0, "", ""
}

// sameParams reports whether a repeated prepay asks for the same order.
func sameParams(a, b Order) bool {
	return a.AppID == b.AppID && a.Description == b.Description && a.PayerOpenID == b.PayerOpenID &&
		a.NotifyURL == b.NotifyURL && a.Total == b.Total && a.Currency == b.Currency &&
		a.Attach == b.Attach && a.TimeExpire.Equal(b.TimeExpire)
}

// handleQuery is GET /v3/pay/transactions/out-trade-no/{no}?mchid=.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("mchid") != s.keys.MchID {
		writeError(w, http.StatusBadRequest, "PARAM_ERROR", "mchid is missing or not the request's merchant")
		return
	}
	o, ok := s.Order(r.PathValue("no"))
	if !ok {
		writeError(w, http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
		return
	}
	s.writeSignedJSON(w, transactionOf(o, nil))
}

// handleClose is POST /v3/pay/transactions/out-trade-no/{no}/close.
func (s *Server) handleClose(w http.ResponseWriter, r *http.Request) {
	var b struct {
		MchID string `json:"mchid"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.MchID != s.keys.MchID {
		writeError(w, http.StatusBadRequest, "PARAM_ERROR", "mchid is missing or not the request's merchant")
		return
	}
	s.mu.Lock()
	o, ok := s.orders[r.PathValue("no")]
	var status int
	switch {
	case !ok:
		status = http.StatusNotFound
	case o.TradeState == TradeSuccess:
		status = http.StatusBadRequest
	default:
		o.TradeState = TradeClosed
	}
	s.mu.Unlock()
	switch status {
	case http.StatusNotFound:
		writeError(w, status, "ORDER_NOT_EXIST", "订单不存在")
	case http.StatusBadRequest:
		writeError(w, status, "ORDERPAID", "订单已支付")
	default:
		s.writeSigned(w, http.StatusNoContent, nil)
	}
}

// Order returns the fake's record of outTradeNo.
func (s *Server) Order(outTradeNo string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[outTradeNo]
	if !ok {
		return Order{}, false
	}
	return o.Order, true
}

// MarkPaid makes an order SUCCESS without notifying anyone, as when the
// notification is lost: only a query finds the payment. payerTotalFen is
// what the payer paid, or -1 for the order total.
func (s *Server) MarkPaid(outTradeNo string, payerTotalFen int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[outTradeNo]
	if !ok {
		return fmt.Errorf("wechatpaytest: no order %q", outTradeNo)
	}
	if o.TradeState == TradeSuccess {
		return fmt.Errorf("wechatpaytest: order %q is already paid", outTradeNo)
	}
	return s.payLocked(o, payerTotalFen)
}

// Pay is the shopper paying: the order becomes SUCCESS (payer_total =
// total) and one signed TRANSACTION.SUCCESS notification goes to its
// notify_url. It returns the status the receiver answered (err on transport
// errors). Paying a paid order only sends the notification again, as WeChat
// Pay's retries do.
func (s *Server) Pay(outTradeNo string) (status int, err error) {
	s.mu.Lock()
	o, ok := s.orders[outTradeNo]
	switch {
	case !ok:
		err = fmt.Errorf("wechatpaytest: no order %q", outTradeNo)
	case o.TradeState != TradeSuccess:
		err = s.payLocked(o, -1)
	}
	var url string
	if err == nil {
		url = o.NotifyURL
	}
	s.mu.Unlock()
	if err != nil {
		return 0, err
	}
	n, err := s.Notification(outTradeNo)
	if err != nil {
		return 0, err
	}
	status, _, err = Send(url, n)
	return status, err
}

// payLocked makes o SUCCESS; s.mu is held.
func (s *Server) payLocked(o *order, payerTotal int64) error {
	now := s.now()
	switch {
	case o.TradeState == TradeClosed:
		return fmt.Errorf("wechatpaytest: order %q is closed", o.OutTradeNo)
	case !o.TimeExpire.IsZero() && !now.Before(o.TimeExpire):
		return fmt.Errorf("wechatpaytest: order %q expired at %s", o.OutTradeNo, o.TimeExpire.Format(time.RFC3339))
	case payerTotal < -1:
		return errors.New("wechatpaytest: negative payer total")
	}
	if payerTotal == -1 {
		payerTotal = o.Total
	}
	s.seq++
	o.TradeState, o.PayerTotal, o.SuccessTime = TradeSuccess, payerTotal, now
	o.TransactionID = fmt.Sprintf("4200%06d%s%s", s.seq%1000000, now.In(cst).Format("20060102"), randDigits(10))
	return nil
}
