package console

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/ticket"
)

// MetricsDeps are what /metrics reads.
type MetricsDeps struct {
	Store   Store
	Tickets *ticket.Service
	Now     func() time.Time
	Log     *slog.Logger
	// Token, if set, must come as "Authorization: Bearer <token>"; without
	// it, serve /metrics only where the network keeps strangers out.
	Token string
}

// NewMetrics is the Prometheus endpoint: the queues an agency watches (held
// orders, open reconciliation differences, failing postings, tickets
// waiting and overdue, today's collections) read from the database at each
// scrape, so every instance reports the same figures, plus the Go runtime's.
// It uses its own registry: no global state.
func NewMetrics(d MetricsDeps) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), &queues{d})
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	if d.Token == "" {
		return h
	}
	want := []byte("Bearer " + d.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

var (
	descHeld      = prometheus.NewDesc("shebao_orders_held", "Orders held for review (冻结).", nil, nil)
	descDiffs     = prometheus.NewDesc("shebao_recon_diffs_open", "Reconciliation differences not resolved.", nil, nil)
	descRetries   = prometheus.NewDesc("shebao_postings_failing", "Core-system postings that failed and are being retried.", nil, nil)
	descOpen      = prometheus.NewDesc("shebao_tickets_open", "Tickets waiting for the agency's answer.", nil, nil)
	descOverdue   = prometheus.NewDesc("shebao_tickets_overdue", "Tickets waiting past their due time.", nil, nil)
	descResponse  = prometheus.NewDesc("shebao_ticket_first_response_seconds", "Average time to first answer of tickets answered in the last 24 hours.", nil, nil)
	descTarget    = prometheus.NewDesc("shebao_ticket_first_response_target_seconds", "The first-response target in force.", nil, nil)
	descCollected = prometheus.NewDesc("shebao_collected_today_fen", "Contributions credited today (Beijing), in fen.", []string{"region", "channel", "insurance"}, nil)
	descUp        = prometheus.NewDesc("shebao_console_store_up", "1 if the last scrape read the database.", nil, nil)
)

type queues struct{ d MetricsDeps }

func (q *queues) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descHeld, descDiffs, descRetries, descOpen, descOverdue, descResponse, descTarget, descCollected, descUp} {
		ch <- d
	}
}

func (q *queues) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := q.collect(ctx, ch)
	up := 1.0
	if err != nil {
		up = 0
		q.d.Log.WarnContext(ctx, "metrics", "err", err)
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func (q *queues) collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	held, err := q.d.Store.HeldOrders(ctx, 10_000)
	if err != nil {
		return err
	}
	diffs, err := q.d.Store.OpenDiffs(ctx, 10_000)
	if err != nil {
		return err
	}
	retries, err := q.d.Store.FailingPostings(ctx, 10_000)
	if err != nil {
		return err
	}
	gauge(ch, descHeld, float64(len(held)))
	gauge(ch, descDiffs, float64(len(diffs)))
	gauge(ch, descRetries, float64(len(retries)))
	now := q.d.Now()
	st, err := q.d.Tickets.Stats(ctx, now.Add(-24*time.Hour), now.Add(time.Millisecond))
	if err != nil {
		return err
	}
	gauge(ch, descOpen, float64(st.OpenNow))
	gauge(ch, descOverdue, float64(st.OverdueNow))
	gauge(ch, descResponse, st.AvgFirstResponse.Seconds())
	gauge(ch, descTarget, q.d.Tickets.FirstResponseTarget(ctx).Seconds())
	bj := now.In(payment.Beijing())
	day := time.Date(bj.Year(), bj.Month(), bj.Day(), 0, 0, 0, 0, payment.Beijing())
	rows, err := q.d.Store.Collections(ctx, day, day.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	for _, r := range rows {
		gauge(ch, descCollected, float64(r.AmountFen), r.Region, r.Channel, r.Insurance)
	}
	return nil
}
