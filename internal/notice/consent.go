package notice

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/shebao-project/shebao/internal/apperr"
)

// Results of wx.requestSubscribeMessage for one template id
// (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/subscribe-message/wx.requestSubscribeMessage.html).
const (
	ResultAccept = "accept" // one message of the template may be sent
	ResultReject = "reject" // declined this time
	ResultBan    = "ban"    // the template is blocked: none may be sent
	ResultFilter = "filter" // WeChat left the template out of the dialog (same title as another)
)

// RecordConsents records what a person answered in a consent dialog:
// results maps template id to its result. Each accept allows one more
// message of that kind. It returns all the person's subscriptions.
func (s *Service) RecordConsents(ctx context.Context, personID string, results map[string]string) ([]Subscription, error) {
	changes, err := s.consentChanges(results)
	if err != nil {
		return nil, err
	}
	if len(changes) > 0 {
		if err := s.store.AddConsents(ctx, personID, s.now(), changes); err != nil {
			return nil, fmt.Errorf("notice: record consents of %s: %w", personID, err)
		}
	}
	return s.Subscriptions(ctx, personID)
}

// Subscriptions lists the person's consents by kind.
func (s *Service) Subscriptions(ctx context.Context, personID string) ([]Subscription, error) {
	subs, err := s.store.Subscriptions(ctx, personID)
	if err != nil {
		return nil, fmt.Errorf("notice: subscriptions of %s: %w", personID, err)
	}
	return subs, nil
}

// consentChanges checks results against the configured templates, in
// template id order so the store writes rows in the same order every time.
func (s *Service) consentChanges(results map[string]string) ([]ConsentChange, error) {
	ids := make([]string, 0, len(results))
	for id := range results {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var changes []ConsentChange
	for _, id := range ids {
		kind, ok := s.kinds[id]
		if !ok {
			return nil, s.errTemplateUnknown(id)
		}
		c := ConsentChange{Kind: kind, TemplateID: id}
		switch results[id] {
		case ResultAccept:
			c.Accepted = 1
		case ResultBan:
			c.Banned = true
		case ResultReject, ResultFilter:
		default:
			e := apperr.New(apperr.Invalid, "subscribe_result_invalid",
				fmt.Sprintf("订阅结果无效：%q，应为 accept、reject、ban 或 filter。", results[id]),
				fmt.Sprintf("Invalid subscription result %q: want accept, reject, ban or filter.", results[id])).WithField("results")
			e.Allowed = []string{ResultAccept, ResultReject, ResultBan, ResultFilter}
			return nil, e
		}
		changes = append(changes, c)
	}
	return changes, nil
}

func (s *Service) errTemplateUnknown(id string) error {
	allowed := make([]string, 0, len(s.kinds))
	for t := range s.kinds {
		allowed = append(allowed, t)
	}
	sort.Strings(allowed)
	list := strings.Join(allowed, ", ")
	if list == "" {
		list = "-"
	}
	e := apperr.New(apperr.Invalid, "template_unknown",
		fmt.Sprintf("未知的订阅消息模板：%q。可订阅的模板：%s。", id, list),
		fmt.Sprintf("Unknown subscription message template %q. Templates you can subscribe to: %s.", id, list)).WithField("results")
	e.Allowed = allowed
	return e
}
