package config

import "strings"

// DevPaymentTemplate is the payment message template of the embedded mode:
// its in-process WeChat stand-in accepts any template id, so the whole
// paid path, message included, runs offline.
const DevPaymentTemplate = "dev-payment-success"

// loadMessages reads the subscribe message settings. Without
// WECHAT_TEMPLATE_PAYMENT_SUCCESS no payment message is sent, except in the
// embedded mode on the stand-in (no WECHAT_APPID), which gets
// DevPaymentTemplate.
func (c *Config) loadMessages(r *reader) {
	def := ""
	if c.Embedded() && c.WechatAppID == "" {
		def = DevPaymentTemplate
	}
	c.WechatTemplatePaymentSuccess = r.str("WECHAT_TEMPLATE_PAYMENT_SUCCESS", def)
	if t := c.WechatTemplatePaymentSuccess; len(t) > 128 || strings.ContainsAny(t, " \t/?") {
		r.fail("WECHAT_TEMPLATE_PAYMENT_SUCCESS", "is not a template id (up to 128 characters, no spaces or '/')")
	}
	c.WechatOrderPage = r.str("WECHAT_ORDER_PAGE", "pages/order/detail")
	if p := c.WechatOrderPage; strings.HasPrefix(p, "/") || strings.ContainsAny(p, " \t?#") {
		r.fail("WECHAT_ORDER_PAGE", "must be a page path such as pages/order/detail (no leading '/', no query: ?order_no= is added)")
	}
}
