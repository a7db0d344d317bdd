//go:build !linux

package kafkabench

import "time"

func selfCPU() (time.Duration, bool)        { return 0, false }
func procCPU(pid int) (time.Duration, bool) { return 0, false }
func cpuModel() string                      { return "" }
func loadAvg() string                       { return "" }
func fsType(path string) string             { return "" }
func syncDisks()                            {}
