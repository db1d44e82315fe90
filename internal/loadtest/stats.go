package loadtest

import (
	"slices"
	"sync"
	"time"
)

// Steps of one simulated citizen's payment, in order.
var Steps = []string{"sms_code", "login", "bills", "order", "pay", "credited", "vouchers"}

// recorder collects latencies per step and error counts; safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	lat    map[string][]time.Duration
	errors map[string]int
}

func newRecorder() *recorder {
	return &recorder{lat: map[string][]time.Duration{}, errors: map[string]int{}}
}

func (r *recorder) ok(step string, d time.Duration) {
	r.mu.Lock()
	r.lat[step] = append(r.lat[step], d)
	r.mu.Unlock()
}

func (r *recorder) fail(step string) {
	r.mu.Lock()
	r.errors[step]++
	r.mu.Unlock()
}

// StepStats are one step's latency percentiles in milliseconds.
type StepStats struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

func (r *recorder) stats() (map[string]StepStats, map[string]int, float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]StepStats{}
	var all []time.Duration
	for step, ds := range r.lat {
		s := slices.Clone(ds)
		slices.Sort(s)
		out[step] = StepStats{Count: len(s), P50: ms(pct(s, 50)), P95: ms(pct(s, 95)), P99: ms(pct(s, 99)), Max: ms(s[len(s)-1])}
		if step != "credited" { // waiting for the notification is not an API call
			all = append(all, s...)
		}
	}
	slices.Sort(all)
	errs := map[string]int{}
	for k, v := range r.errors {
		errs[k] = v
	}
	return out, errs, ms(pct(all, 99))
}

// pct is the nearest-rank percentile of sorted durations.
func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(i, len(sorted))-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
