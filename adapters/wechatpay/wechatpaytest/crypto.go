package wechatpaytest

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// signSHA256 is WeChat Pay's signature: base64(RSASSA-PKCS1-v1_5(SHA-256)).
// Requests, responses and notifications all use it.
func signSHA256(key *rsa.PrivateKey, message string) (string, error) {
	sum := sha256.Sum256([]byte(message))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("wechatpaytest: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// verifySHA256 checks a signature made by signSHA256.
func verifySHA256(pub *rsa.PublicKey, message, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return errors.New("signature is not base64")
	}
	sum := sha256.Sum256([]byte(message))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return errors.New("signature does not verify")
	}
	return nil
}

// sealResource encrypts a notification resource the way WeChat Pay does:
// AES-256-GCM keyed by the APIv3 key's bytes, the 12-character nonce
// string's bytes as nonce, associatedData as additional data; the result is
// base64(ciphertext || tag).
func sealResource(apiV3Key, nonce, associatedData string, plaintext []byte) (string, error) {
	aead, err := resourceAEAD(apiV3Key, nonce)
	if err != nil {
		return "", err
	}
	out := aead.Seal(nil, []byte(nonce), plaintext, []byte(associatedData))
	return base64.StdEncoding.EncodeToString(out), nil
}

func resourceAEAD(apiV3Key, nonce string) (cipher.AEAD, error) {
	if len(apiV3Key) != 32 {
		return nil, fmt.Errorf("wechatpaytest: APIv3 key is %d bytes, want 32", len(apiV3Key))
	}
	if len(nonce) != 12 {
		return nil, fmt.Errorf("wechatpaytest: nonce is %d bytes, want 12", len(nonce))
	}
	block, err := aes.NewCipher([]byte(apiV3Key))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
