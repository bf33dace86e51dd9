package app

import "github.com/scanpay/scanpay/domain"

// Keys of the payment message template (docs/receipts-and-messages.md).
// The number in a key is the field's place in the template chosen on the
// WeChat admin console; the template must have these four fields.
const (
	KeyOrderNo  = "character_string1"
	KeyAmount   = "amount2"
	KeyPaidTime = "time3"
	KeyStore    = "thing4"
)

// thingMaxRunes is WeChat's limit on a "thing" value.
const thingMaxRunes = 20

// PaymentMessageData fills the payment template for ord paid at store:
// the order number, the amount paid ("¥12.30"), the payment time in the
// store's time zone ("2026-11-26 14:03") and the store's name, cut to
// WeChat's 20 characters.
func PaymentMessageData(ord *domain.Order, store *domain.Store) map[string]string {
	loc, _ := domain.StoreLocation(store.TimeZone)
	name := []rune(store.Name)
	if len(name) > thingMaxRunes {
		name = name[:thingMaxRunes]
	}
	return map[string]string{
		KeyOrderNo:  ord.OrderNo,
		KeyAmount:   "¥" + ord.Total.StringFixed(2),
		KeyPaidTime: ord.PaidAt.In(loc).Format("2006-01-02 15:04"),
		KeyStore:    string(name),
	}
}
