//go:build !linux

// Package benchhost measures the host for the side-by-side benchmarks;
// outside Linux every measurement is unknown.
package benchhost

import "time"

func SelfCPU() (time.Duration, bool)        { return 0, false }
func ProcCPU(pid int) (time.Duration, bool) { return 0, false }
func FindPID(arg string) int                { return 0 }
func CPUModel() string                      { return "" }
func LoadAvg() string                       { return "" }
func FSType(path string) string             { return "" }
func SyncDisks()                            {}
