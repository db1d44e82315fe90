package payment

import (
	"context"
	"fmt"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/voucher"
)

// issue holds what is needed to issue an order's vouchers: the facts are
// gathered before the crediting transaction (they need reads and decryption);
// numbering, signing and storing happen inside it, so a credited order always
// has all three vouchers and a rolled-back one has none and used no number.
type issue struct {
	facts voucher.Facts
	ag    Agency
}

// buildVouchers gathers the facts of a credited order's three vouchers
// (fiscal e-receipt, acceptance receipt, transaction statement).
func (s *Service) buildVouchers(o Order, pf paidFacts, coreRef string) *issue {
	insured, payer, bills := pf.insured, pf.payer, pf.bills
	ag := s.agency(o.Region)
	f := voucher.Facts{
		OrderID: o.ID, OutTradeNo: o.OutTradeNo, TransactionID: o.TransactionID,
		Channel: o.Channel, ChannelName: channelName(o.Channel), PaidAt: o.PaidAt, PostedAt: s.now(),
		PayerName: payer.NameMasked, InsuredName: insured.NameMasked, InsuredIDMasked: insured.IDMasked,
		Region: o.Region, AgencyName: ag.Name, AgencyCreditCode: ag.CreditCode,
		Total: o.AmountFen, CorePostingRef: coreRef,
	}
	for _, b := range bills {
		f.Lines = append(f.Lines, voucher.Line{
			Insurance: b.Insurance, Name: s.insuranceName(b.Insurance), Period: b.Period,
			BaseFen: b.BaseFen, Rate: b.Rate, AmountFen: b.AmountFen,
		})
	}
	return &issue{facts: f, ag: ag}
}

// lines are the order's contributions for the ledger's credit posting.
func (is *issue) lines() []ledger.Line {
	out := make([]ledger.Line, 0, len(is.facts.Lines))
	for _, l := range is.facts.Lines {
		out = append(out, ledger.Line{Region: is.facts.Region, Insurance: l.Insurance, Amount: l.AmountFen})
	}
	return out
}

func (s *Service) insuranceName(code string) string {
	if n := s.names(code); n != "" {
		return n
	}
	return code
}

func channelName(ch string) string {
	switch ch {
	case "wechatpay", "wechatpay_native":
		return "微信支付"
	case CreditChannel:
		return "社保信用付" // paid by credit, collected from the card account next month
	}
	return ch
}

// storeVouchers numbers, builds, signs and inserts the vouchers in tx.
func (s *Service) storeVouchers(ctx context.Context, tx Tx, is *issue) ([]*voucher.Voucher, error) {
	seq, err := tx.NextSequence(ctx, "fiscal_receipt:"+is.ag.BillCode)
	if err != nil {
		return nil, fmt.Errorf("payment: fiscal number: %w", err)
	}
	nums := voucher.Numbers{BillCode: is.ag.BillCode, BillNumber: fmt.Sprintf("%010d", seq)}
	var out []*voucher.Voucher
	for _, k := range voucher.Kinds() {
		id, err := s.newID("vch_", 20)
		if err != nil {
			return nil, err
		}
		code, err := s.newID("", 20)
		if err != nil {
			return nil, err
		}
		v, err := voucher.Build(k, is.facts, nums, id, code, s.now())
		if err != nil {
			return nil, fmt.Errorf("payment: build %s: %w", k, err)
		}
		if err := s.signer.Sign(s.random, v); err != nil {
			return nil, fmt.Errorf("payment: sign %s: %w", k, err)
		}
		if err := tx.InsertVoucher(ctx, *v); err != nil {
			return nil, fmt.Errorf("payment: store %s: %w", k, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// logEvidence appends the credited order's contribution and its vouchers
// to the evidence log in the crediting transaction tx, so a credited order
// is always logged and a rolled-back one never is. The insured person is
// logged by id, never by ID number.
func (s *Service) logEvidence(ctx context.Context, tx Tx, o *Order, is *issue, vs []*voucher.Voucher) error {
	if s.evidence == nil {
		return nil
	}
	c := evidence.Contribution{OrderID: o.ID, OutTradeNo: o.OutTradeNo, TransactionID: o.TransactionID,
		Region: o.Region, InsuredPersonID: o.PersonID, TotalFen: o.AmountFen,
		CorePostingRef: o.CoreRef, PostedAt: is.facts.PostedAt}
	for _, l := range is.facts.Lines {
		c.Items = append(c.Items, evidence.Item{Insurance: l.Insurance, Period: l.Period, AmountFen: l.AmountFen})
	}
	leaf, err := c.Leaf()
	if err != nil {
		return err
	}
	leaves := []evidence.Leaf{leaf}
	for _, v := range vs {
		l, err := evidence.VoucherLeaf(v)
		if err != nil {
			return err
		}
		leaves = append(leaves, l)
	}
	if _, err := s.evidence.Append(ctx, tx, leaves...); err != nil {
		return fmt.Errorf("payment: evidence for %s: %w", o.ID, err)
	}
	return nil
}
