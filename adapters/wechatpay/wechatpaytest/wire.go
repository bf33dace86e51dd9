package wechatpaytest

import "time"

// The JSON shapes WeChat Pay answers and notifies, field names as on the
// wire. Queries and notifications build them with the same functions, so a
// notification's plaintext is byte for byte what a query returns.

type txAmount struct {
	Total         int64  `json:"total"`
	PayerTotal    *int64 `json:"payer_total,omitempty"`
	Currency      string `json:"currency"`
	PayerCurrency string `json:"payer_currency,omitempty"`
}

type txPayer struct {
	OpenID string `json:"openid"`
}

type transaction struct {
	AppID          string   `json:"appid"`
	MchID          string   `json:"mchid"`
	OutTradeNo     string   `json:"out_trade_no"`
	TransactionID  string   `json:"transaction_id,omitempty"`
	TradeType      string   `json:"trade_type"`
	TradeState     string   `json:"trade_state"`
	TradeStateDesc string   `json:"trade_state_desc"`
	BankType       string   `json:"bank_type,omitempty"`
	Attach         string   `json:"attach"`
	SuccessTime    string   `json:"success_time,omitempty"`
	Payer          txPayer  `json:"payer"`
	Amount         txAmount `json:"amount"`
}

var tradeStateDesc = map[string]string{
	TradeNotPay:  "订单未支付",
	TradeSuccess: "支付成功",
	TradeClosed:  "订单已关闭",
}

// transactionOf is o as a query returns it; amounts, when not nil, replaces
// total and payer_total (WithPayerTotal, WithAmounts).
func transactionOf(o Order, amounts *[2]int64) transaction {
	t := transaction{
		AppID: o.AppID, MchID: o.MchID, OutTradeNo: o.OutTradeNo, TransactionID: o.TransactionID,
		TradeType: "JSAPI", TradeState: o.TradeState, TradeStateDesc: tradeStateDesc[o.TradeState],
		Attach: o.Attach, Payer: txPayer{OpenID: o.PayerOpenID},
		Amount: txAmount{Total: o.Total, Currency: o.Currency},
	}
	if o.TradeState == TradeSuccess {
		payer := o.PayerTotal
		t.BankType = "OTHERS"
		t.SuccessTime = wireTime(o.SuccessTime)
		t.Amount.PayerTotal = &payer
		t.Amount.PayerCurrency = o.Currency
	}
	if amounts != nil {
		payer := amounts[1]
		t.Amount.Total, t.Amount.PayerTotal = amounts[0], &payer
	}
	return t
}

type refundAmount struct {
	Total            int64          `json:"total"`
	Refund           int64          `json:"refund"`
	From             []refundSource `json:"from,omitempty"`
	PayerTotal       int64          `json:"payer_total"`
	PayerRefund      int64          `json:"payer_refund"`
	SettlementRefund *int64         `json:"settlement_refund,omitempty"`
	SettlementTotal  *int64         `json:"settlement_total,omitempty"`
	DiscountRefund   *int64         `json:"discount_refund,omitempty"`
	Currency         string         `json:"currency,omitempty"`
	RefundFee        *int64         `json:"refund_fee,omitempty"`
}

type refundSource struct {
	Account string `json:"account"`
	Amount  int64  `json:"amount"`
}

// refundView is a refund as the create and query answers carry it.
type refundView struct {
	RefundID            string       `json:"refund_id"`
	OutRefundNo         string       `json:"out_refund_no"`
	TransactionID       string       `json:"transaction_id"`
	OutTradeNo          string       `json:"out_trade_no"`
	Channel             string       `json:"channel"`
	UserReceivedAccount string       `json:"user_received_account"`
	SuccessTime         string       `json:"success_time,omitempty"`
	CreateTime          string       `json:"create_time"`
	Status              string       `json:"status"`
	FundsAccount        string       `json:"funds_account"`
	Amount              refundAmount `json:"amount"`
}

// refundResource is a refund as the REFUND.* notifications carry it.
type refundResource struct {
	MchID               string       `json:"mchid"`
	OutTradeNo          string       `json:"out_trade_no"`
	TransactionID       string       `json:"transaction_id"`
	OutRefundNo         string       `json:"out_refund_no"`
	RefundID            string       `json:"refund_id"`
	RefundStatus        string       `json:"refund_status"`
	SuccessTime         string       `json:"success_time,omitempty"`
	UserReceivedAccount string       `json:"user_received_account"`
	Amount              refundAmount `json:"amount"`
}

const receivedAccount = "支付用户零钱"

// refundAmountOf is the amount block of rf against its order's payer total;
// the payer's share of a refund is proportional to what the payer paid.
func refundAmountOf(rf Refund, payerTotal int64, full bool) refundAmount {
	payerRefund := rf.Refund
	if rf.Total > 0 && payerTotal != rf.Total {
		payerRefund = rf.Refund * payerTotal / rf.Total
	}
	a := refundAmount{Total: rf.Total, Refund: rf.Refund, PayerTotal: payerTotal, PayerRefund: payerRefund}
	if full {
		zero := int64(0)
		a.SettlementRefund, a.SettlementTotal = &payerRefund, &payerTotal
		a.DiscountRefund, a.RefundFee = &zero, &zero
		a.Currency = "CNY"
	}
	return a
}

// wireTime formats t as WeChat Pay does: RFC 3339 in +08:00.
func wireTime(t time.Time) string { return t.In(cst).Format(time.RFC3339) }
