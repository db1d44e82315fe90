package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	coresandbox "github.com/shebao-project/shebao/internal/sandbox/coresys"
	facesandbox "github.com/shebao-project/shebao/internal/sandbox/face"
	"github.com/shebao-project/shebao/internal/sandbox/govidp"
	"github.com/shebao-project/shebao/internal/sandbox/sms"
	sscsandbox "github.com/shebao-project/shebao/internal/sandbox/ssc"
	wxsandbox "github.com/shebao-project/shebao/internal/sandbox/wechatpay"
	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
)

// Where the sandboxes are mounted, in the platform (demo mode) or alone.
const (
	wechatPrefix = "/sandbox/wechatpay"
	corePrefix   = "/sandbox/core"
	smsPath      = "/sandbox/sms"
	facePrefix   = "/sandbox/face"
	sscPrefix    = "/sandbox/ssc"
)

// sandbox is the outside world for demos and tests: WeChat Pay, the SMS
// gateway and the agency's core system, each speaking its protocol over HTTP.
type sandbox struct {
	dir    string
	wechat *wxsandbox.Server
	sms    *sms.Outbox
	core   *coresandbox.Server
	face   *facesandbox.Server
	bank   *sscsandbox.Server // the social security card's issuing bank
	wxapp  *wxplatform.Server // the WeChat platform: login, subscription messages
	gov    *govidp.Server     // the national unified login; nil on an https base URL
}

// newSandbox builds the sandbox served at baseURL, keeping its merchant
// credentials under dataDir/sandbox (created on first use).
func newSandbox(dataDir, baseURL string, o Options, log *slog.Logger) (*sandbox, error) {
	dir := filepath.Join(dataDir, "sandbox")
	creds, err := wxsandbox.LoadOrCreate(dir, baseURL+wechatPrefix, o.Random, o.Now())
	if err != nil {
		return nil, fmt.Errorf("app: sandbox merchant: %w", err)
	}
	wx, err := wxsandbox.NewServer(wxsandbox.Config{
		Credentials: creds, MountPrefix: wechatPrefix, Now: o.Now, Logger: log.With("component", "sandbox.wechatpay"),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, NotifySchedule: o.NotifySchedule,
		AllowHTTPNotify: true, Random: o.Random, BoundAppIDs: []string{miniProgramAppID(creds.AppID)},
	})
	if err != nil {
		return nil, fmt.Errorf("app: wechat pay sandbox: %w", err)
	}
	bankCreds, err := sscsandbox.LoadOrCreateCredentials(filepath.Join(dir, "ssc"), o.Random)
	if err != nil {
		return nil, fmt.Errorf("app: sandbox card bank credentials: %w", err)
	}
	bank, err := sscsandbox.NewServer(sscsandbox.Config{
		Credentials: bankCreds, MountPrefix: sscPrefix, Now: o.Now, Logger: log.With("component", "sandbox.ssc"),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, NotifySchedule: o.NotifySchedule,
		AllowHTTPNotify: true, Random: o.Random,
	})
	if err != nil {
		return nil, fmt.Errorf("app: card bank sandbox: %w", err)
	}
	wxapp, err := newWeChatPlatform(dir, baseURL, o)
	if err != nil {
		return nil, err
	}
	gov, err := newGovIDP(dir, baseURL, o.Random)
	if err != nil {
		return nil, err
	}
	return &sandbox{dir: dir, wechat: wx, sms: sms.NewOutbox(o.Now), core: coresandbox.New(corePrefix, o.Now),
		face: facesandbox.New(facePrefix, o.Now), bank: bank, wxapp: wxapp, gov: gov}, nil
}

func (s *sandbox) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(wechatPrefix+"/", s.wechat)
	mux.Handle(corePrefix+"/", s.core)
	mux.Handle(smsPath, s.sms)
	mux.Handle(facePrefix+"/", s.face)
	mux.Handle(sscPrefix+"/", s.bank)
	mux.Handle(wechatPlatformPrefix+"/", s.wxapp)
	if s.gov != nil {
		mux.Handle(govLoginPrefix+"/", s.gov)
	}
	return mux
}

// run delivers the sandboxes' notifications until ctx ends.
func (s *sandbox) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.wechat.Run(ctx) })
	wg.Go(func() { s.bank.Run(ctx) })
	wg.Wait()
}
