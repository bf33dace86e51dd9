package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/queue"
	"github.com/scanpay/scanpay/adapters/wechatpay"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
)

// Webhook paths WeChat Pay posts to, under WECHATPAY_NOTIFY_BASE.
const (
	transactionsWebhook = "/v1/webhooks/wechatpay/transactions"
	refundsWebhook      = "/v1/webhooks/wechatpay/refunds"
)

// embeddedMchID is the merchant id of the in-process WeChat Pay stand-in.
const embeddedMchID = "1900000001"

// paymentGateway builds the WeChat Pay client: on the merchant account when
// WECHATPAY_MCHID is set; in embedded mode on an in-process stand-in with a
// key set made at start (so scan → paid works offline through the real
// adapter); otherwise a gateway that refuses to pay. It returns the mchid
// payments must name.
func (s *system) paymentGateway(appID string) (app.PaymentGateway, string, error) {
	w := s.cfg.WechatPay
	if w.Enabled() {
		keyPEM, err := os.ReadFile(w.MerchantKeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("WECHATPAY_MERCHANT_KEY_FILE: %w", err)
		}
		key, err := wechatpay.ParsePrivateKeyPEM(keyPEM)
		if err != nil {
			return nil, "", fmt.Errorf("WECHATPAY_MERCHANT_KEY_FILE: %w", err)
		}
		pubPEM, err := os.ReadFile(w.PublicKeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("WECHATPAY_PUBLIC_KEY_FILE: %w", err)
		}
		pub, err := wechatpay.ParsePublicKeyPEM(pubPEM)
		if err != nil {
			return nil, "", fmt.Errorf("WECHATPAY_PUBLIC_KEY_FILE: %w", err)
		}
		c, err := wechatpay.New(wechatpay.Config{AppID: appID, MchID: w.MchID, MerchantSerial: w.MerchantSerial,
			MerchantKey: key, PublicKeyID: w.PublicKeyID, PublicKey: pub, APIv3Key: w.APIv3Key,
			NotifyURL: w.NotifyBase + transactionsWebhook, RefundNotifyURL: w.NotifyBase + refundsWebhook, BaseURL: w.APIBase})
		return c, w.MchID, err
	}
	if !s.cfg.Embedded() {
		s.log.Warn("WECHATPAY_MCHID is not set: orders can be made but not paid")
		return app.NoPayments{}, "", nil
	}
	keys, err := wechatpaytest.GenerateKeys(appID, embeddedMchID)
	if err != nil {
		return nil, "", err
	}
	if s.wechatpay, err = wechatpaytest.Start(keys); err != nil {
		return nil, "", fmt.Errorf("start the WeChat Pay stand-in: %w", err)
	}
	base := "http://" + loopbackAddr(s.cfg.HTTPAddr)
	c, err := wechatpay.New(wechatpay.Config{AppID: appID, MchID: keys.MchID, MerchantSerial: keys.MerchantSerial,
		MerchantKey: keys.MerchantKey, PublicKeyID: keys.PlatformKeyID, PublicKey: &keys.PlatformKey.PublicKey,
		APIv3Key: keys.APIv3Key, NotifyURL: base + transactionsWebhook, RefundNotifyURL: base + refundsWebhook,
		BaseURL: s.wechatpay.URL})
	s.log.Info("WeChat Pay stand-in started (embedded mode)", "url", s.wechatpay.URL, "mchid", keys.MchID)
	return c, keys.MchID, err
}

// paymentGauges are the payment health gauges on /metrics; alert on any
// anomaly, on overdue orders (expiry and reconcile not keeping up) and on
// refunds that stay unsettled.
func paymentGauges(orders *mysql.OrderRepo, payments *mysql.PaymentRepo, clock app.Clock, ttl time.Duration) *queue.GaugeCollector {
	return queue.NewGaugeCollector(
		queue.Gauge{Name: "scanpay_payment_anomalies", Help: "Payments recorded as not matching their order (never applied).",
			Read: payments.AnomalyCount},
		queue.Gauge{Name: "scanpay_orders_overdue", Help: "Orders still pending payment 5 minutes past their expiry.",
			Read: func(ctx context.Context) (int64, error) {
				return orders.OverdueOrders(ctx, clock.Now().Add(-ttl-5*time.Minute))
			}},
		queue.Gauge{Name: "scanpay_refunds_unsettled", Help: "Refunds pending, processing or abnormal at WeChat Pay.",
			Read: payments.UnsettledRefunds})
}

// loopbackAddr turns a listen address into one to call: an empty or
// wildcard host becomes 127.0.0.1.
func loopbackAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
