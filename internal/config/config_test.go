package config

import (
	"io"
	"strings"
	"testing"
)

func mapEnv(m map[string]string) Env {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseServe(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{name: "defaults", want: Config{Addr: "127.0.0.1:8080", DataDir: "data", Demo: true, LogFormat: "text", LogLevel: "info", AuthPerMinute: 30, MaxInFlight: DefaultMaxInFlight()}},
		{name: "env", env: map[string]string{"SHEBAO_ADDR": "0.0.0.0:9000", "SHEBAO_DATA": "/var/lib/shebao"},
			want: Config{Addr: "0.0.0.0:9000", DataDir: "/var/lib/shebao", Demo: true, LogFormat: "text", LogLevel: "info", AuthPerMinute: 30, MaxInFlight: DefaultMaxInFlight()}},
		{name: "flag beats env", args: []string{"--addr", "127.0.0.1:9999"}, env: map[string]string{"SHEBAO_ADDR": "0.0.0.0:9000"},
			want: Config{Addr: "127.0.0.1:9999", DataDir: "data", Demo: true, LogFormat: "text", LogLevel: "info", AuthPerMinute: 30, MaxInFlight: DefaultMaxInFlight()}},
		{name: "bad addr", args: []string{"--addr", "8080"}, wantErr: "HOST:PORT"},
		{name: "bad demo env", env: map[string]string{"SHEBAO_DEMO": "maybe"}, wantErr: "SHEBAO_DEMO"},
		{name: "unknown database", args: []string{"--db", "mysql://x"}, wantErr: "want postgres://"},
		{name: "extra args", args: []string{"oops"}, wantErr: "unexpected arguments"},
		{name: "production without outside", args: []string{"--demo=false", "--public-url", "https://shebao.example.gov.cn"}, wantErr: "--outside DIR"},
		{name: "production without public url", args: []string{"--demo=false", "--outside", "/etc/shebao"}, wantErr: "--public-url https://HOST"},
		{name: "production over http", args: []string{"--demo=false", "--outside", "/etc/shebao", "--public-url", "http://shebao.example.gov.cn"}, wantErr: "needs https"},
		{name: "production with a sandbox", args: []string{"--demo=false", "--outside", "/etc/shebao", "--public-url", "https://s.example", "--sandbox-url", "http://127.0.0.1:9090"}, wantErr: "--sandbox-url is for demo mode"},
		{name: "production", args: []string{"--demo=false", "--outside", "/etc/shebao", "--public-url", "https://shebao.example.gov.cn"},
			want: Config{Addr: "127.0.0.1:8080", DataDir: "data", LogFormat: "text", LogLevel: "info", AuthPerMinute: 30, MaxInFlight: DefaultMaxInFlight(),
				OutsideDir: "/etc/shebao", PublicURL: "https://shebao.example.gov.cn"}},
		{name: "production on loopback http", env: map[string]string{"SHEBAO_DEMO": "false", "SHEBAO_OUTSIDE": "/o", "SHEBAO_PUBLIC_URL": "http://127.0.0.1:8080"},
			want: Config{Addr: "127.0.0.1:8080", DataDir: "data", LogFormat: "text", LogLevel: "info", AuthPerMinute: 30, MaxInFlight: DefaultMaxInFlight(),
				OutsideDir: "/o", PublicURL: "http://127.0.0.1:8080"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseServe(tt.args, mapEnv(tt.env), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
