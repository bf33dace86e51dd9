package wechatpaytest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The vectors below were computed once outside Go, so the fake's crypto is
// checked against independent implementations:
//
//	AES-256-GCM: python3 with cryptography 48.0.0,
//	  AESGCM(key).encrypt(nonce, plaintext, associated_data), base64.
//	RSA-SHA256: testdata/signing_key.pem from `openssl genpkey -algorithm RSA
//	  -pkeyopt rsa_keygen_bits:2048`; signature from `openssl dgst -sha256
//	  -sign testdata/signing_key.pem msg | base64 -w0` (PKCS#1 v1.5 is
//	  deterministic).

const vecKey = "0123456789abcdefghijklmnopqrstuv"

func TestSealResourceMatchesFixedVector(t *testing.T) {
	plain := `{"out_trade_no":"SP20261126000001","trade_state":"SUCCESS","amount":{"total":1280,"payer_total":1280}}`
	const want = "Zif+kaNg3bAakEGni1wHi4QqM+gfcRpMkqv4pTQh/lWGKKkKG1RqMMyUhDWk8fq2L28ZIPjXhDMSvQ7gWlOowg5xKCVlqzRQau6MIQryfDJNyEzDyVgwa9VpBAgyzAzGIbNOExXOj6rsFSbdhrCRFjHPAwQKng=="
	got, err := sealResource(vecKey, "fixedNonce12", "transaction", []byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("ciphertext\n got %s\nwant %s", got, want)
	}
	back, err := openResource(vecKey, "fixedNonce12", "transaction", got)
	if err != nil || string(back) != plain {
		t.Fatalf("round trip: %q, %v", back, err)
	}
}

func TestOpenResourceDecryptsKnownCiphertext(t *testing.T) {
	const ct = "DWZviw6zJOI55/7MbcCvciw3YU7JBW4YS2ulcg==" // "退款成功", nonce refundNonce1, AD refund
	got, err := openResource(vecKey, "refundNonce1", "refund", ct)
	if err != nil || string(got) != "退款成功" {
		t.Fatalf("decrypt: %q, %v", got, err)
	}
	raw, _ := base64.StdEncoding.DecodeString(ct)
	raw[0] ^= 1
	for name, c := range map[string][3]string{
		"wrong AD":       {"refundNonce1", "transaction", ct},
		"wrong nonce":    {"refundNonce2", "refund", ct},
		"flipped byte":   {"refundNonce1", "refund", base64.StdEncoding.EncodeToString(raw)},
		"not base64":     {"refundNonce1", "refund", "%%%"},
		"short nonce":    {"refund", "refund", ct},
		"truncated data": {"refundNonce1", "refund", ct[:8]},
	} {
		if _, err := openResource(vecKey, c[0], c[1], c[2]); err == nil {
			t.Errorf("%s: decrypted", name)
		}
	}
}

func TestSignatureMatchesOpenSSLVector(t *testing.T) {
	key := loadTestKey(t)
	msg := "POST\n/v3/pay/transactions/jsapi\n1764129600\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n{\"appid\":\"wxd678efh567hg6787\"}\n"
	const want = "ZFNgpf5De4+VTiORgIOjWKnk6Dk4QiJyt19ebVFFnHHcYqkJCNaYN0oLFX0b9JGENUa+VR6TVHP7OZIIBZIF5cU6lT5be2YfQWCjrVSiqHKbKpTGBbXbbtNbHKD4dIZhcexr55FFwuNcrJ9mDmtPhLQMEZN2EVJ2Gq1fNbcmxS/6fDrECQpT1eVdj1RTM7WD+/FLZBPT7I5z5pMC1mymLIySET//P1S8TvdELKw/ZMqe51r17PGapOfh7jw0k8yiX7zyuVcVfSeeSTZDoqL1ugL/LqcWPMVP/juvHwvebfGUkmNuksNZGBfzyt/RASZJnOmX46VuWuK5GlEsbmLaNA=="
	got, err := signSHA256(key, msg)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("signature\n got %s\nwant %s", got, want)
	}
	if err := verifySHA256(&key.PublicKey, msg, want); err != nil {
		t.Fatalf("verify the openssl signature: %v", err)
	}
	if err := verifySHA256(&key.PublicKey, strings.Replace(msg, "1764129600", "1764129601", 1), want); err == nil {
		t.Fatal("a changed message verified")
	}
}

func TestParseAuthorization(t *testing.T) {
	want := map[string]string{"mchid": "1900000001", "nonce_str": "N1", "signature": "c2ln+/==", "timestamp": "1764129600", "serial_no": "ABC"}
	for _, h := range []string{
		`WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="N1",signature="c2ln+/==",timestamp="1764129600",serial_no="ABC"`,
		`WECHATPAY2-SHA256-RSA2048 serial_no="ABC", timestamp="1764129600",signature="c2ln+/==", nonce_str="N1",mchid="1900000001"`,
		`WECHATPAY2-SHA256-RSA2048 mchid=1900000001,nonce_str=N1,signature=c2ln+/==,timestamp=1764129600,serial_no=ABC`,
	} {
		got, err := parseAuthorization(h)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %v, %v", h, got, err)
		}
	}
	for _, h := range []string{
		"", "Bearer x", `WECHATPAY2-SHA256-RSA2048X mchid="1"`, `WECHATPAY2-SHA256-RSA2048 mchid="1`,
		`WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="2"`, `WECHATPAY2-SHA256-RSA2048 ="1"`,
	} {
		if got, err := parseAuthorization(h); err == nil {
			t.Errorf("%q parsed: %v", h, got)
		}
	}
}

func loadTestKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile("testdata/signing_key.pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatal("testdata/signing_key.pem: no PKCS#8 PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

// OpenResource lets the external tests decrypt notifications with the
// decryption checked above.
var OpenResource = openResource

// openResource reverses sealResource; it fails when any of the inputs was
// changed (the GCM tag no longer matches).
func openResource(apiV3Key, nonce, associatedData, ciphertext string) ([]byte, error) {
	aead, err := resourceAEAD(apiV3Key, nonce)
	if err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return nil, errors.New("ciphertext is not base64")
	}
	plain, err := aead.Open(nil, []byte(nonce), raw, []byte(associatedData))
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return plain, nil
}
