package app

import (
	"context"
	"net/http"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// PaymentGateway is WeChat Pay API v3 (adapters/wechatpay). Amounts cross
// it as decimal yuan; the adapter converts to integer fen, exactly, once.
//
// Errors: EUNAVAILABLE for network trouble, 5xx and SYSTEM_ERROR (retry);
// ENOTFOUND reason payment_not_found for ORDER_NOT_EXIST /
// RESOURCE_NOT_EXISTS; ECONFLICT with reason order_paid (ORDERPAID),
// order_closed (ORDER_CLOSED), out_trade_no_used (OUT_TRADE_NO_USED: the
// same out_trade_no with other parameters); EINVALID for other 4xx.
type PaymentGateway interface {
	// Prepay creates the JSAPI order (or finds the same one again: WeChat
	// Pay answers the same prepay_id for the same parameters) and returns
	// the wx.requestPayment parameters, signed with the merchant key.
	Prepay(ctx context.Context, req PrepayRequest) (*Prepay, error)
	// SignPayment signs fresh wx.requestPayment parameters for a prepay_id
	// already obtained, without calling WeChat Pay.
	SignPayment(prepayID string) (PaymentParams, error)
	// QueryPayment asks WeChat Pay for an order by out_trade_no.
	QueryPayment(ctx context.Context, outTradeNo string) (*PaymentResult, error)
	// ClosePayment closes an unpaid order; ECONFLICT order_paid when it
	// was paid meanwhile. Closing a closed order succeeds.
	ClosePayment(ctx context.Context, outTradeNo string) error
	// Refund submits a refund; a retry with the same OutRefundNo is the
	// same refund at WeChat Pay.
	Refund(ctx context.Context, req RefundRequest) (*RefundResult, error)
	// QueryRefund asks WeChat Pay for a refund by out_refund_no.
	QueryRefund(ctx context.Context, outRefundNo string) (*RefundResult, error)
	// ParseNotification verifies a notification's signature and timestamp
	// and decrypts its resource. Any failure (bad or probe signature, old
	// timestamp, tampered ciphertext) is EUNAUTHORIZED: nothing in it may
	// be trusted or stored.
	ParseNotification(ctx context.Context, header http.Header, body []byte) (*PaymentNotification, error)
}

// PrepayRequest is one JSAPI order. The adapter adds appid, mchid and the
// notify URL from its configuration.
type PrepayRequest struct {
	OutTradeNo  string
	Description string // shown to the payer, at most 127 characters
	Amount      decimal.Decimal
	PayerOpenID string
	ExpiresAt   time.Time // time_expire
	Attach      string
}

// Prepay is WeChat Pay's answer to a prepay: the id (valid 2 h) and the
// parameters the mini-program passes to wx.requestPayment.
type Prepay struct {
	PrepayID string
	Params   PaymentParams
}

// PaymentParams are wx.requestPayment's arguments, named as it names them.
type PaymentParams struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// Trade states of WeChat Pay (trade_state).
const (
	TradeSuccess    = "SUCCESS"
	TradeRefund     = "REFUND"
	TradeNotPay     = "NOTPAY"
	TradeClosed     = "CLOSED"
	TradeRevoked    = "REVOKED"
	TradeUserPaying = "USERPAYING"
	TradePayError   = "PAYERROR"
)

// PaymentResult is a transaction as WeChat Pay reports it, by query or
// notification.
type PaymentResult struct {
	AppID         string
	MchID         string
	OutTradeNo    string
	TransactionID string
	TradeState    string
	Total         decimal.Decimal // what the order asked, in yuan
	PayerTotal    decimal.Decimal // what the payer paid, in yuan
	Currency      string
	PayerOpenID   string
	SuccessTime   time.Time // zero unless paid
}

// Refund statuses of WeChat Pay.
const (
	RefundSuccess    = "SUCCESS"
	RefundClosed     = "CLOSED"
	RefundProcessing = "PROCESSING"
	RefundAbnormal   = "ABNORMAL"
)

// RefundRequest asks WeChat Pay to refund part or all of a paid order.
type RefundRequest struct {
	OutTradeNo  string
	OutRefundNo string
	Reason      string
	Amount      decimal.Decimal // refunded now
	Total       decimal.Decimal // the order's total
}

// RefundResult is a refund as WeChat Pay reports it.
type RefundResult struct {
	OutTradeNo  string
	OutRefundNo string
	RefundID    string
	Status      string
	Amount      decimal.Decimal
	SuccessTime time.Time
}

// Notification event types.
const (
	EventTransactionSuccess = "TRANSACTION.SUCCESS"
	EventRefundSuccess      = "REFUND.SUCCESS"
	EventRefundAbnormal     = "REFUND.ABNORMAL"
	EventRefundClosed       = "REFUND.CLOSED"
)

// PaymentNotification is a verified, decrypted notification: Transaction
// or Refund is set by EventType, neither for an event scanpay does not act
// on (it is stored and acknowledged all the same).
type PaymentNotification struct {
	ID          string
	EventType   string
	CreateTime  time.Time
	Resource    []byte // the decrypted resource JSON, kept as received
	Transaction *PaymentResult
	Refund      *RefundResult
}

// NoPayments is the gateway of a deployment without a WeChat Pay merchant
// (WECHATPAY_MCHID unset outside the embedded mode): checkout works, paying
// answers 503 payments_not_configured, and nothing pretends to succeed.
type NoPayments struct{}

func (NoPayments) err() error {
	return domain.Errorf(domain.EUNAVAILABLE, "payments_not_configured", "WeChat Pay is not configured (WECHATPAY_MCHID)")
}

// Prepay refuses: no merchant.
func (n NoPayments) Prepay(context.Context, PrepayRequest) (*Prepay, error) { return nil, n.err() }

// SignPayment refuses: no merchant.
func (n NoPayments) SignPayment(string) (PaymentParams, error) { return PaymentParams{}, n.err() }

// QueryPayment refuses: no merchant.
func (n NoPayments) QueryPayment(context.Context, string) (*PaymentResult, error) {
	return nil, n.err()
}

// ClosePayment has nothing to close: no order ever reached WeChat Pay.
func (n NoPayments) ClosePayment(context.Context, string) error { return nil }

// Refund refuses: no merchant.
func (n NoPayments) Refund(context.Context, RefundRequest) (*RefundResult, error) {
	return nil, n.err()
}

// QueryRefund refuses: no merchant.
func (n NoPayments) QueryRefund(context.Context, string) (*RefundResult, error) { return nil, n.err() }

// ParseNotification trusts nothing: there is no key to verify with.
func (n NoPayments) ParseNotification(context.Context, http.Header, []byte) (*PaymentNotification, error) {
	return nil, domain.Errorf(domain.EUNAUTHORIZED, "payments_not_configured", "WeChat Pay is not configured")
}
