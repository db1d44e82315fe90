package console

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/ticket"
)

// period is the dashboard's window: whole Beijing days up to today.
type period struct {
	Days     int
	From, To time.Time // [From, To)
}

func (h *handler) period(r *http.Request) period {
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	if days != 7 && days != 90 {
		days = 30
	}
	now := h.Now().In(payment.Beijing())
	to := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, payment.Beijing())
	return period{Days: days, From: to.AddDate(0, 0, -days), To: to}
}

// dayList is every Beijing day of the period, as YYYY-MM-DD.
func (p period) dayList() []string {
	var out []string
	for d := p.From; d.Before(p.To); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format("2006-01-02"))
	}
	return out
}

type dashData struct {
	Period                                       period
	Total                                        money.Fen
	Orders                                       int
	Attempts                                     Attempts
	SuccessRate                                  string
	ProxyShare                                   string // paid orders a family member paid (亲属代缴)
	CareShare                                    string // payers who use care mode (关怀模式)
	Daily, Regions, Insurances, Channels, Opened template.HTML
	RegionBars, InsuranceBars, ChannelBars       []bar
	Tickets                                      ticket.Stats
	Target                                       time.Duration
	Held, Diffs, Retries                         int
}

// dashboard shows collections, payment success and the help desk's real
// response times over the chosen period.
func (h *handler) dashboard(w http.ResponseWriter, r *http.Request, c *call) {
	p := h.period(r)
	ctx := r.Context()
	rows, err := h.Store.Collections(ctx, p.From, p.To)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	d := dashData{Period: p, Target: h.Tickets.FirstResponseTarget(ctx)}
	byDay, byRegion, byIns, byChannel := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, x := range rows {
		d.Total += x.AmountFen
		byDay[x.Date] += int64(x.AmountFen)
		byRegion[h.regionName(x.Region)] += int64(x.AmountFen)
		byIns[insuranceName(x.Insurance)] += int64(x.AmountFen)
		byChannel[or(channelLabels[x.Channel], x.Channel)] += int64(x.AmountFen)
	}
	var daily []bar
	for _, day := range p.dayList() {
		daily = append(daily, bar{Label: day, Value: byDay[day], Text: money.Fen(byDay[day]).Display()})
	}
	d.Daily = columnChart("每日入账金额", daily, 100_000, func(v int64) string { return axisYuan(money.Fen(v)) })
	d.RegionBars, d.InsuranceBars, d.ChannelBars = ranked(byRegion), ranked(byIns), ranked(byChannel)
	d.Regions, d.Insurances, d.Channels = barChart("按地区", d.RegionBars), barChart("按险种", d.InsuranceBars), barChart("按渠道", d.ChannelBars)
	if d.Attempts, err = h.Store.PaymentAttempts(ctx, p.From, p.To); err != nil {
		h.pageError(w, r, c, err)
		return
	}
	d.Orders = d.Attempts.Paid
	d.SuccessRate, d.ProxyShare = "—", "—"
	if d.Attempts.Created > 0 {
		d.SuccessRate = fmt.Sprintf("%.1f%%", 100*float64(d.Attempts.Paid)/float64(d.Attempts.Created))
	}
	if d.Attempts.Paid > 0 {
		d.ProxyShare = fmt.Sprintf("%.1f%%", 100*float64(d.Attempts.Proxy)/float64(d.Attempts.Paid))
	}
	d.CareShare = "—"
	if d.Attempts.Payers > 0 {
		d.CareShare = fmt.Sprintf("%.1f%%", 100*float64(d.Attempts.CarePayers)/float64(d.Attempts.Payers))
	}
	if d.Tickets, err = h.Tickets.Stats(ctx, p.From, p.To); err != nil {
		h.pageError(w, r, c, err)
		return
	}
	opened := map[string]int{}
	for _, x := range d.Tickets.PerDay {
		opened[x.Date] = x.Opened
	}
	var tb []bar
	for _, day := range p.dayList() {
		tb = append(tb, bar{Label: day, Value: int64(opened[day]), Text: strconv.Itoa(opened[day]) + "件"})
	}
	d.Opened = columnChart("每日新工单", tb, 4, func(v int64) string { return strconv.FormatInt(v, 10) })
	if err := h.queueCounts(r, &d); err != nil {
		h.pageError(w, r, c, err)
		return
	}
	h.show(w, r, c, "dashboard", "概览", "dashboard", d)
}

func (h *handler) queueCounts(r *http.Request, d *dashData) error {
	held, err := h.Store.HeldOrders(r.Context(), 1000)
	if err != nil {
		return err
	}
	diffs, err := h.Store.OpenDiffs(r.Context(), 1000)
	if err != nil {
		return err
	}
	retries, err := h.Store.FailingPostings(r.Context(), 1000)
	d.Held, d.Diffs, d.Retries = len(held), len(diffs), len(retries)
	return err
}

// ranked turns sums into bars, largest first.
func ranked(m map[string]int64) []bar {
	out := make([]bar, 0, len(m))
	for k, v := range m {
		out = append(out, bar{Label: k, Value: v, Text: money.Fen(v).Display()})
	}
	slices.SortFunc(out, func(a, b bar) int { return cmp.Or(cmp.Compare(b.Value, a.Value), cmp.Compare(a.Label, b.Label)) })
	return out
}

// axisYuan labels an amount axis: ¥0, ¥5,000, 1.2万 …
func axisYuan(f money.Fen) string {
	if f >= 1_000_000 { // 10,000 yuan
		return strconv.FormatFloat(float64(f)/1_000_000, 'f', -1, 64) + "万"
	}
	return "¥" + strconv.FormatInt(int64(f)/100, 10)
}
