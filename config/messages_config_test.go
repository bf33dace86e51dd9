package config

import (
	"slices"
	"strings"
	"testing"
)

func TestMessageSettings(t *testing.T) {
	mysqlMode := map[string]string{"MYSQL_DSN": "root@tcp(127.0.0.1:3306)/scanpay", "JWT_SECRET": strings.Repeat("s", 32),
		"EXIT_PASS_SECRET": strings.Repeat("e", 32)}
	withKV := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	cases := []struct {
		name           string
		env            map[string]string
		template, page string
	}{
		{"embedded on the stand-in", nil, DevPaymentTemplate, "pages/order/detail"},
		{"embedded on real WeChat", map[string]string{"WECHAT_APPID": "wx1234"}, "", "pages/order/detail"},
		{"mysql mode", mysqlMode, "", "pages/order/detail"},
		{"configured", withKV(mysqlMode, "WECHAT_TEMPLATE_PAYMENT_SUCCESS", " tmpl-AbC_123 ", "WECHAT_ORDER_PAGE", "pages/orders/show"),
			"tmpl-AbC_123", "pages/orders/show"},
	}
	for _, c := range cases {
		cfg := mustLoad(t, c.env)
		if cfg.WechatTemplatePaymentSuccess != c.template || cfg.WechatOrderPage != c.page {
			t.Errorf("%s: template %q page %q, want %q %q", c.name, cfg.WechatTemplatePaymentSuccess, cfg.WechatOrderPage,
				c.template, c.page)
		}
		settings := map[string]string{}
		for _, s := range cfg.Settings() {
			settings[s.Key] = s.Value
		}
		if settings["WECHAT_TEMPLATE_PAYMENT_SUCCESS"] != c.template || settings["WECHAT_ORDER_PAGE"] != c.page {
			t.Errorf("%s: settings show %q %q", c.name, settings["WECHAT_TEMPLATE_PAYMENT_SUCCESS"], settings["WECHAT_ORDER_PAGE"])
		}
	}
	for key, val := range map[string]string{
		"WECHAT_TEMPLATE_PAYMENT_SUCCESS": "has space",
		"WECHAT_ORDER_PAGE":               "/pages/order/detail?order_no=1",
	} {
		_, err := Load(env(withKV(mysqlMode, key, val)))
		if got := problemKeys(t, err); !slices.Equal(got, []string{key}) {
			t.Errorf("%s=%q: problems %v, want [%s]", key, val, got, key)
		}
	}
}
