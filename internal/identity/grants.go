package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/store"
)

// Grant lets a family member (the proxy) pay some of an insured person's
// (the grantor's) contributions: 亲属代缴. It is pending until the grantor
// consents, with their own session or the code sent to their phone, and
// either side may revoke it.
type Grant struct {
	ID           string
	GrantorID    string
	ProxyID      string
	Relationship string   // parent, child, spouse, sibling, other
	Insurances   []string // aae140 codes the proxy may pay
	Until        string   // YYYY-MM, inclusive
	Status       string   // pending, active, revoked
	CodeMAC      []byte
	CodeAttempts int
	CreatedAt    time.Time
	ConsentedAt  time.Time
	RevokedAt    time.Time
	RevokedBy    string
}

// Grant statuses.
const (
	GrantPending = "pending"
	GrantActive  = "active"
	GrantRevoked = "revoked"
)

// GrantStore is the storage grants need: one transaction per change, in
// which the audit log entry is appended too.
type GrantStore interface {
	InGrantTx(ctx context.Context, fn func(GrantTx) error) error
	GrantByID(ctx context.Context, id string) (Grant, error)
	GrantsForProxy(ctx context.Context, proxyID string) ([]Grant, error)
	GrantsForGrantor(ctx context.Context, grantorID string) ([]Grant, error)
	PersonByIDIndex(ctx context.Context, index []byte) (PersonRecord, error)
}

// GrantTx is a grant change's transaction.
type GrantTx interface {
	auditlog.Store
	GrantByID(ctx context.Context, id string) (Grant, error)
	InsertGrant(ctx context.Context, g Grant) error // store.ErrConflict for a second live grant of the pair
	UpdateGrant(ctx context.Context, g Grant) error
	// BindOpenID sets the person's openid for a WeChat app;
	// store.ErrConflict if another person has it.
	BindOpenID(ctx context.Context, personID, app, openID string) error
	// UpdatePhone replaces the person's phone number; store.ErrConflict if
	// another person has it.
	UpdatePhone(ctx context.Context, personID string, sealed, index []byte, masked string) error
}

// GrantRequest is what a proxy gives to ask for a grant.
type GrantRequest struct {
	Relationship   string
	DocumentType   DocumentType
	DocumentNumber string
	Insurances     []string
	Until          string
}

var relationships = []string{"parent", "child", "spouse", "sibling", "grandparent", "other"}

const grantCodeTTL = 10 * time.Minute

var errGrantNotFound = apperr.New(apperr.NotFound, "grant_not_found", "未找到该代缴授权。", "No such proxy grant.")

// RequestGrant creates a pending grant from the insured person named by the
// document to the proxy and sends the insured a consent code by SMS.
func (s *Service) RequestGrant(ctx context.Context, proxy *Person, req GrantRequest) (*Grant, error) {
	if err := checkGrantRequest(req); err != nil {
		return nil, err
	}
	doc, prob := ValidateDocument(req.DocumentType, req.DocumentNumber)
	if prob != nil {
		return nil, apperr.New(apperr.Invalid, "document_"+prob.Reason, prob.Message, prob.MessageEn).WithField("document_number")
	}
	rec, err := s.personByIDNumber(ctx, doc.Number)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apperr.New(apperr.NotFound, "person_not_found", "未找到以该证件参保的人员，请核对证件号码。",
			"No insured person has this document; check the number.").WithField("document_number")
	} else if err != nil {
		return nil, err
	}
	if rec.ID == proxy.ID {
		return nil, apperr.New(apperr.Invalid, "grant_self", "不能为自己添加代缴授权。", "You cannot add yourself as a family member.").WithField("document_number")
	}
	grantor, err := s.open(rec)
	if err != nil {
		return nil, err
	}
	code, err := randomDigits(s.random, 6)
	if err != nil {
		return nil, err
	}
	id, err := s.newGrantID()
	if err != nil {
		return nil, err
	}
	g := Grant{ID: id, GrantorID: grantor.ID, ProxyID: proxy.ID, Relationship: req.Relationship, Insurances: req.Insurances,
		Until: req.Until, Status: GrantPending, CodeMAC: s.sealer.MAC("grant", id, code), CreatedAt: s.now()}
	err = s.grants.InGrantTx(ctx, func(tx GrantTx) error {
		if err := tx.InsertGrant(ctx, g); err != nil {
			return err
		}
		return s.audit(ctx, tx, proxy.ID, "grant.request", g.ID, "insured "+grantor.ID+" scope "+strings.Join(g.Insurances, ","))
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, apperr.New(apperr.Conflict, "grant_exists", "已有该家属的代缴授权（待确认或有效），无需重复添加。",
			"There is already a pending or active grant with this family member.")
	} else if err != nil {
		return nil, err
	}
	text := fmt.Sprintf("【社保缴费】%s申请为您代缴社会保险费（至%s）。如同意，请将验证码%s告知对方，或登录后在“代缴授权”中确认。10分钟内有效，如非本人意愿请忽略。",
		proxy.NameMasked, g.Until, code)
	if err := s.sms.SendSMS(ctx, grantor.Phone, text); err != nil {
		s.log.WarnContext(ctx, "grant consent sms", "grant", g.ID, "err", err)
	}
	return &g, nil
}

func checkGrantRequest(req GrantRequest) error {
	if !slices.Contains(relationships, req.Relationship) {
		e := apperr.New(apperr.Invalid, "relationship_invalid", "请选择与参保人的关系。", "Choose your relationship to the insured person.").WithField("relationship")
		e.Allowed = relationships
		return e
	}
	if len(req.Insurances) == 0 || len(req.Insurances) > 7 {
		return apperr.New(apperr.Invalid, "insurances_invalid", "请选择可代缴的险种。", "Choose the insurance types you may pay.").WithField("insurances")
	}
	if len(req.Until) != 7 || req.Until[4] != '-' {
		return apperr.New(apperr.Invalid, "until_invalid", "授权截止月份格式应为 YYYY-MM。", "The grant's last month must look like YYYY-MM.").WithField("until")
	}
	return nil
}

func (s *Service) newGrantID() (string, error) {
	code, err := randomDigits(s.random, 16)
	return "gr_" + code, err
}

func (s *Service) audit(ctx context.Context, tx auditlog.Store, actor, action, target, detail string) error {
	return auditlog.Append(ctx, tx, auditlog.Entry{At: s.now(), Actor: actor, Action: action, Target: target, Detail: detail})
}
