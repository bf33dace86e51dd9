package main

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

// devPay is POST /v1/dev/orders/{order_no}/pay: the stand-in pays the
// order and notifies this service, as WeChat Pay would after the shopper
// paid. Only in embedded mode.
func (s *system) devPay() func(ctx context.Context, orderNo string) error {
	if s.wechatpay == nil {
		return nil
	}
	return func(_ context.Context, orderNo string) error {
		if _, ok := s.wechatpay.Order(orderNo); !ok {
			return domain.Errorf(domain.ECONFLICT, "payment_not_started",
				"order %s has no payment yet: POST /v1/mp/orders/%s/payments first", orderNo, orderNo)
		}
		status, err := s.wechatpay.Pay(orderNo)
		if err != nil {
			return domain.Errorf(domain.ECONFLICT, "payment_refused", "the WeChat Pay stand-in refused: %v", err)
		}
		if status >= 300 {
			return domain.Errorf(domain.EUNAVAILABLE, "notification_refused",
				"paid, but the notification was answered %d; the reconcile sweep will apply it", status)
		}
		return nil
	}
}
