package billing

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/policy"
)

// Enrolled is one person as the monthly run reads them: where and what they
// are insured, and their active enrolments as items to bill.
type Enrolled struct {
	PersonID string
	Region   string
	Type     identity.PersonType
	Items    []Item
}

// RunStore is the storage the monthly run needs.
type RunStore interface {
	// EnrolledAfter returns up to limit persons whose id sorts after
	// `after`, in id order, each with their active enrolments (a person
	// with none is returned with no items, so paging always advances).
	EnrolledAfter(ctx context.Context, after string, limit int) ([]Enrolled, error)
	// InsertBills stores the bills in one transaction, leaving alone any
	// person, insurance and period already billed; it returns how many
	// bills were new.
	InsertBills(ctx context.Context, bills []Bill) (int, error)
}

// RunOptions tune a monthly run.
type RunOptions struct {
	Batch   int // persons per page and transaction; 0: 2,000
	Workers int // goroutines pricing a page; 0: one per CPU
	// Progress, if set, is called after each page with the totals so far.
	Progress func(RunResult)
}

// RunResult is what a monthly run did.
type RunResult struct {
	Month    string `json:"month"`
	Persons  int    `json:"persons"`
	Bills    int    `json:"bills_issued"`
	Existing int    `json:"bills_existing"` // already issued (a rerun, or a person who asked earlier)
	// Refused counts persons whose enrolments could not be priced for the
	// month, by reason (a region that does not offer the type online, a
	// base outside the new window's range, …): an operator's work list,
	// never a reason to stop the run.
	Refused  map[string]int `json:"refused"`
	Elapsed  time.Duration  `json:"-"`
	ElapsedS float64        `json:"elapsed_s"`
}

// IssueMonth issues every insured person's bills for month, for their
// active monthly enrolments (annual premiums are issued by their collection
// campaign). It is idempotent: a rerun, or a run after people already paid
// ahead, issues only what is missing. Prices are quoted as of the month's
// first day, the date the bill is for.
//
// Reading and pricing the next page overlaps with storing the current one
// (the store's single writer is the bottleneck); pages are still stored one
// after the other, in person order, so a run stopped halfway and started
// again carries on where the stored bills end.
func (s *Service) IssueMonth(ctx context.Context, st RunStore, month policy.Month, opt RunOptions) (RunResult, error) {
	start := time.Now()
	if opt.Batch <= 0 {
		opt.Batch = 2000
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	res := RunResult{Month: month.String(), Refused: map[string]int{}}
	ids, err := s.newRunIDs()
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithCancel(ctx)
	pages := s.pricePages(ctx, st, month, opt)
	defer func() {
		cancel()
		for range pages { // the reader stops before the run returns
		}
	}()
	for p := range pages {
		if p.err != nil {
			return res, p.err
		}
		// IDs are drawn here, on one goroutine, in person order.
		for i := range p.bills {
			if p.bills[i].ID, err = ids.next(); err != nil {
				return res, err
			}
			p.bills[i].CreatedAt = s.now()
		}
		n, err := st.InsertBills(ctx, p.bills)
		if err != nil {
			return res, fmt.Errorf("billing: month run, storing %d bills: %w", len(p.bills), err)
		}
		res.Persons += p.persons
		res.Bills += n
		res.Existing += len(p.bills) - n
		for k, v := range p.refused {
			res.Refused[k] += v
		}
		if opt.Progress != nil {
			opt.Progress(res)
		}
	}
	if err := ctx.Err(); err != nil { // the reader stopped early
		return res, fmt.Errorf("billing: month run stopped after %d persons: %w", res.Persons, err)
	}
	res.Elapsed = time.Since(start)
	res.ElapsedS = res.Elapsed.Seconds()
	return res, nil
}

// pricedPage is one page of the run, priced and ready to store.
type pricedPage struct {
	persons int
	bills   []Bill
	refused map[string]int
	err     error
}

// pricePages reads and prices the pages one ahead of the caller storing
// them; the channel closes after the last page, an error, or cancellation.
func (s *Service) pricePages(ctx context.Context, st RunStore, month policy.Month, opt RunOptions) <-chan pricedPage {
	out := make(chan pricedPage, 1)
	asOf := month.Start(chinaTime).Format("2006-01-02")
	monthly := newMonthlyCache(s.policy, month)
	go func() {
		defer close(out)
		after := ""
		for ctx.Err() == nil {
			page, err := st.EnrolledAfter(ctx, after, opt.Batch)
			if err != nil {
				out <- pricedPage{err: fmt.Errorf("billing: month run after %q: %w", after, err)}
				return
			}
			if len(page) == 0 {
				return
			}
			after = page[len(page)-1].PersonID
			bills, refused := s.priceMonth(page, month, asOf, monthly, opt.Workers)
			select {
			case out <- pricedPage{persons: len(page), bills: bills, refused: refused}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// priceMonth quotes a page of persons on several goroutines; the bills come
// back in the page's order.
func (s *Service) priceMonth(page []Enrolled, month policy.Month, asOf string, monthly *monthlyCache, workers int) ([]Bill, map[string]int) {
	type out struct {
		bills  []Bill
		reason string
	}
	results := make([]out, len(page))
	var wg sync.WaitGroup
	chunk := (len(page) + workers - 1) / workers
	for w := 0; w < len(page); w += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				b, err := s.priceOne(page[i], month, asOf, monthly)
				results[i] = out{bills: b}
				if err != nil {
					results[i].reason = err.Error()
				}
			}
		}(w, min(w+chunk, len(page)))
	}
	wg.Wait()
	var bills []Bill
	refused := map[string]int{}
	for _, r := range results {
		if r.reason != "" {
			refused[r.reason]++
		}
		bills = append(bills, r.bills...)
	}
	return bills, refused
}

// priceOne prices one person's monthly enrolments for the month. Errors
// name the rule, not the person, so they can be counted by reason.
func (s *Service) priceOne(e Enrolled, month policy.Month, asOf string, monthly *monthlyCache) ([]Bill, error) {
	codes := monthly.codes(e.Region, e.Type)
	var items []Item
	for _, it := range e.Items {
		if codes[it.Insurance] {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil, nil
	}
	key, shared := quoteKey(e.Region, e.Type, items)
	var lines []Bill
	ok := false
	if shared {
		lines, ok = monthly.quote(key)
	}
	if !ok {
		p := &identity.Person{ID: e.PersonID, Region: e.Region, Type: e.Type}
		q, err := s.quoteAt(p, month.String(), items, asOf)
		if err != nil {
			// Not remembered: the message may name the person's own input.
			return nil, fmt.Errorf("%s %s: %w", e.Region, e.Type, err)
		}
		for _, line := range q.Lines {
			if line.Kind != "" { // late fees are not part of a month's bill
				continue
			}
			lines = append(lines, Bill{Insurance: line.Insurance, Period: line.Period, Kind: Current,
				BaseFen: line.BaseFen, Rate: line.Rate, AmountFen: line.AmountFen, PersonalAccountFen: line.PersonalAccountFen,
				Policy: line.Policy, Status: Due})
		}
		if shared {
			monthly.remember(key, lines)
		}
	}
	out := make([]Bill, len(lines))
	for i, b := range lines {
		b.PersonID = e.PersonID
		out[i] = b
	}
	return out, nil
}

// quoteKey is everything a month's quote depends on besides the month:
// region, person type, and the insurance types with their chosen bases.
// Persons who share it are billed the same amounts, so the run quotes each
// key once instead of once per person (a million quotes were a third of
// the run's CPU). A base given as an amount is the person's own: such
// quotes are not remembered (shared is false), so the cache holds a few
// entries per region, not one per person.
func quoteKey(region string, t identity.PersonType, items []Item) (key string, shared bool) {
	for _, it := range items {
		if it.Base != "" && it.Base != "floor" && it.Base != "ceiling" {
			return "", false
		}
	}
	var b strings.Builder
	b.WriteString(region)
	b.WriteByte('|')
	b.WriteString(string(t))
	for _, it := range items {
		b.WriteByte('|')
		b.WriteString(it.Insurance)
		b.WriteByte('=')
		b.WriteString(it.Base)
	}
	return b.String(), true
}

// monthlyCache remembers, per region and person type, which insurance
// types are billed month by month in the run's month, and the quotes made
// for the run: looked up once, not a million times.
type monthlyCache struct {
	policy *policy.Engine
	month  policy.Month
	mu     sync.Mutex
	m      map[string]map[string]bool
	quotes map[string][]Bill // by quoteKey: the bills without person or id
}

func newMonthlyCache(p *policy.Engine, month policy.Month) *monthlyCache {
	return &monthlyCache{policy: p, month: month, m: map[string]map[string]bool{}, quotes: map[string][]Bill{}}
}

func (c *monthlyCache) quote(key string) ([]Bill, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lines, ok := c.quotes[key]
	return lines, ok
}

func (c *monthlyCache) remember(key string, lines []Bill) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.quotes[key] = lines
}

func (c *monthlyCache) codes(region string, t identity.PersonType) map[string]bool {
	key := region + "/" + string(t)
	c.mu.Lock()
	defer c.mu.Unlock()
	if codes, ok := c.m[key]; ok {
		return codes
	}
	codes := map[string]bool{}
	if view, err := c.policy.RegionAt(region, c.month); err == nil {
		for _, pt := range view.PersonTypes {
			if pt.PersonType != string(t) {
				continue
			}
			for _, ins := range pt.Insurances {
				if ins.Family != policy.FamilyFlatAnnual {
					codes[ins.Code] = true
				}
			}
		}
	}
	c.m[key] = codes
	return codes
}

// SortedReasons lists the refusal reasons, most frequent first, for reports.
func (r RunResult) SortedReasons() []string {
	keys := make([]string, 0, len(r.Refused))
	for k := range r.Refused {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if r.Refused[keys[i]] != r.Refused[keys[j]] {
			return r.Refused[keys[i]] > r.Refused[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
