package voucher

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "voucher-sm2.pem")
	first, err := LoadOrCreateKey(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadOrCreateKey(path, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Equal(second) {
		t.Fatal("second call returned another key")
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
		}
		if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
			t.Errorf("key dir mode %v, want 0700", fi.Mode().Perm())
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".signing-key-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	// The key signs vouchers that verify with its own public half.
	s := NewSigner(first)
	if r := Verify(&second.PublicKey, mustSign(t, s, FiscalReceipt), testNow); !r.Valid {
		t.Errorf("loaded key does not verify: %s", r.Reason)
	}
}

func TestLoadOrCreateKeyRefuses(t *testing.T) {
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(p256)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"not PEM", []byte("hello"), 0o600},
		{"PEM of another type", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600},
		{"NIST P-256 key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600},
		{"readable by others", nil, 0o644},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.mode&0o077 != 0 && runtime.GOOS == "windows" {
				t.Skip("no Unix permissions")
			}
			path := filepath.Join(t.TempDir(), "key.pem")
			data := tt.data
			if data == nil { // a genuine key, but exposed
				if _, err := LoadOrCreateKey(path, rand.Reader); err != nil {
					t.Fatal(err)
				}
				data, _ = os.ReadFile(path)
			}
			if err := os.WriteFile(path, data, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadOrCreateKey(path, rand.Reader); err == nil {
				t.Fatal("key accepted")
			}
			if got, _ := os.ReadFile(path); string(got) != string(data) {
				t.Error("a refused key file was overwritten")
			}
		})
	}
}
