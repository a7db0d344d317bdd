//go:build !linux

package zkbench

import "time"

// CPU accounting is implemented for Linux only; elsewhere the report shows
// the CPU columns as unknown.

func selfCPU() (time.Duration, bool)        { return 0, false }
func procCPU(pid int) (time.Duration, bool) { return 0, false }
func findPID(arg string) int                { return 0 }
func cpuModel() string                      { return "" }
func loadAvg() string                       { return "" }
