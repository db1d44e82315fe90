//go:build unix

package payment_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the test process has used:
// benchmarks report it per operation because, on a machine shared with
// other work, it varies far less than wall-clock time.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
