package billing

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/store"
)

// Store is the storage billing needs.
type Store interface {
	InsertBill(ctx context.Context, b Bill) error // store.ErrConflict if the period is already billed
	BillsForPerson(ctx context.Context, personID string) ([]Bill, error)
	// RepriceBill rewrites a bill's base and amounts if it is still due and
	// not held by an order; store.ErrConflict otherwise.
	RepriceBill(ctx context.Context, b Bill) error
}

// Service issues bills from policy quotes.
type Service struct {
	store  Store
	policy *policy.Engine
	now    func() time.Time
	random io.Reader
}

// NewService wires a billing service.
func NewService(s Store, p *policy.Engine, now func() time.Time, random io.Reader) *Service {
	return &Service{store: s, policy: p, now: now, random: random}
}

var idEncoding = base32.NewEncoding("ABCDEFGHJKLMNPQRSTUVWXYZ23456789").WithPadding(base32.NoPadding)

// Item is one insurance type to bill, with the person's chosen base (see
// identity.Enrolment.Base: "floor", "ceiling", fen digits, or "" for a flat
// premium).
type Item struct {
	Insurance string
	Base      string
}

// Issue prices the items together for one period (together, because some
// regions only accept medical insurance alongside pension) and stores a bill
// per insurance type. Types already billed for the period are kept as they
// were; only the new bills are returned.
func (s *Service) Issue(ctx context.Context, p *identity.Person, period string, items []Item, kind Kind) ([]Bill, error) {
	q, err := s.quote(p, period, items)
	if err != nil {
		return nil, err
	}
	var out []Bill
	for _, line := range q.Lines {
		if line.Kind != "" { // a late fee is billed with its own rules, not as a contribution
			continue
		}
		id, err := s.newID()
		if err != nil {
			return nil, err
		}
		b := Bill{
			ID: id, PersonID: p.ID, Insurance: line.Insurance, Period: line.Period, Kind: kind,
			BaseFen: line.BaseFen, Rate: line.Rate, AmountFen: line.AmountFen, PersonalAccountFen: line.PersonalAccountFen,
			Policy: line.Policy, Status: Due, CreatedAt: s.now(),
		}
		if err := s.store.InsertBill(ctx, b); errors.Is(err, store.ErrConflict) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("billing: store bill: %w", err)
		}
		out = append(out, b)
	}
	return out, nil
}

// agencyBase resolves "floor"/"ceiling" for insurance types whose base the
// agency assesses per person (Guangdong's rule family): such a person's
// enrolment records the assessment, and an assessment at the published floor
// or ceiling is stored as that word so it follows each window's figures.
func (s *Service) agencyBase(p *identity.Person, period string, it Item) (Item, error) {
	if it.Base != "floor" && it.Base != "ceiling" {
		return it, nil
	}
	m, err := policy.ParseMonth(period)
	if err != nil {
		return it, nil // a coverage year: flat premiums take no base
	}
	v, err := s.policy.RegionAt(p.Region, m)
	if err != nil {
		return it, err
	}
	for _, pt := range v.PersonTypes {
		for _, ins := range pt.Insurances {
			if pt.PersonType == string(p.Type) && ins.Code == it.Insurance && ins.Family == policy.FamilyAgency {
				base := ins.FloorFen
				if it.Base == "ceiling" {
					base = ins.CeilingFen
				}
				return Item{Insurance: it.Insurance, Base: strconv.FormatInt(int64(base), 10)}, nil
			}
		}
	}
	return it, nil
}

// Reprice prices the items for period again (after the person chose another
// base) and rewrites the due bills of that period that no order holds yet.
// A refused base returns the policy's error and changes nothing. It returns
// how many bills changed; bills already being paid keep their amount.
func (s *Service) Reprice(ctx context.Context, p *identity.Person, period string, items []Item) (int, error) {
	q, err := s.quote(p, period, items)
	if err != nil {
		return 0, err
	}
	bills, err := s.store.BillsForPerson(ctx, p.ID)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, line := range q.Lines {
		for _, b := range bills {
			if b.Insurance != line.Insurance || b.Period != line.Period || b.Status != Due || b.OrderID != "" || line.Kind != "" {
				continue
			}
			b.BaseFen, b.Rate, b.AmountFen, b.PersonalAccountFen, b.Policy = line.BaseFen, line.Rate, line.AmountFen, line.PersonalAccountFen, line.Policy
			if err := s.store.RepriceBill(ctx, b); errors.Is(err, store.ErrConflict) {
				continue // an order took it meanwhile: it keeps the amount it was ordered at
			} else if err != nil {
				return changed, err
			}
			changed++
		}
	}
	return changed, nil
}

// Check prices the items for period without storing anything, so a form
// can be validated before it is saved.
func (s *Service) Check(p *identity.Person, period string, items []Item) (*policy.Quote, error) {
	return s.quote(p, period, items)
}

func (s *Service) quote(p *identity.Person, period string, items []Item) (*policy.Quote, error) {
	return s.quoteAt(p, period, items, s.now().In(chinaTime).Format("2006-01-02"))
}

// quoteAt prices as of a date (YYYY-MM-DD): today for a person's own
// request, the month's first day for the monthly run.
func (s *Service) quoteAt(p *identity.Person, period string, items []Item, asOf string) (*policy.Quote, error) {
	req := policy.QuoteRequest{
		Region: p.Region, PersonType: string(p.Type), Periods: policy.Periods{From: period, To: period}, AsOf: asOf,
	}
	for _, it := range items {
		it, err := s.agencyBase(p, period, it)
		if err != nil {
			return nil, err
		}
		qi, err := quoteItem(it)
		if err != nil {
			return nil, fmt.Errorf("billing: %s %s: %w", p.ID, it.Insurance, err)
		}
		req.Items = append(req.Items, qi)
	}
	return s.policy.Quote(req)
}

func quoteItem(it Item) (policy.QuoteItem, error) {
	qi := policy.QuoteItem{Insurance: it.Insurance}
	switch it.Base {
	case "floor", "ceiling":
		qi.Base = it.Base
	case "":
	default:
		v, err := strconv.ParseInt(it.Base, 10, 64)
		if err != nil || v <= 0 {
			return qi, fmt.Errorf("base %q is not an amount in fen", it.Base)
		}
		fen := money.Fen(v)
		qi.BaseFen = &fen
	}
	return qi, nil
}

// EnsureCurrent issues this month's bill for each active monthly enrolment
// of the person, keeping bills already issued. Annual premiums are issued by
// the collection campaign (see the demo seed), not month by month.
func (s *Service) EnsureCurrent(ctx context.Context, p *identity.Person, enrolments []identity.Enrolment) error {
	month := policy.MonthOf(s.now().In(chinaTime))
	view, err := s.policy.RegionAt(p.Region, month)
	if err != nil {
		return err
	}
	monthly := map[string]bool{}
	for _, pt := range view.PersonTypes {
		if pt.PersonType != string(p.Type) {
			continue
		}
		for _, ins := range pt.Insurances {
			monthly[ins.Code] = ins.Family != "flat_annual"
		}
	}
	var items []Item
	for _, e := range enrolments {
		if e.Status == "active" && monthly[e.Insurance] {
			items = append(items, Item{Insurance: e.Insurance, Base: e.Base})
		}
	}
	if len(items) == 0 {
		return nil
	}
	_, err = s.Issue(ctx, p, month.String(), items, Current)
	return err
}

func (s *Service) newID() (string, error) {
	raw := make([]byte, 20)
	if _, err := io.ReadFull(s.random, raw); err != nil {
		return "", fmt.Errorf("billing: random id: %w", err)
	}
	return "bil_" + idEncoding.EncodeToString(raw)[:20], nil
}

// chinaTime: periods are Beijing-time months.
var chinaTime = time.FixedZone("CST", 8*3600)
