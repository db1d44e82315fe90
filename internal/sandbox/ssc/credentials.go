package ssc

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	payssc "github.com/shebao-project/shebao/internal/payment/ssc"
)

// Credentials are the agency's account with the bank: its merchant id, the
// agency's key pair (the bank registers the public half) and the bank's key
// pair (the agency is issued the public half; only the bank — here the
// sandbox — holds the private one).
type Credentials struct {
	MerchantID  string
	MerchantKey *sm2.PrivateKey
	BankKey     *sm2.PrivateKey
}

func (c *Credentials) validate() error {
	switch {
	case c == nil:
		return errors.New("credentials are nil")
	case c.MerchantID == "":
		return errors.New("merchant id is required")
	case c.MerchantKey == nil || c.BankKey == nil:
		return errors.New("merchant key and bank key are required")
	}
	return nil
}

// ProviderConfig is the adapter's configuration for these credentials:
// what a deployment would fill in from the files its bank issues. baseURL
// is where the sandbox is mounted, e.g. "http://127.0.0.1:8080/sandbox/ssc".
func (c *Credentials) ProviderConfig(baseURL, notifyURL, refundNotifyURL string) payssc.Config {
	return payssc.Config{
		BaseURL: baseURL, MerchantID: c.MerchantID, MerchantKey: c.MerchantKey,
		BankPublicKey: &c.BankKey.PublicKey, NotifyURL: notifyURL, RefundNotifyURL: refundNotifyURL,
	}
}

// GenerateCredentials makes a fresh merchant: a merchant id and two SM2 key
// pairs. random nil means crypto/rand.
func GenerateCredentials(random io.Reader) (*Credentials, error) {
	if random == nil {
		random = rand.Reader
	}
	rs := &randSource{r: random}
	digitsPart, err := rs.String(digits, 12)
	if err != nil {
		return nil, err
	}
	mk, err := sm2.GenerateKey(rs)
	if err != nil {
		return nil, fmt.Errorf("ssc sandbox: merchant key: %w", err)
	}
	bk, err := sm2.GenerateKey(rs)
	if err != nil {
		return nil, fmt.Errorf("ssc sandbox: bank key: %w", err)
	}
	return &Credentials{MerchantID: "SSC" + digitsPart, MerchantKey: mk, BankKey: bk}, nil
}

// Files in a credentials directory. The agency's side needs merchant.json,
// agency_sm2_key.pem and bank_sm2_public.pem; bank_sm2_key.pem is the
// sandbox's own secret; agency_sm2_public.pem is what the agency registers.
const (
	merchantFile        = "merchant.json"
	agencyKeyFile       = "agency_sm2_key.pem"
	agencyPublicKeyFile = "agency_sm2_public.pem"
	bankKeyFile         = "bank_sm2_key.pem"
	bankPublicKeyFile   = "bank_sm2_public.pem"
)

// LoadOrCreateCredentials reads the sandbox merchant from dir, or on first
// use generates one and writes it there: PEM files (PKCS #8 "PRIVATE KEY",
// PKIX "PUBLIC KEY", with the SM2 OID) and merchant.json, all 0600 in a 0700
// directory, so demo mode keeps one merchant across restarts. dir should be
// the sandbox's alone (e.g. DATA/sandbox/ssc).
//
// Creation is safe against a platform and a `shebao sandbox` starting
// together: everything is written to a temporary directory renamed into
// place, which fails if dir appeared meanwhile; then the winner's is loaded.
func LoadOrCreateCredentials(dir string, random io.Reader) (*Credentials, error) {
	c, err := loadCredentials(dir)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	if c, err = GenerateCredentials(random); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(dir)), 0o700); err != nil {
		return nil, fmt.Errorf("ssc sandbox: credentials directory: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(dir)), ".ssc-credentials-*") // 0700
	if err != nil {
		return nil, fmt.Errorf("ssc sandbox: credentials directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }() // gone after a successful rename
	if err := writeCredentials(tmp, c); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, merchantFile)); statErr == nil {
			return loadCredentials(dir) // another process won the race
		}
		return nil, fmt.Errorf("ssc sandbox: install credentials: %w", err)
	}
	return c, nil
}

func writeCredentials(dir string, c *Credentials) error {
	meta, err := json.MarshalIndent(map[string]string{"merchant_id": c.MerchantID}, "", "  ")
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data func() ([]byte, error)
	}{
		{merchantFile, func() ([]byte, error) { return append(meta, '\n'), nil }},
		{agencyKeyFile, func() ([]byte, error) { return privatePEM(c.MerchantKey) }},
		{agencyPublicKeyFile, func() ([]byte, error) { return publicPEM(&c.MerchantKey.PublicKey) }},
		{bankKeyFile, func() ([]byte, error) { return privatePEM(c.BankKey) }},
		{bankPublicKeyFile, func() ([]byte, error) { return publicPEM(&c.BankKey.PublicKey) }},
	}
	for _, f := range files {
		data, err := f.data()
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, f.name), data, 0o600)
		}
		if err != nil {
			return fmt.Errorf("ssc sandbox: write %s: %w", f.name, err)
		}
	}
	return nil
}

func loadCredentials(dir string) (*Credentials, error) {
	raw, err := os.ReadFile(filepath.Join(dir, merchantFile))
	if err != nil {
		return nil, fmt.Errorf("ssc sandbox: read credentials: %w", err)
	}
	var meta struct {
		MerchantID string `json:"merchant_id"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil || meta.MerchantID == "" {
		return nil, fmt.Errorf("ssc sandbox: %s has no merchant_id", filepath.Join(dir, merchantFile))
	}
	mk, err := readPrivateKey(filepath.Join(dir, agencyKeyFile))
	if err != nil {
		return nil, err
	}
	bk, err := readPrivateKey(filepath.Join(dir, bankKeyFile))
	if err != nil {
		return nil, err
	}
	// The public files are what each side was issued: if one no longer
	// matches its private key, someone replaced it and signatures would fail
	// mysteriously later, so say so now.
	for name, want := range map[string]*ecdsa.PublicKey{agencyPublicKeyFile: &mk.PublicKey, bankPublicKeyFile: &bk.PublicKey} {
		got, err := ReadPublicKey(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if !got.Equal(want) {
			return nil, fmt.Errorf("ssc sandbox: %s does not match its private key", name)
		}
	}
	return &Credentials{MerchantID: meta.MerchantID, MerchantKey: mk, BankKey: bk}, nil
}

func privatePEM(k *sm2.PrivateKey) ([]byte, error) {
	der, err := smx509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func publicPEM(k *ecdsa.PublicKey) ([]byte, error) {
	der, err := smx509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// readPrivateKey refuses a key file that group or others can read: a leaked
// agency key lets anyone debit in the agency's name.
func readPrivateKey(path string) (*sm2.PrivateKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("ssc sandbox: %w", err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("ssc sandbox: %s has mode %v; run chmod 600 on it", path, info.Mode().Perm())
	}
	block, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	key, err := smx509.ParsePKCS8PrivateKey(block)
	if err != nil {
		return nil, fmt.Errorf("ssc sandbox: %s: %w", path, err)
	}
	sk, ok := key.(*sm2.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("ssc sandbox: %s holds %T, not an SM2 key", path, key)
	}
	return sk, nil
}

// ReadPublicKey reads an SM2 public key from a PEM "PUBLIC KEY" file, such
// as the bank_sm2_public.pem a deployment is issued.
func ReadPublicKey(path string) (*ecdsa.PublicKey, error) {
	block, err := readPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	key, err := smx509.ParsePKIXPublicKey(block)
	if err != nil {
		return nil, fmt.Errorf("ssc sandbox: %s: %w", path, err)
	}
	pk, ok := key.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pk) {
		return nil, fmt.Errorf("ssc sandbox: %s is not an SM2 public key", path)
	}
	return pk, nil
}

func readPEM(path, kind string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ssc sandbox: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != kind {
		return nil, fmt.Errorf("ssc sandbox: %s: no PEM %s block", path, kind)
	}
	return block.Bytes, nil
}

// LoadCredentials reads the merchant's card-bank credentials from dir
// without creating any: what a deployment does with the files its bank
// issued.
func LoadCredentials(dir string) (*Credentials, error) { return loadCredentials(dir) }
