package wechatpay

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/wechatpay-apiv3/wechatpay-go/core"

	"github.com/scanpay/scanpay/domain"
)

// WeChat Pay error codes the use cases branch on (via domain codes).
const (
	codeOrderNotExist     = "ORDER_NOT_EXIST"
	codeResourceNotExists = "RESOURCE_NOT_EXISTS"
	codeOrderPaid         = "ORDERPAID"
	codeOrderClosed       = "ORDER_CLOSED"
	codeOutTradeNoUsed    = "OUT_TRADE_NO_USED"
	codeNotEnough         = "NOT_ENOUGH"
	codeSystemError       = "SYSTEM_ERROR"
	codeBankError         = "BANKERROR"
	codeFrequencyLimited  = "FREQUENCY_LIMITED"
)

// Reasons this package gives its *domain.Errors, for callers and tests.
const (
	ReasonPaymentNotFound = "payment_not_found"
	ReasonOrderPaid       = "order_paid"
	ReasonOrderClosed     = "order_closed"
	ReasonOutTradeNoUsed  = "out_trade_no_used"
	ReasonRefundNotEnough = "refund_not_enough"
	ReasonRejected        = "payment_rejected"
)

// mapError turns what the SDK returned into the port's error contract, in
// one place, so use cases and jobs branch on domain codes and never on
// WeChat Pay's codes. The SDK's error stays the cause (Err) for logs.
//
// Anything that is not a *core.APIError is network trouble, an unreadable
// answer, or an answer whose signature did not verify. None of them tells us
// what WeChat Pay did, so all are EUNAVAILABLE: retry, or let the reconcile
// job ask again, and never act on an answer we cannot trust.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *core.APIError
	if !errors.As(err, &ae) {
		return domain.Unavailable("wechatpay", fmt.Errorf("wechatpay %s: %w", op, err))
	}
	conflict := func(reason, msg string) error {
		return &domain.Error{Code: domain.ECONFLICT, Reason: reason, Message: msg, Err: ae}
	}
	switch ae.Code {
	case codeOrderNotExist, codeResourceNotExists:
		return &domain.Error{Code: domain.ENOTFOUND, Reason: ReasonPaymentNotFound,
			Message: "WeChat Pay has no such payment", Err: ae}
	case codeOrderPaid:
		return conflict(ReasonOrderPaid, "the order is already paid")
	case codeOrderClosed:
		return conflict(ReasonOrderClosed, "the payment is closed")
	case codeOutTradeNoUsed:
		return conflict(ReasonOutTradeNoUsed, "the payment number was already used with other parameters")
	case codeNotEnough:
		return conflict(ReasonRefundNotEnough, "the merchant balance is not enough for the refund")
	case codeSystemError, codeBankError, codeFrequencyLimited:
		return domain.Unavailable("wechatpay", fmt.Errorf("wechatpay %s: %w", op, ae))
	}
	if ae.StatusCode >= 500 || ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode < 400 {
		return domain.Unavailable("wechatpay", fmt.Errorf("wechatpay %s: %w", op, ae))
	}
	return &domain.Error{Code: domain.EINVALID, Reason: ReasonRejected,
		Message: fmt.Sprintf("WeChat Pay refused the %s (%s)", op, ae.Code), Err: ae}
}

// closeResult releases the response the SDK hands back; it reads bodies but
// does not always close them.
func closeResult(r *core.APIResult) {
	if r != nil && r.Response != nil && r.Response.Body != nil {
		_ = r.Response.Body.Close()
	}
}
