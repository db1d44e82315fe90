package console

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
)

// Deletions reads people's deletion requests (PIPL art. 47), so a person's
// line in the console says they asked: an operator then knows why their
// WeChat binding or PIN is gone and that they get no reminders.
type Deletions interface {
	// LatestOrNone is the person's newest request, nil when none.
	LatestOrNone(ctx context.Context, personID string) (*identity.DeletionRequest, error)
}

// deletionLine is one person's read-only line: who on the order, when
// they asked, and what was deleted (counts only, never values).
type deletionLine struct {
	Who     string
	At      time.Time
	Deleted string
}

// deletionLines gives a line for the order's payer and insured person
// (once when they are the same) who asked for deletion.
func (h *handler) deletionLines(ctx context.Context, o OrderRow) ([]deletionLine, error) {
	if h.Deletions == nil {
		return nil, nil
	}
	who := []struct{ label, id string }{{"缴费人", o.PayerID}, {"参保人", o.PersonID}}
	if o.PayerID == o.PersonID {
		who = who[1:]
	}
	var out []deletionLine
	for _, w := range who {
		d, err := h.Deletions.LatestOrNone(ctx, w.id)
		if err != nil {
			return nil, err
		}
		if d != nil {
			out = append(out, deletionLine{Who: w.label, At: d.RequestedAt, Deleted: deletedSummary(d.Outcome.Deleted)})
		}
	}
	return out, nil
}

// deletedSummary names, in the console's Chinese, each kind of data the
// request deleted and how many rows; "无" when it found nothing left.
func deletedSummary(e identity.Erased) string {
	parts := []struct {
		name string
		n    int64
	}{
		{"微信绑定", e.WeChatBindings}, {"电子社保卡密码", e.ECardPIN}, {"提醒设置", e.NoticePreferences},
		{"显示设置", e.DisplayPreferences}, {"订阅授权", e.NoticeConsents}, {"代缴授权（撤销）", e.GrantsRevoked},
		{"登录会话", e.Sessions}, {"人脸识别记录", e.FaceSessions}, {"工单留言", e.TicketMessages},
		{"短信验证码", e.SMSCodes}, {"消息发送记录", e.NoticeRecords},
	}
	var out []string
	for _, p := range parts {
		if p.n > 0 {
			out = append(out, fmt.Sprintf("%s %d", p.name, p.n))
		}
	}
	if len(out) == 0 {
		return "无"
	}
	return strings.Join(out, "、")
}
