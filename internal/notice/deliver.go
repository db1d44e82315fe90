package notice

import (
	"context"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/store"
)

// wechatAttempts is how many runs of a job may try WeChat. From the next
// one the message goes by SMS: a WeChat outage delays a notice by a minute
// or so (the runner's backoff), never for good.
const wechatAttempts = 3

// deliver sends m to p, by WeChat if p has a consent for kind, else by SMS,
// and records it under kind and ref. attempts is the job's run count.
// When WeChat says there is no consent (ErrNoConsent) or refuses the message
// (ErrBadMessage), the same run sends it by SMS.
//
// Retries: a failed WeChat send gives its consent back before the job fails,
// so the retry takes it again instead of a second one (if WeChat did deliver
// despite the error, the count is one too high until WeChat answers 43101,
// which sets it right). A send that succeeded but was not recorded is sent
// again on retry: at least once, never silently dropped.
func (s *Service) deliver(ctx context.Context, attempts int, p *identity.Person, kind, ref string, m message) error {
	channel, err := s.send(ctx, attempts, p, kind, ref, m)
	if err != nil {
		return err
	}
	err = s.store.RecordNotice(ctx, Sent{PersonID: p.ID, Kind: kind, Ref: ref, Channel: channel, SentAt: s.now()})
	if errors.Is(err, store.ErrConflict) {
		// Another run of the job (its lease ran out) sent it too.
		return nil
	}
	return wrap(err, "notice: %s %s sent by %s: record", kind, ref, channel)
}

// send sends m and returns the channel used.
func (s *Service) send(ctx context.Context, attempts int, p *identity.Person, kind, ref string, m message) (string, error) {
	sent, err := s.tryWeChat(ctx, attempts, p, kind, ref, m)
	if err != nil {
		return "", err
	}
	if sent {
		return ChannelWeChat, nil
	}
	if p.Phone == "" {
		return "", fmt.Errorf("notice: %s %s: person %s has no phone number and no WeChat consent", kind, ref, p.ID)
	}
	if err := s.sms.SendSMS(ctx, p.Phone, m.sms); err != nil {
		return "", fmt.Errorf("notice: %s %s by SMS: %w", kind, ref, err)
	}
	return ChannelSMS, nil
}

// tryWeChat sends m by WeChat if it may; false with no error means: send
// it by SMS.
func (s *Service) tryWeChat(ctx context.Context, attempts int, p *identity.Person, kind, ref string, m message) (bool, error) {
	kind = consentKind(kind)
	tpl := s.templates[kind]
	// Consents are given in the mini-program, so its openid receives them.
	if s.wechat == nil || tpl == "" || p.MiniOpenID == "" || attempts > wechatAttempts {
		return false, nil
	}
	ok, err := s.store.UseConsent(ctx, p.ID, kind)
	if err != nil || !ok {
		return false, wrap(err, "notice: %s %s: use consent", kind, ref)
	}
	err = s.wechat.SendSubscribeMessage(ctx, p.MiniOpenID, tpl, m.page, m.data)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNoConsent):
		// WeChat knows better than our count: none left.
		if err := s.store.ClearConsent(ctx, p.ID, kind); err != nil {
			s.log.WarnContext(ctx, "notice: clear consent", "person", p.ID, "kind", kind, "err", err)
		}
		return false, nil
	}
	s.returnConsent(ctx, p.ID, kind)
	if errors.Is(err, ErrBadMessage) {
		s.log.ErrorContext(ctx, "notice: WeChat refused the message, sending it by SMS", "kind", kind, "ref", ref, "template", tpl, "err", err)
		return false, nil
	}
	return false, fmt.Errorf("notice: %s %s by WeChat: %w", kind, ref, err)
}

// returnConsent gives back a consent WeChat did not use.
func (s *Service) returnConsent(ctx context.Context, personID, kind string) {
	if err := s.store.ReturnConsent(ctx, personID, kind); err != nil {
		// One consent lost: a later message goes by SMS instead.
		s.log.WarnContext(ctx, "notice: return consent", "person", personID, "kind", kind, "err", err)
	}
}

// consentKind is the template and consent a kind of notice goes with: a
// lapse notice is a reminder to WeChat.
func consentKind(kind string) string {
	if kind == KindLapse || kind == KindUnpaid {
		return KindReminder
	}
	return kind
}
