package payment

import (
	"encoding/base32"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/risk"
	"github.com/shebao-project/shebao/internal/voucher"
)

// Agency describes the collecting unit named on vouchers.
type Agency struct {
	Name       string // e.g. 北京市社会保险基金管理中心
	CreditCode string // unified social credit code, 18 characters
	BillCode   string // 8-digit fiscal bill code (票据代码) allocated by the finance bureau
}

// Rules are the regional rules an order must respect, from the policy packs.
type Rules interface {
	// ChannelAllowed tells whether the region offers the channel at that time.
	ChannelAllowed(region, channel string, at time.Time) bool
	// PaidWith returns the insurance code that must be paid in the same order
	// as insurance for period (employee medical with pension, in regions that
	// bind them), or "" when it may be paid alone.
	PaidWith(region, personType, insurance, period string) string
	// ChannelLimits are the channel's per-payment and per-day limits for one
	// payer in the region; zero means no limit.
	ChannelLimits(region, channel string, at time.Time) (perPayment, perDay money.Fen)
}

// Service runs orders through their life cycle.
type Service struct {
	store     Store
	providers map[string]Provider
	core      Core
	persons   Persons
	rules     Rules
	risk      risk.Rules
	evidence  *evidence.Log
	signer    *voucher.Signer
	agency    func(region string) Agency
	names     func(code string) string
	now       func() time.Time
	random    io.Reader
	log       *slog.Logger
	wake      func()
	notify    bool
	orderTTL  time.Duration
	cp        creditDeps
	off       offsetDeps
}

// Deps are the Service's collaborators; all are required except Wake.
type Deps struct {
	Store     Store
	Providers map[string]Provider // by channel name, e.g. "wechatpay"
	Core      Core
	Persons   Persons
	Rules     Rules
	// Risk are the hold rules; the zero value holds nothing.
	Risk risk.Rules
	// Evidence is the evidence log every credited order and voucher is
	// appended to; nil logs nothing (unit tests of other parts).
	Evidence *evidence.Log
	Signer   *voucher.Signer
	Agency   func(region string) Agency
	// InsuranceName names an aae140 insurance code for vouchers.
	InsuranceName func(code string) string
	Now           func() time.Time
	Random        io.Reader
	Log           *slog.Logger
	// Wake is called after a commit that enqueued a job, so the job runner
	// starts on it at once.
	Wake func()
	// Notify enqueues the payer's messages (JobNoticePaid, JobNoticeHold,
	// JobNoticeRefund) with the changes they tell of; the notice service
	// must then handle those jobs.
	Notify bool
	// Credits, CreditRules and Collector enable credit pay (CreditChannel);
	// without all three the channel is not offered.
	Credits     CreditStore
	CreditRules CreditRules
	Collector   Collector
	// Accounts and OffsetRules enable the family mutual-aid offset
	// (OffsetChannel); without both the channel is not offered.
	Accounts    MedicalAccounts
	OffsetRules OffsetRules
}

// NewService wires a payment service.
func NewService(d Deps) *Service {
	wake := d.Wake
	if wake == nil {
		wake = func() {}
	}
	return &Service{
		store: d.Store, providers: d.Providers, core: d.Core, persons: d.Persons, rules: d.Rules, risk: d.Risk, evidence: d.Evidence,
		signer: d.Signer, agency: d.Agency, names: d.InsuranceName, now: d.Now, random: d.Random, log: d.Log, wake: wake, notify: d.Notify,
		// WeChat Pay keeps a prepay_id for 2 hours; 30 minutes is long enough to
		// pay and short enough that bills are not held hostage by abandoned orders.
		orderTTL: 30 * time.Minute,
		cp:       creditDeps{store: d.Credits, rules: d.CreditRules, collector: d.Collector},
		off:      offsetDeps{accounts: d.Accounts, rules: d.OffsetRules},
	}
}

var idEncoding = base32.NewEncoding("ABCDEFGHJKLMNPQRSTUVWXYZ23456789").WithPadding(base32.NoPadding)

// newID returns prefix plus n random characters from an alphabet without
// look-alikes (no I, O, 0, 1), so ids read aloud over the 12333 line survive.
func (s *Service) newID(prefix string, n int) (string, error) {
	raw := make([]byte, n)
	if _, err := io.ReadFull(s.random, raw); err != nil {
		return "", fmt.Errorf("payment: random id: %w", err)
	}
	return prefix + idEncoding.EncodeToString(raw)[:n], nil
}

// newOutTradeNo builds a WeChat Pay out_trade_no: 6–32 characters of
// [0-9A-Za-z_-|*] (JSAPI prepay documentation). Ours: "SB", the Beijing-time
// date and time, then 10 random characters: 26 characters, sortable by time.
func (s *Service) newOutTradeNo() (string, error) {
	r, err := s.newID("", 10)
	if err != nil {
		return "", err
	}
	return "SB" + s.now().In(beijing).Format("20060102150405") + r, nil
}

// beijing is China Standard Time (UTC+8, no daylight saving), fixed so the
// platform does not depend on the host's zoneinfo.
var beijing = time.FixedZone("CST", 8*3600)

// Beijing returns the zone that dates on vouchers, bills and periods use.
func Beijing() *time.Location { return beijing }

func joinSorted(ids []string) string { return strings.Join(ids, "\n") }
