//go:build !unix

package parser

import "time"

// processCPU is not measured here; the CPU-time metrics are left out.
func processCPU() time.Duration { return 0 }
