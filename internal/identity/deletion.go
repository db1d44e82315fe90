package identity

import (
	"fmt"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/voucher"
)

// A deletion request under the Personal Information Protection Law (PIPL)
// art. 47: the person asks shebao to delete what it holds about them. What
// only serves the platform account (sign-in bindings, preferences, consents)
// is deleted at once; what a law requires to be kept (accounting archives,
// the audit log) or what is not the platform's (the agency's register of
// insured persons) is kept, and from then on only stored and secured (art.
// 47 para. 2): reminders stop.

// DeletionRequest is one request and the answer the person was given.
type DeletionRequest struct {
	ID          string
	PersonID    string
	RequestedAt time.Time
	Outcome     DeletionOutcome
}

// DeletionOutcome is what a request deleted and what it kept, with why.
type DeletionOutcome struct {
	Deleted Erased     `json:"deleted"`
	Kept    []KeptItem `json:"kept"`
}

// Erased counts the rows one request removed (or, for the WeChat bindings
// and ticket texts, emptied), per kind of data.
type Erased struct {
	WeChatBindings     int64 `json:"wechat_bindings"`
	NoticeConsents     int64 `json:"notice_consents"`
	NoticePreferences  int64 `json:"notice_preferences"`
	DisplayPreferences int64 `json:"display_preferences"`
	ECardPIN           int64 `json:"ecard_pin"`
	FaceSessions       int64 `json:"face_sessions"`
	Sessions           int64 `json:"sessions"`
	TicketMessages     int64 `json:"ticket_messages"`
	SMSCodes           int64 `json:"sms_codes"`
	NoticeRecords      int64 `json:"notice_records"`
	GrantsRevoked      int64 `json:"grants_revoked"`
}

// Summary is the audit-log detail of an erasure: counts only, never values.
func (e Erased) Summary() string {
	parts := []struct {
		name string
		n    int64
	}{
		{"wechat", e.WeChatBindings}, {"consents", e.NoticeConsents}, {"notice_prefs", e.NoticePreferences},
		{"display_prefs", e.DisplayPreferences}, {"pin", e.ECardPIN}, {"face", e.FaceSessions},
		{"sessions", e.Sessions}, {"ticket_messages", e.TicketMessages}, {"sms_codes", e.SMSCodes},
		{"notice_records", e.NoticeRecords}, {"grants_revoked", e.GrantsRevoked},
	}
	var b strings.Builder
	for _, p := range parts {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%d", p.name, p.n)
	}
	return b.String()
}

// Retention terms of a kept item.
const (
	TermUntil    = "until"     // kept until Until, at least
	TermLongTerm = "long_term" // kept long-term (长期), no end date
	TermRegister = "register"  // the agency's register: kept while the person is insured
)

// KeptItem is one kind of data a deletion keeps, with its legal basis.
type KeptItem struct {
	Item    string     `json:"item"`
	Title   string     `json:"title"`
	TitleEn string     `json:"title_en"`
	Basis   string     `json:"basis"`
	BasisEn string     `json:"basis_en"`
	Term    string     `json:"term"`
	Until   *time.Time `json:"until,omitempty"`
}

// auditRetention is the shortest time the audit log is kept
// (Cybersecurity Law art. 21: network logs at least six months).
const auditRetention = 6 // months

// KeptAfterDeletion lists what a deletion at now keeps. latest holds, per
// voucher kind, when the person's newest voucher of that kind was issued
// (absent: none), since a kind with a fixed period is kept until its newest
// voucher's period ends (voucher.Kind.RetainUntil).
func KeptAfterDeletion(now time.Time, latest map[voucher.Kind]time.Time) []KeptItem {
	kept := []KeptItem{{
		Item: "insured_record", Title: "参保登记信息（姓名、证件号码、手机号、参保险种）及应缴账单",
		TitleEn: "The insured record (name, ID number, phone, insurance types) and bills",
		Basis:   "依《社会保险法》由社会保险经办机构登记管理，属经办机构的参保登记簿，本平台无权删除；如需变更请到经办机构办理。",
		BasisEn: "The social insurance agency's register under the Social Insurance Law; it is not the platform's to delete. Ask the agency to change it.",
		Term:    TermRegister,
	}, {
		Item: "orders_ledger", Title: "缴费订单、记账分录和代缴授权记录", TitleEn: "Payment orders, ledger entries and family grant records",
		Basis:   "《会计法》《会计档案管理办法》：会计凭证、账簿等会计档案须按规定期限保存；代缴授权证明谁为谁缴费。仅保存，不再用于其他处理。",
		BasisEn: "Accounting Law and the Accounting Archives Measures: accounting vouchers and books are kept for the statutory period; grants prove who paid for whom. Only stored, no other processing.",
		Term:    TermLongTerm,
	}}
	for _, k := range voucher.Kinds() {
		issued, ok := latest[k]
		if !ok {
			continue
		}
		item := KeptItem{Item: string(k), Title: k.Title() + "（已开具的凭证）", TitleEn: k.TitleEn() + " (issued)",
			Basis:   "会计档案：财政电子票据长期保存，受理回执保存2年，交易明细保存18个月（自开具之日起）。",
			BasisEn: "Accounting archives: fiscal e-receipts are kept long-term, acceptance receipts 2 years, transaction statements 18 months from issue.",
			Term:    TermLongTerm}
		if until, ok := k.RetainUntil(issued); ok {
			item.Term, item.Until = TermUntil, &until
		}
		kept = append(kept, item)
	}
	if len(latest) > 0 {
		kept = append(kept, KeptItem{Item: "evidence_log", Title: "证据日志中的凭证摘要", TitleEn: "Voucher digests in the evidence log",
			Basis:   "与其证明的凭证一同保存；日志只追加，删除一条会使所有人的凭证证明失效。",
			BasisEn: "Kept as long as the vouchers it proves; the log is append-only and removing an entry would break everyone's proofs.",
			Term:    TermLongTerm})
	}
	auditUntil := now.AddDate(0, auditRetention, 0)
	kept = append(kept, KeptItem{Item: "audit_log", Title: "操作审计日志（含本次删除申请）", TitleEn: "The audit log (including this request)",
		Basis:   "《网络安全法》第二十一条：网络日志留存不少于六个月。",
		BasisEn: "Cybersecurity Law art. 21: network logs are kept at least six months.",
		Term:    TermUntil, Until: &auditUntil})
	return kept
}

// OrderRef names an order that blocks a deletion.
type OrderRef struct {
	ID    string
	State string
}

// blockingStates are the order states in which money is on its way (or a
// payment may still arrive): deleting then could strand money, since the
// person could no longer be reached about it. They are payment.State
// values, written out because payment depends on identity.
var blockingStates = []string{"created", "awaiting_payment", "paid", "posting", "held", "refunding"}

// BlockingStates returns a copy of the order states that refuse a deletion.
func BlockingStates() []string { return append([]string(nil), blockingStates...) }

// errOrdersInProgress says which orders block the deletion and what to do.
func errOrdersInProgress(orders []OrderRef) error {
	list := make([]string, 0, len(orders))
	for _, o := range orders {
		list = append(list, o.ID+"（"+o.State+"）")
	}
	ids := strings.Join(list, "、")
	return apperr.New(apperr.Conflict, "deletion_orders_in_progress",
		"您有正在处理中的缴费订单："+ids+"。为免资金无着落，暂不能删除。待支付的订单请先支付或关闭；已支付、入账中、挂起或退款中的订单请待处理完成后再申请。",
		"Some of your payment orders are in progress: "+strings.ReplaceAll(strings.ReplaceAll(ids, "（", " ("), "）", ")")+
			". So that no money is stranded, your data cannot be deleted yet. Pay or close an order awaiting payment; for one paid, posting, held or refunding, wait until it is finished, then ask again.")
}

var errDeletionUnconfirmed = apperr.New(apperr.Invalid, "deletion_unconfirmed",
	"请确认删除：删除后微信绑定、电子社保卡密码和各项设置将无法恢复，您将被退出登录。",
	"Confirm the deletion: your WeChat binding, e-card password and settings cannot be restored, and you will be signed out.").WithField("confirm")

var errNoDeletion = apperr.New(apperr.NotFound, "deletion_request_not_found",
	"您尚未申请删除个人信息。", "You have not asked for your data to be deleted.")
