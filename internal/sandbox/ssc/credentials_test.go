package ssc_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	payssc "github.com/shebao-project/shebao/internal/payment/ssc"
	"github.com/shebao-project/shebao/internal/sandbox/ssc"
)

func TestLoadOrCreateCredentials(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sandbox", "ssc")
	c, err := ssc.LoadOrCreateCredentials(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("directory: %v %v", err, info.Mode())
	}
	for _, name := range []string{"merchant.json", "agency_sm2_key.pem", "agency_sm2_public.pem", "bank_sm2_key.pem", "bank_sm2_public.pem"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", name, err, info.Mode())
		}
	}
	key, _ := os.ReadFile(filepath.Join(dir, "agency_sm2_key.pem"))
	if !strings.HasPrefix(string(key), "-----BEGIN PRIVATE KEY-----") {
		t.Errorf("agency key is not PKCS #8 PEM: %.40s", key)
	}
	again, err := ssc.LoadOrCreateCredentials(dir, nil)
	if err != nil || again.MerchantID != c.MerchantID || !again.MerchantKey.Equal(c.MerchantKey) || !again.BankKey.Equal(c.BankKey) {
		t.Fatalf("reload: %v", err)
	}
	pub, err := ssc.ReadPublicKey(filepath.Join(dir, "bank_sm2_public.pem"))
	if err != nil || !pub.Equal(&c.BankKey.PublicKey) {
		t.Errorf("bank public key: %v", err)
	}
	if _, err := payssc.New(c.ProviderConfig("http://127.0.0.1:1/sandbox/ssc", "http://127.0.0.1:1/notify", "")); err != nil {
		t.Errorf("provider from credentials: %v", err)
	}
}

func TestCredentialsRefuseLooseOrMismatchedFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ssc")
	if _, err := ssc.LoadOrCreateCredentials(dir, nil); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "agency_sm2_key.pem")
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ssc.LoadOrCreateCredentials(dir, nil); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable key: %v", err)
	}
	_ = os.Chmod(key, 0o600)
	other := filepath.Join(t.TempDir(), "other")
	if _, err := ssc.LoadOrCreateCredentials(other, nil); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(other, "bank_sm2_public.pem"))
	if err := os.WriteFile(filepath.Join(dir, "bank_sm2_public.pem"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ssc.LoadOrCreateCredentials(dir, nil); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("replaced public key: %v", err)
	}
}

// TestCredentialsConcurrentCreate: a platform and a separate sandbox
// starting together end up with one merchant, not two.
func TestCredentialsConcurrentCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ssc")
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			c, err := ssc.LoadOrCreateCredentials(dir, nil)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = c.MerchantID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("merchant ids differ: %v", ids)
		}
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".ssc-credentials-*"))
	if len(left) != 0 {
		t.Errorf("temporary directories left: %v", left)
	}
}
