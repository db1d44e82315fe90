package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"time"

	"github.com/shebao-project/shebao/internal/config"
	"github.com/shebao-project/shebao/internal/loadtest"
)

// runLoadtest implements `shebao loadtest`: against --url, or with
// --in-process against a server it starts on a temporary data directory.
func runLoadtest(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080", "server to load (demo mode)")
	sandboxURL := fs.String("sandbox-url", "", "its sandboxes, when they run apart (shebao sandbox); default: --url")
	inProcess := fs.Bool("in-process", false, "start a server in this process on a temporary data directory")
	citizens := fs.Int("citizens", 50, "simulated citizens at once")
	duration := fs.Duration("duration", 30*time.Second, "how long to run (0 to run --count orders)")
	count := fs.Int("count", 0, "orders to complete (instead of a duration)")
	region := fs.String("region", "110000", "region of the simulated people")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	db := fs.String("db", "", "in-process: the server's database (postgres://USER@HOST:PORT/DB, a fresh one; default SQLite in the temporary data directory)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured run (in-process: server included) to this file")
	blockProfile := fs.String("blockprofile", "", "write a profile of where goroutines waited (locks, channels, database connections) during the run")
	mutexProfile := fs.String("mutexprofile", "", "write a profile of contended mutexes during the run")
	sigSample := fs.Duration("signature-sample", 2*time.Second, "how long to measure the signature limit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := loadtest.Config{URL: *url, SandboxURL: *sandboxURL, Citizens: *citizens, Duration: *duration, Count: *count, Region: *region,
		Progress: stderr, SignatureSample: *sigSample}
	if *count > 0 {
		cfg.Duration = 0
	}
	if *inProcess {
		dir, err := os.MkdirTemp("", "shebao-loadtest-")
		if err != nil {
			fmt.Fprintln(stderr, "shebao loadtest:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		run, err := Start(ctx, config.Config{Addr: "127.0.0.1:0", DataDir: dir, DB: *db, Demo: true, LogFormat: "text", LogLevel: "error", MaxInFlight: config.DefaultMaxInFlight()},
			Options{Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
		if err != nil {
			fmt.Fprintln(stderr, "shebao loadtest:", err)
			return 1
		}
		defer run.Stop(10 * time.Second)
		cfg.URL = run.URL
		cfg.Memory = heapInUse
		cfg.CPU = processCPU()
	}
	profiles, err := startProfiles(*cpuProfile, *blockProfile, *mutexProfile)
	if err != nil {
		fmt.Fprintln(stderr, "shebao loadtest:", err)
		return 2
	}
	defer profiles.close()
	cfg.Window = profiles.window(stderr)
	sum, err := loadtest.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "shebao loadtest:", err)
		return 2
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(sum)
	} else {
		printSummary(stdout, sum)
	}
	if sum.Errors > 0 {
		return 1
	}
	return 0
}

// heapInUse is the process's live heap plus runtime overhead it holds: what
// an in-process server (and the load generator with it) occupies.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Sys - m.HeapReleased
}

func printSummary(w io.Writer, s *loadtest.Summary) {
	fmt.Fprintf(w, "orders completed: %d in %.1f s with %d citizens: %.1f orders/s\n", s.Orders, s.Seconds, s.Citizens, s.OrdersPerSecond)
	fmt.Fprintf(w, "signature limit on this machine: %.1f orders/s (ratio %.2f)\n", s.SignatureLimitPerSec, s.RatioToSignatureLimit)
	if s.CPUMSPerOrder > 0 {
		fmt.Fprintf(w, "CPU per order (server, sandboxes and generator): %.1f ms, of which its signatures %.1f ms (CPU ratio %.2f)\n",
			s.CPUMSPerOrder, s.SignatureCPUMSPerOrder, s.CPURatio)
	}
	fmt.Fprintf(w, "p99 per API call: %.1f ms; errors: %d %v\n", s.P99MS, s.Errors, s.ErrorsByStep)
	if s.RegisteredDuringRun > 0 {
		fmt.Fprintf(w, "note: the run outlasted its pool; %d people were registered during it, and that work is in the figures above\n", s.RegisteredDuringRun)
	}
	if s.PeakMemoryBytes > 0 {
		fmt.Fprintf(w, "peak memory (server and generator, in-process): %.1f MB\n", float64(s.PeakMemoryBytes)/(1<<20))
	}
	fmt.Fprintf(w, "%-10s %8s %9s %9s %9s %9s\n", "step", "count", "p50 ms", "p95 ms", "p99 ms", "max ms")
	for _, name := range loadtest.Steps {
		st := s.Steps[name]
		fmt.Fprintf(w, "%-10s %8d %9.1f %9.1f %9.1f %9.1f\n", name, st.Count, st.P50, st.P95, st.P99, st.Max)
	}
}
