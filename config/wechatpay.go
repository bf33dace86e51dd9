package config

import (
	"net/url"
	"os"
	"time"
)

// WechatPay is the merchant's WeChat Pay API v3 account (DESIGN §6). With
// MchID empty there are no payments: the embedded mode runs its in-process
// stand-in instead, and a real deployment without it can run the catalog
// but answers checkout payments with 503.
type WechatPay struct {
	MchID string
	// MerchantSerial is the merchant API certificate's serial number.
	MerchantSerial string
	// MerchantKeyFile is the merchant API private key (PEM, PKCS#8).
	MerchantKeyFile string
	// PublicKeyID (PUB_KEY_ID_...) and PublicKeyFile are WeChat Pay's
	// public key, which verifies its answers and notifications.
	PublicKeyID   string
	PublicKeyFile string
	APIv3Key      string
	// NotifyBase is this service's public base URL; WeChat Pay posts to
	// NotifyBase + /v1/webhooks/wechatpay/transactions (and /refunds).
	NotifyBase string
	// APIBase overrides the API host (a fake in tests); empty is the real one.
	APIBase string
	// ReconcileInterval is how often pending orders are checked with
	// WeChat Pay and overdue ones closed.
	ReconcileInterval time.Duration
}

// Enabled reports whether a WeChat Pay merchant is configured.
func (w WechatPay) Enabled() bool { return w.MchID != "" }

func loadWechatPay(r *reader) WechatPay {
	w := WechatPay{
		MchID:             r.str("WECHATPAY_MCHID", ""),
		MerchantSerial:    r.str("WECHATPAY_MERCHANT_SERIAL", ""),
		MerchantKeyFile:   r.str("WECHATPAY_MERCHANT_KEY_FILE", ""),
		PublicKeyID:       r.str("WECHATPAY_PUBLIC_KEY_ID", ""),
		PublicKeyFile:     r.str("WECHATPAY_PUBLIC_KEY_FILE", ""),
		APIv3Key:          r.str("WECHATPAY_APIV3_KEY", ""),
		NotifyBase:        r.str("WECHATPAY_NOTIFY_BASE", ""),
		APIBase:           r.str("WECHATPAY_API_BASE", ""),
		ReconcileInterval: r.duration("RECONCILE_INTERVAL", time.Minute, time.Second, time.Hour),
	}
	if !w.Enabled() {
		return w
	}
	required := map[string]string{"WECHATPAY_MERCHANT_SERIAL": w.MerchantSerial, "WECHATPAY_PUBLIC_KEY_ID": w.PublicKeyID,
		"WECHATPAY_NOTIFY_BASE": w.NotifyBase}
	for _, key := range []string{"WECHATPAY_MERCHANT_SERIAL", "WECHATPAY_PUBLIC_KEY_ID", "WECHATPAY_NOTIFY_BASE"} {
		if required[key] == "" {
			r.fail(key, "is required when WECHATPAY_MCHID is set")
		}
	}
	for key, path := range map[string]string{"WECHATPAY_MERCHANT_KEY_FILE": w.MerchantKeyFile, "WECHATPAY_PUBLIC_KEY_FILE": w.PublicKeyFile} {
		if path == "" {
			r.fail(key, "is required when WECHATPAY_MCHID is set")
		} else if st, err := os.Stat(path); err != nil {
			r.fail(key, "cannot be read: "+err.Error())
		} else if st.IsDir() {
			r.fail(key, "is a directory, not a PEM file: "+path)
		}
	}
	if len(w.APIv3Key) != 32 {
		r.fail("WECHATPAY_APIV3_KEY", "must be the 32-character APIv3 key")
	}
	if w.NotifyBase != "" {
		u, err := url.Parse(w.NotifyBase)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopbackHost(u.Hostname()))) {
			r.fail("WECHATPAY_NOTIFY_BASE", "must be an https URL (http only on loopback): "+w.NotifyBase)
		}
	}
	return w
}

func (w WechatPay) settings() []Setting {
	return []Setting{
		{Key: "WECHATPAY_MCHID", Value: w.MchID},
		{Key: "WECHATPAY_MERCHANT_SERIAL", Value: w.MerchantSerial},
		{Key: "WECHATPAY_MERCHANT_KEY_FILE", Value: w.MerchantKeyFile},
		{Key: "WECHATPAY_PUBLIC_KEY_ID", Value: w.PublicKeyID},
		{Key: "WECHATPAY_PUBLIC_KEY_FILE", Value: w.PublicKeyFile},
		{Key: "WECHATPAY_APIV3_KEY", Value: mask(w.APIv3Key)},
		{Key: "WECHATPAY_NOTIFY_BASE", Value: w.NotifyBase},
		{Key: "WECHATPAY_API_BASE", Value: w.APIBase},
		{Key: "RECONCILE_INTERVAL", Value: w.ReconcileInterval.String()},
	}
}
