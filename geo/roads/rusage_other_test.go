//go:build !unix

package roads

// cpuSeconds is unavailable here; benchmarks then report 0 CPU seconds.
func cpuSeconds() float64 { return 0 }
