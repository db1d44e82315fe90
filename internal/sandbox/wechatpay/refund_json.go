package wechatpay

// refundView is the refund create and query response, field for field the
// SDK's refunddomestic.Refund. Its times must be RFC 3339: the SDK decodes
// them into time.Time.
type refundView struct {
	RefundID            string       `json:"refund_id"`
	OutRefundNo         string       `json:"out_refund_no"`
	TransactionID       string       `json:"transaction_id"`
	OutTradeNo          string       `json:"out_trade_no"`
	Channel             string       `json:"channel"`
	UserReceivedAccount string       `json:"user_received_account"`
	SuccessTime         string       `json:"success_time,omitempty"`
	CreateTime          string       `json:"create_time"`
	Status              string       `json:"status"`
	FundsAccount        string       `json:"funds_account"`
	Amount              refundAmount `json:"amount"`
	PromotionDetail     []json0      `json:"promotion_detail"`
}

type refundAmount struct {
	Total            int64   `json:"total"`
	Refund           int64   `json:"refund"`
	From             []json0 `json:"from"`
	PayerTotal       int64   `json:"payer_total"`
	PayerRefund      int64   `json:"payer_refund"`
	SettlementRefund int64   `json:"settlement_refund"`
	SettlementTotal  int64   `json:"settlement_total"`
	DiscountRefund   int64   `json:"discount_refund"`
	Currency         string  `json:"currency"`
}

// receivedAccount is where a refund of a balance (零钱) payment lands.
const receivedAccount = "支付用户零钱"

func (s *Server) refundViewOf(rf *refund) refundView {
	o := rf.order
	v := refundView{
		RefundID: rf.id, OutRefundNo: rf.outRefundNo, TransactionID: o.transactionID, OutTradeNo: o.outTradeNo,
		Channel: "ORIGINAL", UserReceivedAccount: receivedAccount, CreateTime: s.fmtTime(rf.createdAt),
		Status: rf.status, FundsAccount: rf.fundsAccount, PromotionDetail: []json0{},
		Amount: refundAmount{
			Total: o.total, Refund: rf.amount, From: []json0{}, PayerTotal: o.payerTotal, PayerRefund: rf.amount,
			SettlementRefund: rf.amount, SettlementTotal: o.total, Currency: o.currency,
		},
	}
	if rf.status == refundSuccess {
		v.SuccessTime = s.fmtTime(rf.successAt)
	}
	return v
}

// refundNotice is the REFUND.* notification plaintext. The Go SDK has no
// type for it (note refund_status, not status). Shape as in the protocol
// brief §3, from wechatpay-im/website webhook/v3/REFUND.SUCCESS.md, which
// mirrors WeChat's 退款结果通知 page.
type refundNotice struct {
	MchID               string             `json:"mchid"`
	OutTradeNo          string             `json:"out_trade_no"`
	TransactionID       string             `json:"transaction_id"`
	OutRefundNo         string             `json:"out_refund_no"`
	RefundID            string             `json:"refund_id"`
	RefundStatus        string             `json:"refund_status"`
	SuccessTime         string             `json:"success_time,omitempty"`
	UserReceivedAccount string             `json:"user_received_account"`
	Amount              refundNoticeAmount `json:"amount"`
}

type refundNoticeAmount struct {
	Total       int64 `json:"total"`
	Refund      int64 `json:"refund"`
	PayerTotal  int64 `json:"payer_total"`
	PayerRefund int64 `json:"payer_refund"`
}

func (s *Server) refundNoticeOf(rf *refund) refundNotice {
	o := rf.order
	n := refundNotice{
		MchID: o.mchID, OutTradeNo: o.outTradeNo, TransactionID: o.transactionID,
		OutRefundNo: rf.outRefundNo, RefundID: rf.id, RefundStatus: rf.status,
		UserReceivedAccount: receivedAccount,
		Amount:              refundNoticeAmount{Total: o.total, Refund: rf.amount, PayerTotal: o.payerTotal, PayerRefund: rf.amount},
	}
	if rf.status == refundSuccess {
		n.SuccessTime = s.fmtTime(rf.successAt)
	}
	return n
}
