package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// merchantEnv is a complete, valid WeChat Pay merchant configuration whose
// key files exist (config only checks that they are there; main parses them).
func merchantEnv(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	keyFile, pubFile := filepath.Join(dir, "apiclient_key.pem"), filepath.Join(dir, "pub_key.pem")
	for _, f := range []string{keyFile, pubFile} {
		if err := os.WriteFile(f, []byte("-----BEGIN TEST-----\n-----END TEST-----\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return map[string]string{
		"WECHAT_APPID":                "wx0123456789abcdef",
		"WECHATPAY_MCHID":             "1900000109",
		"WECHATPAY_MERCHANT_SERIAL":   "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
		"WECHATPAY_MERCHANT_KEY_FILE": keyFile,
		"WECHATPAY_PUBLIC_KEY_ID":     "PUB_KEY_ID_0119000001092025010100000000000001",
		"WECHATPAY_PUBLIC_KEY_FILE":   pubFile,
		"WECHATPAY_APIV3_KEY":         "0123456789abcdef0123456789ABCDEF",
		"WECHATPAY_NOTIFY_BASE":       "https://pay.example.com",
	}
}

// with returns a copy of kv with the changes applied; an empty value unsets
// the variable (Load trims values, so "" is "not set").
func with(kv map[string]string, changes map[string]string) map[string]string {
	out := make(map[string]string, len(kv)+len(changes))
	for k, v := range kv {
		out[k] = v
	}
	for k, v := range changes {
		out[k] = v
	}
	return out
}

// Without WECHATPAY_MCHID there is no merchant: the rest is not checked,
// and the embedded mode runs its in-process stand-in instead.
func TestWechatPayDisabledWithoutMchID(t *testing.T) {
	c := mustLoad(t, nil)
	if c.WechatPay.Enabled() {
		t.Fatal("WeChat Pay enabled with nothing set")
	}
	if c.WechatPay.ReconcileInterval != time.Minute || c.WechatPay.APIBase != "" || c.WechatPay.NotifyBase != "" {
		t.Errorf("defaults: %+v", c.WechatPay)
	}
	// The merchant's other values are only checked once WECHATPAY_MCHID
	// names a merchant; until then they change nothing.
	half := with(merchantEnv(t), map[string]string{"WECHATPAY_MCHID": "", "WECHATPAY_APIV3_KEY": "short",
		"WECHATPAY_NOTIFY_BASE": "http://pay.example.com", "WECHATPAY_PUBLIC_KEY_FILE": "/nonexistent/pub_key.pem"})
	if c := mustLoad(t, half); c.WechatPay.Enabled() {
		t.Fatal("enabled without WECHATPAY_MCHID")
	}
}

func TestWechatPayMerchantLoads(t *testing.T) {
	kv := merchantEnv(t)
	c := mustLoad(t, with(kv, map[string]string{"WECHATPAY_API_BASE": "http://127.0.0.1:9999", "RECONCILE_INTERVAL": "30s"}))
	w := c.WechatPay
	if !w.Enabled() || w.MchID != kv["WECHATPAY_MCHID"] || w.MerchantSerial != kv["WECHATPAY_MERCHANT_SERIAL"] ||
		w.MerchantKeyFile != kv["WECHATPAY_MERCHANT_KEY_FILE"] || w.PublicKeyID != kv["WECHATPAY_PUBLIC_KEY_ID"] ||
		w.PublicKeyFile != kv["WECHATPAY_PUBLIC_KEY_FILE"] || w.APIv3Key != kv["WECHATPAY_APIV3_KEY"] ||
		w.NotifyBase != kv["WECHATPAY_NOTIFY_BASE"] || w.APIBase != "http://127.0.0.1:9999" ||
		w.ReconcileInterval != 30*time.Second {
		t.Fatalf("loaded %+v from %v", w, kv)
	}
}

// With a merchant named, every missing or bad value is one problem line
// naming its variable, all reported by one Load.
func TestWechatPayRules(t *testing.T) {
	tests := []struct {
		name    string
		changes map[string]string
		want    []string // variables named by the problem lines
		says    string   // a fragment the error must contain
	}{
		{
			name: "only the mchid",
			changes: map[string]string{"WECHATPAY_MERCHANT_SERIAL": "", "WECHATPAY_MERCHANT_KEY_FILE": "",
				"WECHATPAY_PUBLIC_KEY_ID": "", "WECHATPAY_PUBLIC_KEY_FILE": "", "WECHATPAY_APIV3_KEY": "",
				"WECHATPAY_NOTIFY_BASE": ""},
			want: []string{"WECHATPAY_APIV3_KEY", "WECHATPAY_MERCHANT_KEY_FILE", "WECHATPAY_MERCHANT_SERIAL",
				"WECHATPAY_NOTIFY_BASE", "WECHATPAY_PUBLIC_KEY_FILE", "WECHATPAY_PUBLIC_KEY_ID"},
			says: "is required when WECHATPAY_MCHID is set",
		},
		{
			name:    "no serial",
			changes: map[string]string{"WECHATPAY_MERCHANT_SERIAL": ""},
			want:    []string{"WECHATPAY_MERCHANT_SERIAL"},
			says:    "is required when WECHATPAY_MCHID is set",
		},
		{
			name:    "blank public key id",
			changes: map[string]string{"WECHATPAY_PUBLIC_KEY_ID": "   "},
			want:    []string{"WECHATPAY_PUBLIC_KEY_ID"},
			says:    "is required",
		},
		{
			name: "key files that do not exist",
			changes: map[string]string{"WECHATPAY_MERCHANT_KEY_FILE": "/nonexistent/apiclient_key.pem",
				"WECHATPAY_PUBLIC_KEY_FILE": "/nonexistent/pub_key.pem"},
			want: []string{"WECHATPAY_MERCHANT_KEY_FILE", "WECHATPAY_PUBLIC_KEY_FILE"},
			says: "cannot be read",
		},
		{
			name:    "APIv3 key of 31 characters",
			changes: map[string]string{"WECHATPAY_APIV3_KEY": strings.Repeat("k", 31)},
			want:    []string{"WECHATPAY_APIV3_KEY"},
			says:    "32-character",
		},
		{
			name:    "APIv3 key of 33 characters",
			changes: map[string]string{"WECHATPAY_APIV3_KEY": strings.Repeat("k", 33)},
			want:    []string{"WECHATPAY_APIV3_KEY"},
			says:    "32-character",
		},
		{
			name:    "plain http to a public host",
			changes: map[string]string{"WECHATPAY_NOTIFY_BASE": "http://pay.example.com"},
			want:    []string{"WECHATPAY_NOTIFY_BASE"},
			says:    "must be an https URL",
		},
		{
			name:    "plain http to a private address",
			changes: map[string]string{"WECHATPAY_NOTIFY_BASE": "http://10.0.0.5:8080"},
			want:    []string{"WECHATPAY_NOTIFY_BASE"},
			says:    "http only on loopback",
		},
		{
			name:    "no host",
			changes: map[string]string{"WECHATPAY_NOTIFY_BASE": "https://"},
			want:    []string{"WECHATPAY_NOTIFY_BASE"},
			says:    "must be an https URL",
		},
		{
			name:    "not a URL",
			changes: map[string]string{"WECHATPAY_NOTIFY_BASE": "pay.example.com"},
			want:    []string{"WECHATPAY_NOTIFY_BASE"},
			says:    "pay.example.com",
		},
		{
			name:    "another scheme",
			changes: map[string]string{"WECHATPAY_NOTIFY_BASE": "ftp://pay.example.com"},
			want:    []string{"WECHATPAY_NOTIFY_BASE"},
			says:    "must be an https URL",
		},
		{
			name:    "https",
			changes: map[string]string{"WECHATPAY_NOTIFY_BASE": "https://pay.example.com:8443/scanpay"},
		},
		{
			name:    "http on loopback",
			changes: map[string]string{"WECHATPAY_NOTIFY_BASE": "http://127.0.0.1:8080"},
		},
		{
			name:    "http on localhost",
			changes: map[string]string{"WECHATPAY_NOTIFY_BASE": "http://localhost:8080"},
		},
		{
			name:    "http on loopback without a port",
			changes: map[string]string{"WECHATPAY_NOTIFY_BASE": "http://127.0.0.1"},
		},
		{
			name:    "no mini-program to pay for",
			changes: map[string]string{"WECHAT_APPID": ""},
			want:    []string{"WECHAT_APPID"},
			says:    "is required when WECHATPAY_MCHID is set",
		},
		{
			name:    "key file is a directory",
			changes: map[string]string{"WECHATPAY_PUBLIC_KEY_FILE": os.TempDir()},
			want:    []string{"WECHATPAY_PUBLIC_KEY_FILE"},
			says:    "is a directory",
		},
		{
			name:    "http on IPv6 loopback",
			changes: map[string]string{"WECHATPAY_NOTIFY_BASE": "http://[::1]:8080"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(env(with(merchantEnv(t), tc.changes)))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused a valid configuration: %v", err)
				}
				return
			}
			got := problemKeys(t, err)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("problems name %v, want %v; error:\n%v", got, tc.want, err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error does not say %q:\n%v", tc.says, err)
			}
		})
	}
}

// The APIv3 key decrypts every notification: it is masked wherever the
// configuration is printed. The ids and paths are not secrets and show.
func TestWechatPaySettingsMaskTheAPIv3Key(t *testing.T) {
	kv := merchantEnv(t)
	c := mustLoad(t, kv)
	got := map[string]string{}
	for _, s := range c.Settings() {
		got[s.Key] = s.Value
	}
	if got["WECHATPAY_APIV3_KEY"] != "****" {
		t.Errorf("WECHATPAY_APIV3_KEY printed as %q, want ****", got["WECHATPAY_APIV3_KEY"])
	}
	for _, key := range []string{"WECHATPAY_MCHID", "WECHATPAY_MERCHANT_SERIAL", "WECHATPAY_MERCHANT_KEY_FILE",
		"WECHATPAY_PUBLIC_KEY_ID", "WECHATPAY_PUBLIC_KEY_FILE", "WECHATPAY_NOTIFY_BASE"} {
		if got[key] != kv[key] {
			t.Errorf("%s printed as %q, want %q", key, got[key], kv[key])
		}
	}
	if got["RECONCILE_INTERVAL"] != "1m0s" {
		t.Errorf("RECONCILE_INTERVAL printed as %q", got["RECONCILE_INTERVAL"])
	}
	var b strings.Builder
	c.Print(&b)
	if strings.Contains(b.String(), kv["WECHATPAY_APIV3_KEY"]) {
		t.Errorf("the APIv3 key is printed in clear:\n%s", b.String())
	}
	// Unset, it prints empty, not ****: the log then shows it is missing.
	for _, s := range mustLoad(t, nil).Settings() {
		if s.Key == "WECHATPAY_APIV3_KEY" && s.Value != "" {
			t.Errorf("unset WECHATPAY_APIV3_KEY printed as %q", s.Value)
		}
	}
}

// RECONCILE_INTERVAL is read with or without a merchant, between 1s and 1h.
func TestReconcileInterval(t *testing.T) {
	for val, want := range map[string]time.Duration{"": time.Minute, "1s": time.Second, "5m": 5 * time.Minute, "1h": time.Hour} {
		c := mustLoad(t, map[string]string{"RECONCILE_INTERVAL": val})
		if c.WechatPay.ReconcileInterval != want {
			t.Errorf("RECONCILE_INTERVAL=%q: %s, want %s", val, c.WechatPay.ReconcileInterval, want)
		}
	}
	for _, val := range []string{"999ms", "61m", "0", "-1m", "every minute", "60"} {
		for _, kv := range []map[string]string{{}, merchantEnv(t)} {
			_, err := Load(env(with(kv, map[string]string{"RECONCILE_INTERVAL": val})))
			if got := problemKeys(t, err); !slices.Equal(got, []string{"RECONCILE_INTERVAL"}) {
				t.Errorf("RECONCILE_INTERVAL=%q (merchant %v): problems %v, want [RECONCILE_INTERVAL]; error:\n%v",
					val, kv["WECHATPAY_MCHID"] != "", got, err)
			}
		}
	}
}
