package wechatpaytest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
)

// Keys is a merchant's key set as both sides hold it: the adapter is
// configured from it (merchant key and serial, WeChat Pay public key and id,
// APIv3 key) and the fake checks and signs with the other halves, so one
// value wires a test or the embedded mode end to end.
type Keys struct {
	AppID, MchID string
	// MerchantSerial is the merchant certificate serial, sent as serial_no
	// in every request's Authorization header.
	MerchantSerial string
	// MerchantKey signs requests; the fake checks with &MerchantKey.PublicKey.
	MerchantKey *rsa.PrivateKey
	// PlatformKeyID is the WeChat Pay public key id ("PUB_KEY_ID_" + digits)
	// the fake sends as Wechatpay-Serial.
	PlatformKeyID string
	// PlatformKey signs responses and notifications; clients verify with
	// &PlatformKey.PublicKey.
	PlatformKey *rsa.PrivateKey
	// APIv3Key is the 32-byte AES-256-GCM key of notification resources.
	APIv3Key string
}

// GenerateKeys makes a throwaway key set (fresh RSA-2048 keys, random
// serial, public key id and APIv3 key), so no real secret is ever needed
// offline.
func GenerateKeys(appID, mchID string) (*Keys, error) {
	merchant, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("wechatpaytest: merchant key: %w", err)
	}
	platform, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("wechatpaytest: platform key: %w", err)
	}
	return &Keys{
		AppID: appID, MchID: mchID,
		MerchantSerial: strings.ToUpper(randHex(20)),
		MerchantKey:    merchant,
		PlatformKeyID:  "PUB_KEY_ID_" + randDigits(28),
		PlatformKey:    platform,
		APIv3Key:       randAlnum(32),
	}, nil
}

// MerchantKeyPEM is the merchant private key as the merchant's
// apiclient_key.pem holds it (PKCS#8 "PRIVATE KEY"), for code that loads
// keys from files or config.
func (k *Keys) MerchantKeyPEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k.MerchantKey)
	if err != nil {
		return nil // only for key types other than RSA
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// PlatformPublicKeyPEM is the WeChat Pay public key as the merchant platform
// hands it out (PKIX "PUBLIC KEY"), for code that loads it from config.
func (k *Keys) PlatformPublicKeyPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(&k.PlatformKey.PublicKey)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// randHex returns n random bytes in lower-case hex.
func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b)
}

// randFrom returns n characters drawn uniformly from alphabet.
func randFrom(alphabet string, n int) string {
	size := big.NewInt(int64(len(alphabet)))
	b := make([]byte, n)
	for i := range b {
		v, err := rand.Int(rand.Reader, size)
		if err != nil {
			panic(err) // crypto/rand does not fail
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

func randDigits(n int) string { return randFrom("0123456789", n) }

func randAlnum(n int) string {
	return randFrom("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", n)
}

// randUUID returns a random RFC 4122 version 4 id, the shape of
// notification ids.
func randUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
