package wxplatform_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
)

func TestLoadOrCreateApp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wechat")
	base := "http://127.0.0.1:8080/sandbox/wechat"
	first, err := wxplatform.LoadOrCreateApp(dir, base, appID, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "wechat-app.json")
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("file mode: %v %v", st, err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode: %v %v", st, err)
	}
	raw, _ := os.ReadFile(path)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"api_base_url", "appid", "appsecret", "oauth_base_url", "templates"}; !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(first.AppSecret) || first.AppID != appID ||
		first.APIBaseURL != base || first.OAuthBaseURL != base || len(first.Templates) != 4 ||
		first.Templates[wxplatform.KindHold] != wxplatform.DefaultTemplateIDs()[wxplatform.KindHold] {
		t.Errorf("config %+v", first)
	}

	// Reloading keeps the secret; a new base URL is written back.
	again, err := wxplatform.LoadOrCreateApp(dir, "http://127.0.0.1:9090/sandbox/wechat", appID, nil)
	if err != nil || again.AppSecret != first.AppSecret || again.APIBaseURL != "http://127.0.0.1:9090/sandbox/wechat" {
		t.Fatalf("reload: %+v %v", again, err)
	}
	raw, _ = os.ReadFile(path)
	if !regexp.MustCompile(`"api_base_url": "http://127.0.0.1:9090/sandbox/wechat"`).Match(raw) {
		t.Errorf("base URL not written back:\n%s", raw)
	}
	// The config works as a sandbox app.
	if _, err := wxplatform.NewServer(wxplatform.Config{Apps: []wxplatform.App{again.App()}}); err != nil {
		t.Errorf("NewServer with the loaded app: %v", err)
	}
	// Another appid is another app, with another secret.
	other, err := wxplatform.LoadOrCreateApp(dir, base, otherApp, nil)
	if err != nil || other.AppSecret == first.AppSecret || other.AppID != otherApp {
		t.Errorf("new appid: %+v %v", other, err)
	}

	for _, bad := range []struct{ base, app string }{{"/relative", appID}, {base, "gh_1234"}} {
		if _, err := wxplatform.LoadOrCreateApp(t.TempDir(), bad.base, bad.app, nil); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

// TestLoadOrCreateAppRace: processes starting together agree on one secret.
func TestLoadOrCreateAppRace(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	secrets := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := wxplatform.LoadOrCreateApp(dir, "http://127.0.0.1:8080/sandbox/wechat", appID, nil)
			if err != nil {
				t.Error(err)
				return
			}
			secrets[i] = c.AppSecret
		})
	}
	wg.Wait()
	for _, s := range secrets {
		if s != secrets[0] {
			t.Fatalf("secrets differ: %v", secrets)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}
