package payment

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
)

// LimitsFor returns a payer's limits on a channel now, with what they
// already used today (a Beijing calendar day).
func (s *Service) LimitsFor(ctx context.Context, payer *identity.Person, channel string) (Limits, error) {
	now := s.now()
	per, day := s.rules.ChannelLimits(payer.Region, channel, now)
	if per <= 0 {
		per = money.Fen(1) << 62
	}
	if day <= 0 {
		day = money.Fen(1) << 62
	}
	y, m, d := now.In(beijing).Date()
	used, err := s.store.ChannelUsedSince(ctx, payer.ID, channel, time.Date(y, m, d, 0, 0, 0, 0, beijing))
	if err != nil {
		return Limits{}, fmt.Errorf("payment: channel usage: %w", err)
	}
	return Limits{PerPaymentFen: per, PerDayFen: day, UsedTodayFen: used}, nil
}

// limitRefusal is what a payer over a limit gets: not a bare "no", but the
// limits, a plan that pays the same bills in several payments (across days
// if need be), and the other channels of the region.
type limitRefusal struct {
	Limits
	Plan          []Part   `json:"plan"`
	OtherChannels []string `json:"other_channels"`
}

// checkLimits refuses an order over the channel's single or daily limit,
// offering a split plan (seed §3, §5).
func (s *Service) checkLimits(ctx context.Context, payer *identity.Person, channel string, bills []billing.Bill) error {
	l, err := s.LimitsFor(ctx, payer, channel)
	if err != nil {
		return err
	}
	var total money.Fen
	for _, b := range bills {
		total += b.AmountFen
	}
	if total <= l.PerPaymentFen && l.UsedTodayFen+total <= l.PerDayFen {
		return nil
	}
	ref := limitRefusal{Limits: l, Plan: SplitPlan(bills, l), OtherChannels: []string{}}
	for ch := range s.providers {
		if ch != channel && s.rules.ChannelAllowed(payer.Region, ch, s.now()) {
			ref.OtherChannels = append(ref.OtherChannels, ch)
		}
	}
	slices.Sort(ref.OtherChannels)
	e := apperr.New(apperr.Refused, "limit_exceeded",
		fmt.Sprintf("本次应缴 %s 超过该支付方式的限额（单笔 %s，每日 %s，今日已用 %s）。可按建议分%d次缴纳，或改用其他支付方式。",
			total.Display(), l.PerPaymentFen.Display(), l.PerDayFen.Display(), l.UsedTodayFen.Display(), len(ref.Plan)),
		fmt.Sprintf("%s is over this channel's limits (%s per payment, %s per day, %s used today). Pay it in the %d payments suggested, or choose another channel.",
			total.Display(), l.PerPaymentFen.Display(), l.PerDayFen.Display(), l.UsedTodayFen.Display(), len(ref.Plan))).WithField("bill_ids")
	e.Allowed = ref
	return e
}
