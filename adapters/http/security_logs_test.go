package http_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
)

// TestSecurityNoSecretsInLogs runs the whole flow (staff and shopper
// logins, a bad login, scan, checkout, payment through the fake WeChat Pay
// and its notification, a forged notification, exit pass and check,
// refund and its submission) with the server logging at debug level, and
// greps everything logged for each secret and credential in play: the
// password, every token issued, the JWT and exit pass secrets, the WeChat
// app secret, the APIv3 key, the merchant private key, the session_key,
// the exit pass (its HMAC) and paySign.
func TestSecurityNoSecretsInLogs(t *testing.T) {
	api := newTestAPI(t)
	secrets := map[string]string{
		"JWT_SECRET":       testJWTSecret,
		"EXIT_PASS_SECRET": string(testExitPassSecret),
		"APIv3 key":        api.PayKeys.APIv3Key,
		"staff password":   "scanpay-demo",
		"wrong password":   "not-the-password-123",
	}
	_, wechatSecret := api.WeChat.Credentials()
	secrets["WECHAT_SECRET"] = wechatSecret
	// Every line of the PEM body is a secret on its own: a log that cut
	// the key into pieces would still leak it.
	for i, line := range strings.Split(string(api.PayKeys.MerchantKeyPEM()), "\n") {
		if len(line) >= 32 && !strings.HasPrefix(line, "-----") {
			secrets["merchant key PEM line "+string(rune('a'+i%26))] = line
		}
	}

	if resp, _ := api.loginResp(t, "manager1", secrets["wrong password"]); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad login: %d", resp.StatusCode)
	}
	manager := api.login(t, "manager1", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	secrets["manager token"], secrets["clerk token"] = manager, clerk

	// The shopper logs in with a code whose session_key we can work out
	// (the fake derives it as wechattest does).
	appID, _ := api.WeChat.Credentials()
	code := "code-logs-secret-1"
	api.WeChat.AddCode(code, "oLogs01", "uLogs01")
	var sess shopperSessionJSON
	api.mustDo(t, http.StatusCreated, "POST", "/v1/mp/sessions", map[string]string{"code": code}, "", &sess)
	sum := sha256.Sum256([]byte("session_key\x00" + appID + "\x00" + code))
	secrets["session_key"] = base64.StdEncoding.EncodeToString(sum[:16])
	secrets["shopper token"] = sess.Token
	shopper := sess.Token
	api.openVisit(t, shopper, map[string]string{"store_code": "DEMO01"})

	api.setAuditRate(t, "0")
	version := api.scanCola(t, shopper, 3)
	var ord orderJSON
	api.mustKeyed(t, http.StatusCreated, "/v1/mp/orders", map[string]any{"store_code": "DEMO01", "cart_version": version}, shopper, &ord, newKey())
	var pay map[string]string
	api.mustDo(t, http.StatusOK, "POST", "/v1/mp/orders/"+ord.OrderNo+"/payments", nil, shopper, &pay)
	if pay["paySign"] == "" {
		t.Fatalf("payment params %v", pay)
	}
	secrets["paySign"] = pay["paySign"]
	if err := api.Pay.MarkPaid(ord.OrderNo, -1); err != nil {
		t.Fatal(err)
	}
	n := api.notification(t, ord.OrderNo)
	secrets["notification signature"] = n.Header.Get("Wechatpay-Signature")
	if resp, body := api.notify(t, transactionsHook, n); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("notification: %d %s", resp.StatusCode, body)
	}
	api.notify(t, transactionsHook, api.notification(t, ord.OrderNo, wechatpaytest.WithBadSignature()))
	runPaymentApplyJobs(t, api, ord.OrderNo)
	if err := api.Orders.IssueReceipt(context.Background(), app.OrderTask{OrderNo: ord.OrderNo}); err != nil {
		t.Fatal(err)
	}
	pass := api.exitPassOf(t, shopper, ord.OrderNo).Payload
	secrets["exit pass"] = pass
	// The payload is order.expiry.MAC: the MAC alone must not leak either.
	i := strings.LastIndex(pass, ".")
	if i < 0 || len(pass)-i < 16 {
		t.Fatalf("exit pass %q has no MAC part", pass)
	}
	secrets["exit pass MAC"] = pass[i+1:]
	api.mustDo(t, http.StatusCreated, "POST", "/v1/admin/exit-checks", map[string]any{"payload": pass}, clerk, nil)
	// The same pass again is refused, and refusals are logged too.
	api.postExitCheck(t, clerk, map[string]any{"payload": pass})

	var refund refundJSON
	api.mustKeyed(t, http.StatusCreated, refundsPath(ord.OrderNo), map[string]any{"lines": []map[string]any{
		{"line_id": ord.Lines[0].ID, "quantity": "1"}}, "reason": "dented"}, manager, &refund, newKey())
	api.runLatestJob(t, app.TaskRefundSubmit, refund.OutRefundNo)
	// A request with a token in the URL and a bad bearer, which careless
	// request logging would print.
	api.do(t, "GET", "/v1/admin/me?token="+manager, nil, "", "Authorization", "Bearer "+shopper)

	logs := api.Logs.String()
	if !strings.Contains(logs, ord.OrderNo) || strings.Count(logs, "\n") < 20 {
		t.Fatalf("the log holds %d lines and no order %s: the test would prove nothing:\n%s", strings.Count(logs, "\n"), ord.OrderNo, logs)
	}
	for name, s := range secrets {
		if s == "" {
			t.Errorf("secret %s is empty: the test would prove nothing", name)
			continue
		}
		if strings.Contains(logs, s) {
			t.Errorf("the log contains the %s", name)
		}
	}
	for _, bad := range []string{"BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY", `"password"`, "session_key"} {
		if strings.Contains(logs, bad) {
			t.Errorf("the log contains %q", bad)
		}
	}
}
