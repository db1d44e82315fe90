//go:build !unix

package payment_test

import "time"

// processCPU is not measured here; the benchmark then reports wall time only.
func processCPU() (time.Duration, bool) { return 0, false }
