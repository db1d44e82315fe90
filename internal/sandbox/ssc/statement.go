package ssc

import (
	"cmp"
	"net/http"
	"slices"
	"time"
)

// statementHistory is how far back statements can be asked for, in days.
const statementHistory = 90

type entryView struct {
	Time        string `json:"time"`
	Type        string `json:"type"` // PAY or REFUND
	OutTradeNo  string `json:"out_trade_no"`
	BankSerial  string `json:"bank_serial"`
	AmountFen   int64  `json:"amount_fen"`
	OutRefundNo string `json:"out_refund_no,omitempty"`
	RefundID    string `json:"refund_id,omitempty"`
	RefundFen   int64  `json:"refund_fen,omitempty"`
}

type statementView struct {
	MerchantID string      `json:"merchant_id"`
	Date       string      `json:"date"`
	Entries    []entryView `json:"entries"`
}

// handleStatement is GET /v1/statements/{date}: every payment and refund
// that succeeded that Beijing day, in time order. Today's is partial.
func (s *Server) handleStatement(r *http.Request, _ []byte) (any, error) {
	date := r.PathValue("date")
	day, err := time.ParseInLocation(time.DateOnly, date, beijing)
	if err != nil {
		return nil, paramError("日期须为 YYYY-MM-DD")
	}
	now := s.now()
	switch today := dayOf(now); {
	case date > today:
		return nil, paramError("日期不能晚于今天")
	case now.Sub(day) > statementHistory*24*time.Hour:
		return nil, paramError("仅提供90天内的对账单")
	}
	s.mu.Lock()
	s.settleRefundsLocked(now)
	entries := []entryView{}
	for _, d := range s.debits {
		if d.paid() && dayOf(d.successAt) == date {
			entries = append(entries, entryView{Time: fmtTime(d.successAt), Type: "PAY", OutTradeNo: d.req.OutTradeNo,
				BankSerial: d.bankSerial, AmountFen: d.req.AmountFen})
		}
	}
	for _, rf := range s.refunds {
		if rf.state == refundSuccess && dayOf(rf.successAt) == date {
			entries = append(entries, entryView{Time: fmtTime(rf.successAt), Type: "REFUND", OutTradeNo: rf.req.OutTradeNo,
				BankSerial: rf.debit.bankSerial, OutRefundNo: rf.req.OutRefundNo, RefundID: rf.refundID, RefundFen: rf.req.AmountFen})
		}
	}
	s.mu.Unlock()
	// Maps iterate in random order; a statement must not.
	slices.SortFunc(entries, func(a, b entryView) int {
		return cmp.Or(cmp.Compare(a.Time, b.Time), cmp.Compare(a.Type, b.Type), cmp.Compare(a.OutTradeNo, b.OutTradeNo))
	})
	return statementView{MerchantID: s.creds.MerchantID, Date: date, Entries: entries}, nil
}
