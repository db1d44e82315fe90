package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/notice"
	"github.com/shebao-project/shebao/internal/payment"
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
