package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/notice"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/web"
	"github.com/shebao-project/shebao/internal/wechat"
)

// orderFacts adapts the payment service to notice.OrderFacts.
type orderFacts struct{ p *payment.Service }

func (f orderFacts) OrderFacts(ctx context.Context, id string) (notice.Order, error) {
	o, err := f.p.Order(ctx, id)
	if err != nil {
		return notice.Order{}, err
	}
	due, err := f.p.BillsStillDue(ctx, o)
	if err != nil {
		return notice.Order{}, err
	}
	return notice.Order{ID: o.ID, PersonID: o.PersonID, PayerID: o.PayerID, OutTradeNo: o.OutTradeNo, Description: o.Description,
		State: string(o.State), AmountFen: o.AmountFen, PaidAt: o.PaidAt, UpdatedAt: o.UpdatedAt, BillsDue: due}, nil
}

// subscribeSender adapts the WeChat client to notice.WeChatSender,
// translating the refusals the notice service acts on.
type subscribeSender struct{ c *wechat.Client }

func (s subscribeSender) SendSubscribeMessage(ctx context.Context, openID, templateID, page string, data map[string]string) error {
	_, err := s.c.SendSubscribeMessage(ctx, wechat.SubscribeMessage{ToUser: openID, TemplateID: templateID, Page: page, Data: data})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wechat.ErrNoConsent):
		return fmt.Errorf("%w: %w", notice.ErrNoConsent, err)
	case errors.Is(err, wechat.ErrBadMessage):
		return fmt.Errorf("%w: %w", notice.ErrBadMessage, err)
	}
	return err
}

// webPrefs adapts the store's display preferences to web.PrefStore.
type webPrefs struct {
	db  engine
	now func() time.Time
}

func (p webPrefs) Preferences(ctx context.Context, personID string) (web.Prefs, bool, error) {
	d, ok, err := p.db.DisplayPrefs(ctx, personID)
	return web.Prefs{Care: d.Care, Voice: d.Voice, Lang: d.Lang}, ok, err
}

func (p webPrefs) SetPreferences(ctx context.Context, personID string, w web.Prefs) error {
	return p.db.SetDisplayPrefs(ctx, personID, identity.DisplayPrefs{Care: w.Care, Voice: w.Voice, Lang: w.Lang}, p.now())
}
