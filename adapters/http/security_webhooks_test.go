package http_test

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
)

// notifyEnvelope is a WeChat Pay notification body (DESIGN §6).
type notifyEnvelope struct {
	ID           string `json:"id"`
	CreateTime   string `json:"create_time"`
	ResourceType string `json:"resource_type"`
	EventType    string `json:"event_type"`
	Summary      string `json:"summary"`
	Resource     struct {
		OriginalType   string `json:"original_type"`
		Algorithm      string `json:"algorithm"`
		Ciphertext     string `json:"ciphertext"`
		AssociatedData string `json:"associated_data"`
		Nonce          string `json:"nonce"`
	} `json:"resource"`
}

// forger builds notifications the way WeChat Pay does, with keys a test
// chooses: the real ones, or a whole other merchant's set.
type forger struct {
	signKey  *rsa.PrivateKey
	keyID    string // Wechatpay-Serial
	apiV3Key string // seals the resource
}

// open decrypts the resource of a genuine notification, to re-seal its
// exact content under other keys.
func openResource(t *testing.T, apiV3Key string, n *wechatpaytest.Notification) (notifyEnvelope, []byte) {
	t.Helper()
	var env notifyEnvelope
	if err := json.Unmarshal(n.Body, &env); err != nil {
		t.Fatal(err)
	}
	ct, err := base64.StdEncoding.DecodeString(env.Resource.Ciphertext)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := aesGCM(t, apiV3Key).Open(nil, []byte(env.Resource.Nonce), ct, []byte(env.Resource.AssociatedData))
	if err != nil {
		t.Fatal(err)
	}
	return env, plain
}

func aesGCM(t *testing.T, key string) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// build seals plain into env under f's APIv3 key, with event type event,
// and signs it with f's key at ts.
func (f forger) build(t *testing.T, env notifyEnvelope, event string, plain []byte, ts time.Time) *wechatpaytest.Notification {
	t.Helper()
	env.ID = fmt.Sprintf("forged-%d", time.Now().UnixNano())
	env.EventType = event
	nonce := "abcdefghijkl"
	env.Resource.Nonce = nonce
	env.Resource.Ciphertext = base64.StdEncoding.EncodeToString(aesGCM(t, f.apiV3Key).Seal(nil, []byte(nonce), plain, []byte(env.Resource.AssociatedData)))
	body, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	tsStr, sigNonce := strconv.FormatInt(ts.Unix(), 10), "n0nce"+strconv.FormatInt(time.Now().UnixNano(), 36)
	digest := sha256.Sum256([]byte(tsStr + "\n" + sigNonce + "\n" + string(body) + "\n"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, f.signKey, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Wechatpay-Serial", f.keyID)
	h.Set("Wechatpay-Timestamp", tsStr)
	h.Set("Wechatpay-Nonce", sigNonce)
	h.Set("Wechatpay-Signature", base64.StdEncoding.EncodeToString(sig))
	return &wechatpaytest.Notification{Header: h, Body: body}
}

// otherKeys is a second merchant key set (platform key, key id, APIv3
// key): what an attacker who set up their own merchant account holds.
var otherKeys = func() func() (*wechatpaytest.Keys, error) {
	var k *wechatpaytest.Keys
	var err error
	return func() (*wechatpaytest.Keys, error) {
		if k == nil && err == nil {
			k, err = wechatpaytest.GenerateKeys(wechattest.DefaultAppID, "1900000999")
		}
		return k, err
	}
}()

// TestSecurityWebhookForgeries extends TestForgedNotificationsAreRefused
// (probe, bad signature, tampered body and ciphertext, old timestamp) with
// what a stranger holding a key set of their own could send, replays on
// the refund hook, future and missing timestamps, another merchant's
// resource and events we do not act on. Every refusal is 401 in WeChat
// Pay's format and leaves every table as it was; the genuine notification
// sent last still goes through, so the refusals were not luck.
func TestSecurityWebhookForgeries(t *testing.T) {
	api := newTestAPI(t)
	no := api.paidOrder(t, "oSecHook01")
	ours := api.PayKeys
	other, err := otherKeys()
	if err != nil {
		t.Fatal(err)
	}
	genuine := api.notification(t, no)
	env, plain := openResource(t, ours.APIv3Key, genuine)
	var resource map[string]any
	if err := json.Unmarshal(plain, &resource); err != nil {
		t.Fatal(err)
	}
	resource["mchid"] = other.MchID
	otherMerchant, _ := json.Marshal(resource)

	real := forger{signKey: ours.PlatformKey, keyID: ours.PlatformKeyID, apiV3Key: ours.APIv3Key}
	stranger := forger{signKey: other.PlatformKey, keyID: other.PlatformKeyID, apiV3Key: other.APIv3Key}
	strangerOurID := forger{signKey: other.PlatformKey, keyID: ours.PlatformKeyID, apiV3Key: ours.APIv3Key}
	otherAPIv3 := forger{signKey: ours.PlatformKey, keyID: ours.PlatformKeyID, apiV3Key: other.APIv3Key}
	now := time.Now()

	// The self-built genuine notification verifies: the forger is faithful,
	// so each refusal below is about the one thing changed.
	probe := real.build(t, env, "TRANSACTION.SUCCESS", plain, now)

	cases := []struct {
		name string
		path string
		n    *wechatpaytest.Notification
	}{
		{"another key set entirely", transactionsHook, stranger.build(t, env, "TRANSACTION.SUCCESS", plain, now)},
		{"another key under our key id", transactionsHook, strangerOurID.build(t, env, "TRANSACTION.SUCCESS", plain, now)},
		{"sealed with another APIv3 key", transactionsHook, otherAPIv3.build(t, env, "TRANSACTION.SUCCESS", plain, now)},
		{"another key on the refund hook", refundsHook, stranger.build(t, env, "REFUND.SUCCESS", plain, now)},
		{"unknown event type, forged", transactionsHook, stranger.build(t, env, "COUPON.USE", plain, now)},
		{"replayed an hour later", transactionsHook, real.build(t, env, "TRANSACTION.SUCCESS", plain, now.Add(-time.Hour))},
		{"replayed on the refund hook", refundsHook, api.notification(t, no, wechatpaytest.WithTimestamp(now.Add(-10*time.Minute)))},
		{"timestamp from the future", transactionsHook, real.build(t, env, "TRANSACTION.SUCCESS", plain, now.Add(10*time.Minute))},
		{"another merchant's payment, genuinely signed", transactionsHook, real.build(t, env, "TRANSACTION.SUCCESS", otherMerchant, now)},
		{"signature probe on the refund hook", refundsHook, api.notification(t, no, wechatpaytest.WithSignTest())},
		{"tampered ciphertext on the refund hook", refundsHook, api.notification(t, no, wechatpaytest.WithTamperedCiphertext())},
	}
	noTimestamp := api.notification(t, no)
	noTimestamp.Header.Del("Wechatpay-Timestamp")
	cases = append(cases, struct {
		name string
		path string
		n    *wechatpaytest.Notification
	}{"no timestamp header", transactionsHook, noTimestamp})

	before := dbFingerprint(t, api)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.notify(t, tc.path, tc.n)
			wantFail(t, resp, body, http.StatusUnauthorized)
		})
	}
	unchanged(t, api, before, "refused notifications")

	if resp, body := api.notify(t, transactionsHook, probe); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("the forger's genuine notification: %d %s; the refusals above prove nothing", resp.StatusCode, body)
	}
	if got := api.count(t, "SELECT COUNT(*) FROM outbox WHERE task_type = 'payment:apply'"); got != 1 {
		t.Fatalf("%d payment:apply jobs after one genuine notification", got)
	}
}

// An authentic notification of an event type we do not act on is kept
// (payment_events, for the record) and acknowledged with 204, because a
// refusal would have WeChat Pay send it again for a day (see
// ParseNotification in adapters/wechatpay). It queues no job and touches
// no order or payment: authentic is not the same as actionable.
func TestSecurityWebhookUnknownEventType(t *testing.T) {
	api := newTestAPI(t)
	no := api.paidOrder(t, "oSecHook02")
	ours := api.PayKeys
	env, plain := openResource(t, ours.APIv3Key, api.notification(t, no))
	real := forger{signKey: ours.PlatformKey, keyID: ours.PlatformKeyID, apiV3Key: ours.APIv3Key}

	tables := func() map[string]string {
		fp := dbFingerprint(t, api)
		delete(fp, "payment_events")
		return fp
	}
	before := tables()
	// COUPON.USE is a real WeChat Pay event type scanpay has no use for.
	// (Any TRANSACTION.* type is read as a transaction: what it does is
	// decided by the resource's trade_state, which is as authentic.)
	resp, body := api.notify(t, transactionsHook, real.build(t, env, "COUPON.USE", plain, time.Now()))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("authentic unknown event: %d %s, want 204", resp.StatusCode, body)
	}
	if changed := changedTables(before, tables()); len(changed) > 0 {
		t.Errorf("an unknown event type changed %q; only payment_events may take it", changed)
	}
	if got := api.count(t, "SELECT COUNT(*) FROM payment_events WHERE event_type = 'COUPON.USE'"); got != 1 {
		t.Errorf("%d unknown events recorded, want 1", got)
	}
	var ord orderJSON
	tok := api.loginShopper(t, "oSecHook02")
	api.mustDo(t, http.StatusOK, "GET", "/v1/mp/orders/"+no, nil, tok, &ord)
	if ord.Status != "pending_payment" {
		t.Errorf("order is %s after an unknown event, want pending_payment", ord.Status)
	}
}
