package wechatpay

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"
)

// Credentials is what a merchant receives when it opens a WeChat Pay account
// (merchant number, app id, API certificate and key, the WeChat Pay public key
// with its ID, the APIv3 key), plus the platform private key that only WeChat
// Pay — here the sandbox — holds.
type Credentials struct {
	MchID, AppID string
	// MerchantSerial is the merchant API certificate's serial number as
	// uppercase hex (fmt %X of the serial's bytes), the serial_no of every
	// request's Authorization header.
	MerchantSerial string
	// MerchantKey is the merchant's RSA-2048 API private key; the sandbox
	// verifies requests with its public half.
	MerchantKey *rsa.PrivateKey
	// MerchantCertPEM is the self-signed merchant API certificate.
	MerchantCertPEM []byte
	// PublicKeyID names the WeChat Pay public key ("PUB_KEY_ID_" + 34 digits);
	// it is the Wechatpay-Serial of every signed response and notification.
	PublicKeyID string
	// PlatformKey is WeChat Pay's signing key. Its public half is the
	// "WeChat Pay public key" (pub_key.pem) a merchant downloads.
	PlatformKey *rsa.PrivateKey
	// APIv3Key is the 32-character key that encrypts notification resources
	// with AES-256-GCM.
	APIv3Key string
}

// validate reports the first field that would make the sandbox unusable.
func (c *Credentials) validate() error {
	switch {
	case c == nil:
		return errors.New("credentials are nil")
	case c.MchID == "" || c.AppID == "":
		return errors.New("mchid and appid are required")
	case c.MerchantSerial == "":
		return errors.New("merchant serial is required")
	case c.MerchantKey == nil || c.PlatformKey == nil:
		return errors.New("merchant key and platform key are required")
	case !strings.HasPrefix(c.PublicKeyID, "PUB_KEY_ID_"):
		return fmt.Errorf("public key id %q does not start with PUB_KEY_ID_", c.PublicKeyID)
	case len(c.APIv3Key) != 32:
		// AES-256-GCM: the SDK would silently fall back to AES-128 with a
		// 16-byte key, so insist on what WeChat issues.
		return fmt.Errorf("APIv3 key must be 32 bytes, got %d", len(c.APIv3Key))
	}
	return nil
}

// GenerateCredentials creates a fresh merchant: numbers, RSA-2048 merchant and
// platform keys, a self-signed merchant API certificate valid from now for
// five years, a public-key ID and an APIv3 key. random feeds every choice
// except the RSA primes when the Go runtime ignores a caller's reader for
// key generation.
func GenerateCredentials(random io.Reader, now time.Time) (*Credentials, error) {
	if random == nil {
		random = rand.Reader
	}
	merchantKey, err := rsa.GenerateKey(random, 2048)
	if err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: merchant key: %w", err)
	}
	platformKey, err := rsa.GenerateKey(random, 2048)
	if err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: platform key: %w", err)
	}
	mch, err := randomString(random, digits, 8)
	if err != nil {
		return nil, err
	}
	app, err := randomString(random, hexLower, 16)
	if err != nil {
		return nil, err
	}
	keyID, err := randomString(random, digits, 34)
	if err != nil {
		return nil, err
	}
	v3, err := randomString(random, alnum, 32)
	if err != nil {
		return nil, err
	}
	c := &Credentials{
		MchID:       "19" + mch,
		AppID:       "wx" + app,
		MerchantKey: merchantKey,
		PublicKeyID: "PUB_KEY_ID_" + keyID,
		PlatformKey: platformKey,
		APIv3Key:    v3,
	}
	c.MerchantCertPEM, c.MerchantSerial, err = merchantCertificate(random, merchantKey, c.MchID, now)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// merchantCertificate issues the self-signed stand-in for the merchant API
// certificate (apiclient_cert.pem). Real ones are issued by a WeChat CA with
// CN = the merchant number and a 40-hex-digit serial; this one copies those
// visible traits so that serial handling is exercised realistically.
func merchantCertificate(random io.Reader, key *rsa.PrivateKey, mchID string, now time.Time) ([]byte, string, error) {
	raw := make([]byte, 20)
	if _, err := io.ReadFull(random, raw); err != nil {
		return nil, "", fmt.Errorf("wechatpay sandbox: certificate serial: %w", err)
	}
	raw[0] = raw[0]&0x7f | 0x10 // positive, and a full 20 bytes so %X gives 40 digits
	serial := new(big.Int).SetBytes(raw)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:         mchID,
			Organization:       []string{"微信商户系统（沙箱）"},
			OrganizationalUnit: []string{"社保缴费（沙箱）"},
			Country:            []string{"CN"},
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(random, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, "", fmt.Errorf("wechatpay sandbox: merchant certificate: %w", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return pemBytes, fmt.Sprintf("%X", serial.Bytes()), nil
}
