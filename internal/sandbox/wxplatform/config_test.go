package wxplatform_test

import (
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
)

func TestNewServerRefusesBadConfig(t *testing.T) {
	good := func() wxplatform.Config {
		return wxplatform.Config{MountPrefix: mount, Apps: []wxplatform.App{{AppID: appID, AppSecret: appSecret}}}
	}
	tests := []struct {
		name string
		edit func(*wxplatform.Config)
		want string
	}{
		{"prefix slash", func(c *wxplatform.Config) { c.MountPrefix = "/sandbox/" }, "mount prefix"},
		{"no apps", func(c *wxplatform.Config) { c.Apps = nil }, "at least one app"},
		{"bad appid", func(c *wxplatform.Config) { c.Apps[0].AppID = "gh_123" }, "not wx"},
		{"short secret", func(c *wxplatform.Config) { c.Apps[0].AppSecret = "x" }, "too short"},
		{"duplicate app", func(c *wxplatform.Config) { c.Apps = append(c.Apps, c.Apps[0]) }, "twice"},
		{"bad template id", func(c *wxplatform.Config) {
			c.Templates = []wxplatform.Template{{ID: "short", Title: "t", Keywords: []string{"thing1"}}}
		}, "43 base64url"},
		{"bad keyword", func(c *wxplatform.Config) {
			c.Templates = []wxplatform.Template{{ID: strings.Repeat("A", 43), Title: "t", Keywords: []string{"stuff1"}}}
		}, "no known type"},
		{"labels", func(c *wxplatform.Config) {
			c.Templates = []wxplatform.Template{{ID: strings.Repeat("A", 43), Title: "t", Keywords: []string{"thing1"}, Labels: []string{"a", "b"}}}
		}, "labels"},
		{"bad preset", func(c *wxplatform.Config) {
			c.PresetOpenIDs = []wxplatform.PresetUser{{OpenID: "nope"}}
		}, "preset openid"},
		{"preset of unknown app", func(c *wxplatform.Config) {
			c.PresetOpenIDs = []wxplatform.PresetUser{{AppID: otherApp, OpenID: presetA}}
		}, "unknown appid"},
		{"duplicate preset", func(c *wxplatform.Config) {
			c.PresetOpenIDs = []wxplatform.PresetUser{{OpenID: presetA}, {OpenID: presetA}}
		}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good()
			tt.edit(&cfg)
			_, err := wxplatform.NewServer(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := wxplatform.NewServer(good()); err != nil {
		t.Errorf("good config: %v", err)
	}
}
