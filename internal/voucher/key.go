package voucher

import (
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
)

// LoadOrCreateKey returns the SM2 signing key kept at path as a PEM
// "PRIVATE KEY" block (PKCS #8, RFC 5208, with the SM2 OID), creating it from
// random on first use, so a pilot needs no key ceremony. A new key's file is
// 0600 and a directory created for it 0700.
//
// An existing file that group or others can read is refused rather than
// used: a leaked voucher key lets anyone issue receipts in the agency's name.
// Creation is safe against a concurrent start: the key is written to a
// temporary file and hard-linked into place, which fails if path appeared
// meanwhile, and then the winner's key is loaded.
func LoadOrCreateKey(path string, random io.Reader) (*sm2.PrivateKey, error) {
	key, err := loadKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	return createKey(path, random)
}

func loadKey(path string) (*sm2.PrivateKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("voucher: signing key: %w", err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("voucher: signing key %s has mode %v; run chmod 600 on it", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("voucher: signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("voucher: signing key %s: no PEM PRIVATE KEY block", path)
	}
	parsed, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("voucher: signing key %s: %w", path, err)
	}
	key, ok := parsed.(*sm2.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("voucher: signing key %s is %T, not SM2", path, parsed)
	}
	return key, nil
}

func createKey(path string, random io.Reader) (*sm2.PrivateKey, error) {
	key, err := sm2.GenerateKey(random)
	if err != nil {
		return nil, fmt.Errorf("voucher: generate signing key: %w", err)
	}
	der, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("voucher: marshal signing key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("voucher: signing key directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".signing-key-*") // created 0600
	if err != nil {
		return nil, fmt.Errorf("voucher: write signing key: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // the link, if made, keeps the key
	_, err = tmp.Write(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("voucher: write signing key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadKey(path)
		}
		return nil, fmt.Errorf("voucher: install signing key: %w", err)
	}
	return key, nil
}
