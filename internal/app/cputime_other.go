//go:build !unix

package app

import "time"

// processCPU is not measured here: the load test then reports no CPU per
// order.
func processCPU() func() time.Duration { return nil }
