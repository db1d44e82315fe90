package wxplatform

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
)

// appConfigFile is the file LoadOrCreateApp keeps in its directory.
const appConfigFile = "wechat-app.json"

// AppConfig is wechat-app.json: what the platform's WeChat client needs to
// reach the sandbox as if it were WeChat. The file holds the app secret,
// hence mode 0600.
type AppConfig struct {
	AppID     string `json:"appid"`
	AppSecret string `json:"appsecret"`
	// APIBaseURL stands for https://api.weixin.qq.com and OAuthBaseURL for
	// https://open.weixin.qq.com; the sandbox serves both under one prefix.
	APIBaseURL   string `json:"api_base_url"`
	OAuthBaseURL string `json:"oauth_base_url"`
	// Templates maps each kind (KindPaymentResult, …) to its template id.
	Templates map[string]string `json:"templates"`
}

// App is the sandbox's view of the config, for Config.Apps.
func (c *AppConfig) App() App {
	return App{AppID: c.AppID, AppSecret: c.AppSecret}
}

// LoadOrCreateApp reads <dir>/wechat-app.json, or on first use creates it
// with a fresh AppSecret (32 hex digits, as WeChat issues), so that demo
// mode keeps the same app across restarts. appID is the merchant's appid:
// in demo mode one appid serves as both official account and mini-program.
// apiBaseURL (the sandbox's mount URL) is rewritten on every call because
// the sandbox may listen elsewhere each run; a changed appid gets a new
// secret. Two processes starting at once agree on one file: it is created
// with a hard link, which fails if the other got there first.
func LoadOrCreateApp(dir, apiBaseURL, appID string, random io.Reader) (*AppConfig, error) {
	if !validAppID.MatchString(appID) {
		return nil, fmt.Errorf("wxplatform sandbox: appid %q is not wx + 16 hex digits", appID)
	}
	if u, err := url.Parse(apiBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("wxplatform sandbox: api base URL %q is not an absolute http(s) URL", apiBaseURL)
	}
	if random == nil {
		random = rand.Reader
	}
	path := filepath.Join(dir, appConfigFile)
	for range 2 { // a second round reads what a racing process created
		cur, err := readAppConfig(path)
		switch {
		case err == nil:
			return refreshAppConfig(path, cur, apiBaseURL, appID, random)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
		c, err := newAppConfig(apiBaseURL, appID, random)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("wxplatform sandbox: %w", err)
		}
		err = writeAppConfig(path, c, true)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("wxplatform sandbox: %s keeps changing under us", path)
}

func newAppConfig(apiBaseURL, appID string, random io.Reader) (*AppConfig, error) {
	secret, err := randomString(random, hexLower, 32)
	if err != nil {
		return nil, err
	}
	return &AppConfig{AppID: appID, AppSecret: secret, APIBaseURL: apiBaseURL, OAuthBaseURL: apiBaseURL, Templates: DefaultTemplateIDs()}, nil
}

// refreshAppConfig brings an existing config up to date and rewrites it if
// anything changed.
func refreshAppConfig(path string, c *AppConfig, apiBaseURL, appID string, random io.Reader) (*AppConfig, error) {
	want := *c
	if want.AppID != appID || len(want.AppSecret) != 32 {
		secret, err := randomString(random, hexLower, 32)
		if err != nil {
			return nil, err
		}
		want.AppID, want.AppSecret = appID, secret
	}
	want.APIBaseURL, want.OAuthBaseURL = apiBaseURL, apiBaseURL
	want.Templates = DefaultTemplateIDs()
	if want.AppID == c.AppID && want.AppSecret == c.AppSecret && want.APIBaseURL == c.APIBaseURL &&
		want.OAuthBaseURL == c.OAuthBaseURL && maps.Equal(want.Templates, c.Templates) {
		return c, nil
	}
	if err := writeAppConfig(path, &want, false); err != nil {
		return nil, err
	}
	return &want, nil
}

func readAppConfig(path string) (*AppConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wxplatform sandbox: read app config: %w", err)
	}
	var c AppConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("wxplatform sandbox: parse %s: %w", path, err)
	}
	return &c, nil
}

// writeAppConfig writes through a temporary file, so a crash never leaves a
// half-written secret. create links it into place, failing with
// fs.ErrExist if the file appeared meanwhile; otherwise it renames over.
func writeAppConfig(path string, c *AppConfig, create bool) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("wxplatform sandbox: encode app config: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+appConfigFile+"-*")
	if err != nil {
		return fmt.Errorf("wxplatform sandbox: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a link the name is still there; after a rename a no-op
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("wxplatform sandbox: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("wxplatform sandbox: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("wxplatform sandbox: write %s: %w", path, err)
	}
	if create {
		if err := os.Link(tmp.Name(), path); err != nil {
			return fmt.Errorf("wxplatform sandbox: create %s: %w", path, err)
		}
		return nil
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("wxplatform sandbox: %w", err)
	}
	return nil
}

// ReadApp reads an app's settings (dir/wechat-app.json) without creating
// them: what a deployment does with the app id and secret WeChat issued.
func ReadApp(dir string) (*AppConfig, error) {
	c, err := readAppConfig(filepath.Join(dir, appConfigFile))
	if err != nil {
		return nil, err
	}
	if !validAppID.MatchString(c.AppID) || c.AppSecret == "" {
		return nil, fmt.Errorf("wxplatform: %s: appid must be wx + 16 hex digits and appsecret is required", filepath.Join(dir, appConfigFile))
	}
	return c, nil
}
