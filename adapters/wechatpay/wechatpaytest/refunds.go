package wechatpaytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"
)

// Refund statuses, as WeChat Pay names them.
const (
	RefundProcessing = "PROCESSING"
	RefundSuccess    = "SUCCESS"
	RefundAbnormal   = "ABNORMAL"
	RefundClosed     = "CLOSED"
)

// Refund is the fake's record of one refund, for tests to assert on what
// the adapter asked for.
type Refund struct {
	OutRefundNo, OutTradeNo, RefundID, Status, Reason, NotifyURL string
	// Refund and Total (the order total) are in fen.
	Refund, Total int64
	SuccessTime   time.Time // zero until SUCCESS
	CreateTime    time.Time
}

var outRefundNoRE = regexp.MustCompile(`^[0-9A-Za-z_\-|*@]{1,64}$`)

func validRefundStatus(s string) bool {
	return s == RefundProcessing || s == RefundSuccess || s == RefundAbnormal || s == RefundClosed
}

// SetRefundMode sets the status new refunds start in (SUCCESS by default),
// so tests can make them PROCESSING and settle them later with
// SetRefundStatus.
func (s *Server) SetRefundMode(status string) error {
	if !validRefundStatus(status) {
		return fmt.Errorf("wechatpaytest: refund status %q", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refundMode = status
	return nil
}

// SetRefundStatus moves a refund to status (PROCESSING, SUCCESS, ABNORMAL or
// CLOSED), as WeChat Pay settles refunds in its own time; SUCCESS stamps the
// success time. It sends nothing: see NotifyRefund.
func (s *Server) SetRefundStatus(outRefundNo, status string) error {
	if !validRefundStatus(status) {
		return fmt.Errorf("wechatpaytest: refund status %q", status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rf, ok := s.refunds[outRefundNo]
	if !ok {
		return fmt.Errorf("wechatpaytest: no refund %q", outRefundNo)
	}
	rf.Status = status
	if status == RefundSuccess && rf.SuccessTime.IsZero() {
		rf.SuccessTime = s.now()
	}
	return nil
}

// Refund returns the fake's record of outRefundNo.
func (s *Server) Refund(outRefundNo string) (Refund, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rf, ok := s.refunds[outRefundNo]
	if !ok {
		return Refund{}, false
	}
	return *rf, true
}

// NotifyRefund sends the refund's notification (REFUND.SUCCESS, .ABNORMAL or
// .CLOSED by its status) to its notify_url and returns the receiver's
// status. Refund notifications are sent only when a test asks, so tests
// choose whether the adapter learns of a refund by notification or query.
func (s *Server) NotifyRefund(outRefundNo string) (int, error) {
	rf, ok := s.Refund(outRefundNo)
	if !ok {
		return 0, fmt.Errorf("wechatpaytest: no refund %q", outRefundNo)
	}
	if rf.NotifyURL == "" {
		return 0, fmt.Errorf("wechatpaytest: refund %q has no notify_url", outRefundNo)
	}
	n, err := s.RefundNotification(outRefundNo)
	if err != nil {
		return 0, err
	}
	status, _, err := Send(rf.NotifyURL, n)
	return status, err
}

type refundBody struct {
	TransactionID string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	OutRefundNo   string `json:"out_refund_no"`
	Reason        string `json:"reason"`
	NotifyURL     string `json:"notify_url"`
	Amount        *struct {
		Refund   *int64 `json:"refund"`
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

// handleRefund is POST /v3/refund/domestic/refunds.
func (s *Server) handleRefund(w http.ResponseWriter, r *http.Request) {
	var b refundBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "PARAM_ERROR", "body is not JSON: "+err.Error())
		return
	}
	switch {
	case b.OutTradeNo == "" && b.TransactionID == "":
		writeError(w, http.StatusBadRequest, "PARAM_ERROR", "out_trade_no or transaction_id is required")
		return
	case !outRefundNoRE.MatchString(b.OutRefundNo):
		writeError(w, http.StatusBadRequest, "PARAM_ERROR", "out_refund_no must be 1-64 characters of [0-9A-Za-z_-|*@]")
		return
	case b.Amount == nil || b.Amount.Refund == nil || b.Amount.Total == nil || b.Amount.Currency != "CNY":
		writeError(w, http.StatusBadRequest, "PARAM_ERROR", "amount.refund, amount.total and amount.currency (CNY) are required")
		return
	case *b.Amount.Refund <= 0:
		writeError(w, http.StatusBadRequest, "PARAM_ERROR", "amount.refund must be at least 1 fen")
		return
	}
	view, status, code, msg := s.createRefund(b)
	if status != 0 {
		writeError(w, status, code, msg)
		return
	}
	s.writeSignedJSON(w, view)
}

// createRefund records the refund b asks for (or finds the one already made
// under its out_refund_no) and returns its view; a non-zero status is the
// error to answer.
func (s *Server) createRefund(b refundBody) (v refundView, status int, code, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[b.OutTradeNo]
	if b.OutTradeNo == "" {
		for _, c := range s.orders {
			if c.TransactionID == b.TransactionID {
				o = c
				break
			}
		}
	}
	if o == nil || (b.TransactionID != "" && o.TransactionID != b.TransactionID) {
		return v, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单不存在"
	}
	if rf, ok := s.refunds[b.OutRefundNo]; ok {
		if rf.OutTradeNo != o.OutTradeNo || rf.Refund != *b.Amount.Refund || rf.Total != *b.Amount.Total {
			return v, http.StatusBadRequest, "INVALID_REQUEST", "out_refund_no already used with other parameters"
		}
		return s.refundViewLocked(rf), 0, "", ""
	}
	if o.TradeState != TradeSuccess {
		return v, http.StatusBadRequest, "INVALID_REQUEST", "order not paid"
	}
	if *b.Amount.Total != o.Total {
		return v, http.StatusBadRequest, "PARAM_ERROR", "amount.total is not the order total"
	}
	refunded := int64(0)
	for _, rf := range s.refunds {
		if rf.OutTradeNo == o.OutTradeNo && rf.Status != RefundClosed {
			refunded += rf.Refund
		}
	}
	if refunded+*b.Amount.Refund > o.Total {
		return v, http.StatusForbidden, "NOT_ENOUGH", fmt.Sprintf("refundable %d fen, asked %d", o.Total-refunded, *b.Amount.Refund)
	}
	now := s.now()
	s.seq++
	rf := &Refund{
		OutRefundNo: b.OutRefundNo, OutTradeNo: o.OutTradeNo, Status: s.refundMode,
		RefundID: fmt.Sprintf("503000%06d%s%s", s.seq%1000000, now.In(cst).Format("20060102"), randDigits(9)),
		Reason:   b.Reason, NotifyURL: b.NotifyURL, Refund: *b.Amount.Refund, Total: o.Total, CreateTime: now,
	}
	if rf.Status == RefundSuccess {
		rf.SuccessTime = now
	}
	s.refunds[rf.OutRefundNo] = rf
	return s.refundViewLocked(rf), 0, "", ""
}

// refundViewLocked is rf as the API answers it; s.mu is held.
func (s *Server) refundViewLocked(rf *Refund) refundView {
	o := s.orders[rf.OutTradeNo]
	a := refundAmountOf(*rf, o.PayerTotal, true)
	a.From = []refundSource{}
	v := refundView{
		RefundID: rf.RefundID, OutRefundNo: rf.OutRefundNo, TransactionID: o.TransactionID,
		OutTradeNo: rf.OutTradeNo, Channel: "ORIGINAL", UserReceivedAccount: receivedAccount,
		CreateTime: wireTime(rf.CreateTime), Status: rf.Status, FundsAccount: "AVAILABLE", Amount: a,
	}
	if !rf.SuccessTime.IsZero() {
		v.SuccessTime = wireTime(rf.SuccessTime)
	}
	return v
}

// handleRefundQuery is GET /v3/refund/domestic/refunds/{out_refund_no}.
func (s *Server) handleRefundQuery(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rf, ok := s.refunds[r.PathValue("no")]
	var v refundView
	if ok {
		v = s.refundViewLocked(rf)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "退款单不存在")
		return
	}
	s.writeSignedJSON(w, v)
}
