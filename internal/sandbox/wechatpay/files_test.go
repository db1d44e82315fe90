package wechatpay_test

import (
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/shebao-project/shebao/internal/sandbox/wechatpay"
)

func TestLoadOrCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wechatpay")
	now := time.Now()
	first, err := wechatpay.LoadOrCreate(dir, "http://127.0.0.1:8080/sandbox/wechatpay", rand.Reader, now)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode: %v %v", st.Mode(), err)
	}
	pemTypes := map[string]string{
		"apiclient_key.pem": "PRIVATE KEY", "apiclient_cert.pem": "CERTIFICATE",
		"pub_key.pem": "PUBLIC KEY", "sandbox_platform_key.pem": "PRIVATE KEY",
	}
	for name, typ := range pemTypes {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := pem.Decode(data); b == nil || b.Type != typ {
			t.Errorf("%s is not a %q PEM", name, typ)
		}
	}
	for _, name := range []string{"apiclient_key.pem", "apiclient_cert.pem", "pub_key.pem", "sandbox_platform_key.pem", "merchant.json"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode: %v %v", name, st.Mode(), err)
		}
	}

	raw, _ := os.ReadFile(filepath.Join(dir, "merchant.json"))
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"apiv3_key", "appid", "base_url", "mchid", "merchant_private_key_file", "merchant_serial", "wechatpay_public_key_file", "wechatpay_public_key_id"}
	if !slices.Equal(keys, want) {
		t.Errorf("merchant.json keys %v, want %v", keys, want)
	}
	if m["mchid"] != first.MchID || m["merchant_serial"] != first.MerchantSerial || m["wechatpay_public_key_id"] != first.PublicKeyID ||
		m["apiv3_key"] != first.APIv3Key || len(first.APIv3Key) != 32 || m["merchant_private_key_file"] != "apiclient_key.pem" {
		t.Errorf("merchant.json %v", m)
	}

	// The files load with the SDK's own loaders, as the adapter will load them.
	cfg, err := wechatpay.ReadMerchantConfig(filepath.Join(dir, "merchant.json"))
	if err != nil {
		t.Fatal(err)
	}
	mk, err := utils.LoadPrivateKeyWithPath(cfg.Resolve(cfg.MerchantPrivateKeyFile))
	if err != nil || !mk.Equal(first.MerchantKey) {
		t.Errorf("SDK merchant key: %v", err)
	}
	pk, err := utils.LoadPublicKeyWithPath(cfg.Resolve(cfg.WechatPayPublicKeyFile))
	if err != nil || !pk.Equal(&first.PlatformKey.PublicKey) {
		t.Errorf("SDK public key: %v", err)
	}
	cert, err := utils.LoadCertificateWithPath(filepath.Join(dir, "apiclient_cert.pem"))
	if err != nil || utils.GetCertificateSerialNumber(*cert) != first.MerchantSerial {
		t.Errorf("SDK certificate serial: %v", err)
	}
	loaded, err := cfg.LoadKeys()
	if err != nil || !loaded.MerchantKey.Equal(first.MerchantKey) || !loaded.WechatPayPublicKey.Equal(&first.PlatformKey.PublicKey) {
		t.Errorf("LoadKeys: %v", err)
	}

	second, err := wechatpay.LoadOrCreate(dir, "http://127.0.0.1:9999/sandbox/wechatpay", rand.Reader, now)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if second.MchID != first.MchID || second.AppID != first.AppID || second.MerchantSerial != first.MerchantSerial ||
		second.PublicKeyID != first.PublicKeyID || second.APIv3Key != first.APIv3Key ||
		!second.MerchantKey.Equal(first.MerchantKey) || !second.PlatformKey.Equal(first.PlatformKey) {
		t.Error("second call did not load the same credentials")
	}
	cfg, _ = wechatpay.ReadMerchantConfig(filepath.Join(dir, "merchant.json"))
	if cfg.BaseURL != "http://127.0.0.1:9999/sandbox/wechatpay" {
		t.Errorf("base_url not rewritten: %s", cfg.BaseURL)
	}
	if _, err := wechatpay.NewServer(wechatpay.Config{Credentials: second}); err != nil {
		t.Errorf("loaded credentials do not start a server: %v", err)
	}

	if err := os.Remove(filepath.Join(dir, "sandbox_platform_key.pem")); err != nil {
		t.Fatal(err)
	}
	if _, err := wechatpay.LoadOrCreate(dir, "x", rand.Reader, now); err == nil {
		t.Error("a missing key file was not reported")
	}
}
