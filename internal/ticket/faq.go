package ticket

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
)

// Entry is one question and answer of the knowledge base the assistant
// suggests from; operators maintain them in the console.
type Entry struct {
	ID        int64
	Category  string
	Question  string
	Answer    string
	Keywords  string // separated by spaces or commas; each found in a text scores high
	Active    bool
	UpdatedAt time.Time
	UpdatedBy string
}

// DefaultFAQ are the common problems and their way out from the product
// brief (seed §5), the knowledge base's first entries.
func DefaultFAQ() []Entry {
	return []Entry{
		{Category: "auth", Question: "人脸识别或实名认证总是失败怎么办？",
			Answer:   "可以改用电子社保卡密码认证：在登录页选择“电子社保卡密码”，输入在电子社保卡设置的密码即可。人脸识别请在光线充足处、本人操作；仍无法认证请拨打12333。",
			Keywords: "人脸 刷脸 人脸识别 认证失败 实名认证 活体 识别失败 验证失败 登录不了 无法登录 电子社保卡密码"},
		{Category: "payment", Question: "支付时提示银行卡超出限额怎么办？",
			Answer:   "可以分多笔缴纳（补缴多个月时，系统会按月份拆成每笔不超过限额的几笔），或改用微信零钱、其他银行卡等渠道；单日限额次日恢复。",
			Keywords: "限额 超限 超出限额 额度 单笔 单日 银行卡 支付失败 付款失败 拆分 分笔"},
		{Category: "not_credited", Question: "缴费成功，3个工作日后仍未到账怎么办？",
			Answer:   "缴费后通常当天、最迟3个工作日内入账。超过3个工作日仍查不到缴费记录，请提交工单并附上订单，或拨打12333。若核心系统一直无法入账，系统会在72小时后原路退款。",
			Keywords: "未到账 没到账 没有到账 未入账 没入账 不到账 查不到 没有记录 扣款 扣钱 已扣款 到账"},
		{Category: "registration", Question: "港澳台居民怎样登记参保？",
			Answer:   "港澳台居民可持港澳台居民居住证，或港澳居民来往内地通行证、台湾居民来往大陆通行证，到参保地社保经办机构办理参保登记；深圳试点可在线用回乡证登记。登记后即可在线缴费。",
			Keywords: "港澳台 香港 澳门 台湾 居住证 回乡证 台胞证 通行证 港澳 外籍 护照 参保登记"},
		{Category: "registration", Question: "退役军人的视同缴费年限怎么认定？",
			Answer:   "退役军人军龄视同缴费年限的认定需要线下办理：请通过12333或当地社保经办机构预约，携带退役证明等材料到窗口办理，线上暂不支持。",
			Keywords: "退役军人 军龄 视同缴费 视同缴费年限 退伍 转业 复员 部队"},
		{Category: "voucher", Question: "在哪里获取缴费凭证和财政电子票据？",
			Answer:   "缴费入账后会自动开具三种凭证：财政电子票据、受理回执和交易明细，在“我的票夹”中查看、下载，扫描二维码可验真。",
			Keywords: "票据 发票 凭证 收据 报销 回执 交易明细 票夹 电子票据"},
		{Category: "refund", Question: "缴费被冻结或退款，钱什么时候退回？",
			Answer:   "异常缴费可能被冻结审核，最长24小时；审核后入账或原路退回。退款一般在1至3个工作日内退回原支付账户（微信零钱通常几分钟）。",
			Keywords: "冻结 退款 退钱 原路退回 审核 被冻结 退回"},
	}
}

// SeedFAQ fills an empty knowledge base with DefaultFAQ; it does nothing if
// any entry exists, so operators' edits and deletions stand.
func (s *Service) SeedFAQ(ctx context.Context) (int, error) {
	have, err := s.store.FAQEntries(ctx, false)
	if err != nil || len(have) > 0 {
		return 0, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	for i, e := range DefaultFAQ() {
		e.Active, e.UpdatedAt, e.UpdatedBy = true, now, "seed"
		if _, err := s.store.PutFAQ(ctx, e); err != nil {
			return i, fmt.Errorf("ticket: seed faq: %w", err)
		}
	}
	return len(DefaultFAQ()), nil
}

// FAQ lists the knowledge base.
func (s *Service) FAQ(ctx context.Context, activeOnly bool) ([]Entry, error) {
	return s.store.FAQEntries(ctx, activeOnly)
}

// SaveFAQ adds (ID 0) or changes an entry.
func (s *Service) SaveFAQ(ctx context.Context, e Entry, by string) (int64, error) {
	e.Question, e.Answer = strings.TrimSpace(e.Question), strings.TrimSpace(e.Answer)
	if e.Question == "" || e.Answer == "" {
		return 0, apperr.New(apperr.Invalid, "faq_incomplete", "问题和答复都不能为空。", "Both the question and the answer are needed.")
	}
	if !validCategory(e.Category) {
		e.Category = "other"
	}
	e.UpdatedAt, e.UpdatedBy = s.now().UTC().Truncate(time.Millisecond), by
	return s.store.PutFAQ(ctx, e)
}

// Suggest proposes up to n answers for what a person is about to file.
func (s *Service) Suggest(ctx context.Context, category, text string, n int) ([]Suggestion, error) {
	es, err := s.store.FAQEntries(ctx, true)
	if err != nil {
		return nil, err
	}
	return Suggest(es, category, text, n), nil
}
