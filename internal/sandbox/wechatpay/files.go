package wechatpay

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// File names inside a credentials directory. The first three are the names a
// merchant gets from the WeChat Pay console and certificate tool; the
// platform key is the sandbox's own secret and has no real-world counterpart.
const (
	merchantKeyFile  = "apiclient_key.pem"
	merchantCertFile = "apiclient_cert.pem"
	publicKeyFile    = "pub_key.pem"
	platformKeyFile  = "sandbox_platform_key.pem"
	configFile       = "merchant.json"
)

// MerchantConfig is merchant.json: everything the platform's adapter needs to
// reach the sandbox as if it were WeChat Pay. File paths are relative to the
// directory holding merchant.json.
type MerchantConfig struct {
	MchID                  string `json:"mchid"`
	AppID                  string `json:"appid"`
	MerchantSerial         string `json:"merchant_serial"`
	MerchantPrivateKeyFile string `json:"merchant_private_key_file"`
	WechatPayPublicKeyID   string `json:"wechatpay_public_key_id"`
	WechatPayPublicKeyFile string `json:"wechatpay_public_key_file"`
	APIv3Key               string `json:"apiv3_key"`
	BaseURL                string `json:"base_url"`

	dir string // where merchant.json was read from, to resolve the file paths
}

// MerchantKeys are the keys merchant.json names, parsed in the formats the
// SDK's loaders accept (PKCS#8 "PRIVATE KEY", PKIX "PUBLIC KEY").
type MerchantKeys struct {
	MerchantKey        *rsa.PrivateKey
	WechatPayPublicKey *rsa.PublicKey
}

// ReadMerchantConfig reads merchant.json. A missing file yields an error that
// matches fs.ErrNotExist.
func ReadMerchantConfig(path string) (*MerchantConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: read merchant config: %w", err)
	}
	var c MerchantConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: parse %s: %w", path, err)
	}
	c.dir = filepath.Dir(path)
	return &c, nil
}

// Resolve turns a file path from merchant.json into one usable from the
// current directory.
func (c *MerchantConfig) Resolve(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(c.dir, name)
}

// LoadKeys reads and parses the merchant private key and WeChat Pay public key
// that merchant.json names.
func (c *MerchantConfig) LoadKeys() (*MerchantKeys, error) {
	mk, err := readPrivateKey(c.Resolve(c.MerchantPrivateKeyFile))
	if err != nil {
		return nil, err
	}
	pk, err := readPublicKey(c.Resolve(c.WechatPayPublicKeyFile))
	if err != nil {
		return nil, err
	}
	return &MerchantKeys{MerchantKey: mk, WechatPayPublicKey: pk}, nil
}

// LoadOrCreate reads the sandbox merchant from dir, or on first use generates
// one and writes it there in the formats WeChat Pay issues, so that demo mode
// keeps the same merchant across restarts (orders do not survive; see the
// package doc). baseURL is rewritten into merchant.json on every call because
// the sandbox may listen elsewhere each run.
func LoadOrCreate(dir, baseURL string, random io.Reader, now time.Time) (*Credentials, error) {
	mc, err := ReadMerchantConfig(filepath.Join(dir, configFile))
	switch {
	case err == nil:
		creds, err := loadCredentials(dir, mc)
		if err != nil {
			return nil, err
		}
		if mc.BaseURL != baseURL {
			mc.BaseURL = baseURL
			if err := writeMerchantConfig(dir, mc); err != nil {
				return nil, err
			}
		}
		return creds, nil
	case errors.Is(err, fs.ErrNotExist):
		creds, err := GenerateCredentials(random, now)
		if err != nil {
			return nil, err
		}
		if err := writeCredentials(dir, baseURL, creds); err != nil {
			return nil, err
		}
		return creds, nil
	default:
		return nil, err
	}
}

func loadCredentials(dir string, mc *MerchantConfig) (*Credentials, error) {
	keys, err := mc.LoadKeys()
	if err != nil {
		return nil, err
	}
	platform, err := readPrivateKey(filepath.Join(dir, platformKeyFile))
	if err != nil {
		return nil, err
	}
	if !platform.PublicKey.Equal(keys.WechatPayPublicKey) {
		return nil, fmt.Errorf("wechatpay sandbox: %s does not match %s", publicKeyFile, platformKeyFile)
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, merchantCertFile))
	if err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: %w", err)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("wechatpay sandbox: %s holds no CERTIFICATE", merchantCertFile)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: parse %s: %w", merchantCertFile, err)
	}
	if serial := fmt.Sprintf("%X", cert.SerialNumber.Bytes()); serial != mc.MerchantSerial {
		return nil, fmt.Errorf("wechatpay sandbox: certificate serial %s, merchant.json says %s", serial, mc.MerchantSerial)
	}
	if !keys.MerchantKey.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("wechatpay sandbox: %s does not match the merchant key", merchantCertFile)
	}
	c := &Credentials{
		MchID: mc.MchID, AppID: mc.AppID, MerchantSerial: mc.MerchantSerial,
		MerchantKey: keys.MerchantKey, MerchantCertPEM: certPEM,
		PublicKeyID: mc.WechatPayPublicKeyID, PlatformKey: platform, APIv3Key: mc.APIv3Key,
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: %s: %w", configFile, err)
	}
	return c, nil
}

func writeCredentials(dir, baseURL string, c *Credentials) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("wechatpay sandbox: %w", err)
		}
	}
	mk, err := x509.MarshalPKCS8PrivateKey(c.MerchantKey)
	if err != nil {
		return fmt.Errorf("wechatpay sandbox: encode merchant key: %w", err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(c.PlatformKey)
	if err != nil {
		return fmt.Errorf("wechatpay sandbox: encode platform key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&c.PlatformKey.PublicKey)
	if err != nil {
		return fmt.Errorf("wechatpay sandbox: encode public key: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{
		{merchantKeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: mk})},
		{merchantCertFile, c.MerchantCertPEM},
		{publicKeyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})},
		{platformKeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})},
	}
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(dir, f.name), f.data); err != nil {
			return err
		}
	}
	return writeMerchantConfig(dir, &MerchantConfig{
		MchID: c.MchID, AppID: c.AppID, MerchantSerial: c.MerchantSerial,
		MerchantPrivateKeyFile: merchantKeyFile,
		WechatPayPublicKeyID:   c.PublicKeyID, WechatPayPublicKeyFile: publicKeyFile,
		APIv3Key: c.APIv3Key, BaseURL: baseURL,
	})
}

func writeMerchantConfig(dir string, mc *MerchantConfig) error {
	data, err := json.MarshalIndent(mc, "", "  ")
	if err != nil {
		return fmt.Errorf("wechatpay sandbox: encode merchant config: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, configFile), append(data, '\n'))
}

// writeFileAtomic writes through a temporary file and a rename, so a crash
// never leaves a half-written key behind; the files hold secrets, hence 0600.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("wechatpay sandbox: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("wechatpay sandbox: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("wechatpay sandbox: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("wechatpay sandbox: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("wechatpay sandbox: %w", err)
	}
	return nil
}

// readPrivateKey accepts only PKCS#8 "PRIVATE KEY", like the SDK's
// utils.LoadPrivateKey, so a file the sandbox accepts the adapter accepts too.
func readPrivateKey(path string) (*rsa.PrivateKey, error) {
	block, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(block)
	if err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: parse %s: %w", path, err)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("wechatpay sandbox: %s is not an RSA key", path)
	}
	return rk, nil
}

func readPublicKey(path string) (*rsa.PublicKey, error) {
	block, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKIXPublicKey(block)
	if err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: parse %s: %w", path, err)
	}
	rk, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("wechatpay sandbox: %s is not an RSA public key", path)
	}
	return rk, nil
}

func readPEM(path, wantType string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != wantType {
		return nil, fmt.Errorf("wechatpay sandbox: %s holds no %q PEM block", path, wantType)
	}
	return block.Bytes, nil
}
