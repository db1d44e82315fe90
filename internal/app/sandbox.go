package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path"
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
	// The national profile's UnionPay route: an acquirer speaking the card
	// account's protocol (SSCA/1) with its own merchant keys.
	unionPayPrefix = "/sandbox/unionpay"
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
	union  *sscsandbox.Server // the UnionPay route's acquirer
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
		HTTPClient: outboundClient(5 * time.Second), NotifySchedule: o.NotifySchedule,
		AllowHTTPNotify: true, Random: o.Random, BoundAppIDs: []string{miniProgramAppID(creds.AppID)},
	})
	if err != nil {
		return nil, fmt.Errorf("app: wechat pay sandbox: %w", err)
	}
	bank, err := newBankSandbox(filepath.Join(dir, "ssc"), sscPrefix, sscsandbox.CardAccountBrand(), o, log)
	if err != nil {
		return nil, err
	}
	union, err := newBankSandbox(filepath.Join(dir, "unionpay"), unionPayPrefix, sscsandbox.UnionPayBrand(), o, log)
	if err != nil {
		return nil, err
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
		face: facesandbox.New(facePrefix, o.Now), bank: bank, union: union, wxapp: wxapp, gov: gov}, nil
}

// newBankSandbox is one SSCA/1 bank: its merchant credentials under dir
// (created on first use), served at prefix.
func newBankSandbox(dir, prefix string, brand sscsandbox.Brand, o Options, log *slog.Logger) (*sscsandbox.Server, error) {
	creds, err := sscsandbox.LoadOrCreateCredentials(dir, o.Random)
	if err != nil {
		return nil, fmt.Errorf("app: sandbox %s credentials: %w", brand.Name, err)
	}
	bank, err := sscsandbox.NewServer(sscsandbox.Config{
		Credentials: creds, MountPrefix: prefix, Now: o.Now, Logger: log.With("component", "sandbox."+path.Base(prefix)),
		HTTPClient: outboundClient(5 * time.Second), NotifySchedule: o.NotifySchedule,
		AllowHTTPNotify: true, Random: o.Random, Brand: brand,
	})
	if err != nil {
		return nil, fmt.Errorf("app: sandbox %s: %w", brand.Name, err)
	}
	return bank, nil
}

func (s *sandbox) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(wechatPrefix+"/", s.wechat)
	mux.Handle(corePrefix+"/", s.core)
	mux.Handle(smsPath, s.sms)
	mux.Handle(facePrefix+"/", s.face)
	mux.Handle(sscPrefix+"/", s.bank)
	mux.Handle(unionPayPrefix+"/", s.union)
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
	wg.Go(func() { s.union.Run(ctx) })
	wg.Wait()
}
