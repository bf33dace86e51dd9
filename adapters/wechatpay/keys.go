package wechatpay

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"
)

// ParsePrivateKeyPEM reads the merchant API private key (apiclient_key.pem).
// WeChat Pay issues it as PKCS#8 ("PRIVATE KEY"), which the SDK's loader
// reads; a PKCS#1 ("RSA PRIVATE KEY") file, as openssl genrsa writes, is
// accepted too so a converted key does not fail start-up.
func ParsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block != nil && block.Type == "RSA PRIVATE KEY" {
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("wechatpay: merchant private key: %w", err)
		}
		return key, nil
	}
	key, err := utils.LoadPrivateKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("wechatpay: merchant private key: %w", err)
	}
	return key, nil
}

// ParsePublicKeyPEM reads the WeChat Pay public key (pub_key.pem, id
// PUB_KEY_ID_...), which verifies responses and notifications.
func ParsePublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
	key, err := utils.LoadPublicKey(string(data))
	if err != nil {
		return nil, fmt.Errorf("wechatpay: WeChat Pay public key: %w", err)
	}
	return key, nil
}
