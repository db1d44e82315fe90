package ssc

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// statement is the answer of GET /v1/statements/{date}.
type statement struct {
	MerchantID string  `json:"merchant_id"`
	Date       string  `json:"date"`
	Entries    []entry `json:"entries"`
}

type entry struct {
	Time        string `json:"time"`
	Type        string `json:"type"` // PAY or REFUND
	OutTradeNo  string `json:"out_trade_no"`
	BankSerial  string `json:"bank_serial"`
	AmountFen   int64  `json:"amount_fen"`
	OutRefundNo string `json:"out_refund_no"`
	RefundFen   int64  `json:"refund_fen"`
}

// TradeBill implements payment.Provider. Unlike WeChat's CSV file the
// statement is JSON in a signed answer, so it is verified like any other
// call and needs no separate hash check.
func (p *Provider) TradeBill(ctx context.Context, date string) ([]payment.BillRow, error) {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return nil, fmt.Errorf("ssc: statement date %q: %w", date, err)
	}
	var st statement
	if err := p.do(ctx, http.MethodGet, "/v1/statements/"+date, nil, &st); err != nil {
		return nil, fmt.Errorf("ssc: statement %s: %w", date, err)
	}
	if st.Date != date {
		return nil, fmt.Errorf("ssc: statement %s: the bank answered for %s", date, st.Date)
	}
	var rows []payment.BillRow
	for _, e := range st.Entries {
		at, err := time.Parse(time.RFC3339, e.Time)
		if err != nil {
			return nil, fmt.Errorf("ssc: statement %s: time %q: %w", date, e.Time, err)
		}
		row := payment.BillRow{At: at, OutTradeNo: e.OutTradeNo, TransactionID: e.BankSerial}
		switch e.Type {
		case "PAY":
			row.State, row.AmountFen = payment.TradeSuccess, money.Fen(e.AmountFen)
		case "REFUND":
			// As in WeChat's bill: a refund row settles nothing of the order
			// amount and names the refund.
			row.State, row.OutRefundNo, row.RefundFen = payment.TradeRefund, e.OutRefundNo, money.Fen(e.RefundFen)
		default:
			return nil, fmt.Errorf("ssc: statement %s: entry type %q", date, e.Type)
		}
		rows = append(rows, row)
	}
	return rows, nil
}
