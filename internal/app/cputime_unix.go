//go:build unix

package app

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) this process has used; nil
// where it cannot be read. An in-process load test reports it per order
// because, on a machine shared with other work, it varies far less than
// orders per second.
func processCPU() func() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return nil
	}
	return func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
}
