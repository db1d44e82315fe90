// Package loadtest drives simulated citizens through the whole payment flow
// (SMS code, login, bills, order, sandbox payment, notification, posting,
// vouchers) against a running shebao in demo mode, and reports throughput,
// per-step latency percentiles and errors, next to the limit that the
// signatures alone put on throughput on the same machine.
package loadtest

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config of a run.
type Config struct {
	URL string // the server, in demo mode
	// SandboxURL is where the sandboxes answer when they run apart
	// (`shebao sandbox`); empty means on URL.
	SandboxURL string
	Citizens   int           // simulated citizens working at once
	Duration   time.Duration // stop after this long (0: run Count orders)
	Count      int           // stop after this many orders (0: run for Duration)
	Region     string        // where the simulated people live
	Progress   io.Writer     // a progress line while running; nil for none
	// Memory, if set, reports the server's memory now (in-process runs).
	Memory func() uint64
	// SignatureSample is how long the signature-limit measurement runs
	// (default 2 s).
	SignatureSample time.Duration
	// Pool is how many people to register before the clock starts
	// (default: Count, or 25 per citizen for a timed run).
	Pool int
	// Window, if set, is called when the measured run starts (after the
	// people are registered and the signature limit is sampled), and the
	// function it returns when the run ends: profiles taken there show the
	// payments alone.
	Window func() (end func())
	// CPU, if set, reports the CPU time the process has used so far
	// (in-process runs: server, sandboxes and generator together).
	CPU func() time.Duration
}

// Summary is what a run measured.
type Summary struct {
	Orders                int                  `json:"orders"`
	Seconds               float64              `json:"seconds"`
	OrdersPerSecond       float64              `json:"orders_per_second"`
	SignatureLimitPerSec  float64              `json:"signature_limit_orders_per_second"`
	RatioToSignatureLimit float64              `json:"ratio_to_signature_limit"`
	P99MS                 float64              `json:"p99_ms"`
	Errors                int                  `json:"errors"`
	ErrorsByStep          map[string]int       `json:"errors_by_step"`
	Steps                 map[string]StepStats `json:"steps"`
	PeakMemoryBytes       uint64               `json:"peak_memory_bytes,omitempty"`
	Citizens              int                  `json:"citizens"`
	// CPUMSPerOrder is the process's CPU time during the run per order
	// completed (in-process runs): on a machine shared with other work it
	// varies less than orders per second.
	CPUMSPerOrder float64 `json:"cpu_ms_per_order,omitempty"`
	// SignatureCPUMSPerOrder is the CPU time the signatures of one order
	// took while the limit was sampled (in-process runs). Divided by
	// CPUMSPerOrder it gives the ratio as CPU shares, which another
	// process's load on the machine hardly moves.
	SignatureCPUMSPerOrder float64 `json:"signature_cpu_ms_per_order,omitempty"`
	// CPURatio is SignatureCPUMSPerOrder / CPUMSPerOrder.
	CPURatio float64 `json:"cpu_ratio,omitempty"`
	// RegisteredDuringRun counts the people registered after the clock
	// started because the run outlasted its pool: that enrolment work is
	// then measured with the payments (0 in a clean run).
	RegisteredDuringRun int `json:"registered_during_run"`
}

// poolShare is the share of the signature limit a timed run's pool of
// people is sized for: no run has yet come near half the limit, so the
// pool outlasts the run and registering people stays outside the clock.
const poolShare = 0.5

// poolSize is how many people to register before the clock starts: Pool if
// set; Count for a counted run; for a timed run, enough for the run at
// poolShare of the signature limit, and never fewer than 25 per citizen.
func poolSize(cfg Config, limit float64) int {
	switch {
	case cfg.Pool > 0:
		return cfg.Pool
	case cfg.Count > 0:
		return cfg.Count
	}
	return max(cfg.Citizens*25, int(math.Ceil(limit*poolShare*cfg.Duration.Seconds())))
}

// Run performs a load test.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	if cfg.Citizens <= 0 || (cfg.Duration <= 0 && cfg.Count <= 0) {
		return nil, fmt.Errorf("loadtest: set citizens and a duration or a count")
	}
	sample := cfg.SignatureSample
	if sample <= 0 {
		sample = 2 * time.Second
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Citizens * 2}}
	c := &client{base: strings.TrimRight(cfg.URL, "/"), sandbox: strings.TrimRight(cfg.SandboxURL, "/"), hc: hc}
	if c.sandbox == "" {
		c.sandbox = c.base
	}
	// People are registered before the clock starts (a pool), and topped up
	// in the background if the run outlasts it: registering people is the
	// agency's enrolment work, not part of paying.
	sig := sigMeter{cpu: cfg.CPU}
	// Sampled before registering, so that a timed run's pool can be sized
	// from it.
	before := sig.sample(ctx, sample)
	initial := poolSize(cfg, before)
	if cfg.Progress != nil {
		// A long run's pool takes a while: say why nothing moves yet.
		fmt.Fprintf(cfg.Progress, "registering %d people before the clock starts…\n", initial)
	}
	popCtx, endPop := context.WithCancel(ctx)
	defer endPop()
	var late atomic.Int64
	phones, err := population(popCtx, c, cfg.Region, initial, cfg.Count, &late)
	if err != nil {
		return nil, err
	}
	// The duration counts from here: registering the pool and sampling the
	// signatures must not eat into the run.
	runCtx := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	rec := newRecorder()
	var done, failed atomic.Int64
	var peak atomic.Uint64
	stop := watch(runCtx, cfg, &done, &failed, &peak)
	end := func() {}
	if cfg.Window != nil {
		end = cfg.Window()
	}
	var cpu0 time.Duration
	if cfg.CPU != nil {
		cpu0 = cfg.CPU()
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range cfg.Citizens {
		wg.Go(func() {
			for phone := range phones {
				if runCtx.Err() != nil {
					return
				}
				if c.citizen(runCtx, phone, rec) {
					done.Add(1)
				} else if runCtx.Err() == nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var cpu time.Duration
	if cfg.CPU != nil {
		cpu = cfg.CPU() - cpu0
	}
	end()
	stop()
	endPop()
	// The limit is sampled again after the run and the higher figure kept:
	// other work on a shared machine during one sample must not lower the
	// limit and so flatter the ratio.
	limit := max(before, sig.sample(ctx, sample))
	steps, errs, p99 := rec.stats()
	s := &Summary{Orders: int(done.Load()), Seconds: elapsed.Seconds(), SignatureLimitPerSec: limit, RegisteredDuringRun: int(late.Load()),
		P99MS: p99, Errors: int(failed.Load()), ErrorsByStep: errs, Steps: steps, PeakMemoryBytes: peak.Load(), Citizens: cfg.Citizens}
	s.OrdersPerSecond = float64(s.Orders) / elapsed.Seconds()
	if limit > 0 {
		s.RatioToSignatureLimit = s.OrdersPerSecond / limit
	}
	if sig.orders > 0 && cfg.CPU != nil {
		s.SignatureCPUMSPerOrder = float64(sig.spent.Microseconds()) / 1000 / float64(sig.orders)
	}
	if cfg.CPU != nil && s.Orders > 0 {
		s.CPUMSPerOrder = float64(cpu.Microseconds()) / 1000 / float64(s.Orders)
		if s.SignatureCPUMSPerOrder > 0 {
			s.CPURatio = s.SignatureCPUMSPerOrder / s.CPUMSPerOrder
		}
	}
	return s, nil
}

// population yields phone numbers of fresh demo people with bills due: the
// first `initial` registered before it returns, then more in batches as the
// run needs them (count 0: without end).
func population(ctx context.Context, c *client, region string, initial, count int, late *atomic.Int64) (<-chan string, error) {
	fetch := func(n int) ([]string, error) {
		var res struct {
			Phones []string `json:"phones"`
		}
		err := c.do(ctx, "POST", "/sandbox/population", "", nil, map[string]any{"count": n, "region": region}, &res)
		return res.Phones, err
	}
	var pool []string
	for len(pool) < initial {
		batch, err := fetch(min(500, initial-len(pool)))
		if err != nil {
			return nil, fmt.Errorf("loadtest: registering people (is the server in demo mode?): %w", err)
		}
		pool = append(pool, batch...)
	}
	out := make(chan string, 256)
	go func() {
		defer close(out)
		sent := 0
		for count <= 0 || sent < count {
			if len(pool) == 0 {
				batch, err := fetch(200)
				if err != nil {
					return
				}
				late.Add(int64(len(batch)))
				pool = batch
			}
			select {
			case out <- pool[0]:
				pool = pool[1:]
				sent++
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// watch prints a progress line each second and samples memory.
func watch(ctx context.Context, cfg Config, done, failed *atomic.Int64, peak *atomic.Uint64) func() {
	ctx, cancel := context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		start := time.Now()
		for {
			if cfg.Memory != nil {
				if m := cfg.Memory(); m > peak.Load() {
					peak.Store(m)
				}
			}
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "\r%s %6d orders  %4d errors  %6.1f s", bar(done.Load(), cfg, time.Since(start)), done.Load(), failed.Load(), time.Since(start).Seconds())
			}
			select {
			case <-ctx.Done():
				if cfg.Progress != nil {
					fmt.Fprintln(cfg.Progress)
				}
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-finished }
}

func bar(done int64, cfg Config, elapsed time.Duration) string {
	frac := 0.0
	if cfg.Count > 0 {
		frac = float64(done) / float64(cfg.Count)
	} else if cfg.Duration > 0 {
		frac = elapsed.Seconds() / cfg.Duration.Seconds()
	}
	n := int(min(frac, 1) * 30)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", 30-n) + "]"
}
