package main

import (
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// shopperMessages wires the subscribe messages on the WeChat client mp
// (nil without one: every message is then skipped, and says why).
func (s *system) shopperMessages(mp app.MiniProgram, orders domain.OrderRepository, stores domain.StoreRepository,
	ids app.IDs, clock app.Clock) *app.Messages {
	var sender app.SubscribeSender
	if c, ok := mp.(*wechat.Client); ok && c != nil {
		sender = wechat.SubscribeSender{Client: c}
	}
	return app.NewMessages(app.MessageDeps{Orders: orders, Shoppers: mysql.NewShopperRepo(s.db), Stores: stores,
		Messages: mysql.NewMessageRepo(s.db), Sender: sender, PaymentTemplate: s.cfg.WechatTemplatePaymentSuccess,
		OrderPage: s.cfg.WechatOrderPage, Clock: clock, IDs: ids, Log: s.log})
}
