package benchhost

import (
	"fmt"
	"runtime"
)

// Host describes the machine a benchmark ran on, for its report.
type Host struct {
	CPUs       int    `json:"cpus"`
	CPUModel   string `json:"cpu_model,omitempty"`
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	GoVersion  string `json:"go_version"`
	Client     string `json:"client"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	LoadAvg    string `json:"loadavg,omitempty"` // /proc/loadavg (1, 5, 15 min) when the run started
}

// Describe measures this host now; client names the client library and
// its version.
func Describe(client string) Host {
	return Host{CPUs: runtime.NumCPU(), CPUModel: CPUModel(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		GoVersion: runtime.Version(), Client: client, GOMAXPROCS: runtime.GOMAXPROCS(0), LoadAvg: LoadAvg()}
}

// Line is the report's "# host: ..." header line (with its newline).
func (h Host) Line() string {
	model, load := "", ""
	if h.CPUModel != "" {
		model = ", " + h.CPUModel
	}
	if h.LoadAvg != "" {
		load = ", load average " + h.LoadAvg + " at start"
	}
	return fmt.Sprintf("# host: %d CPUs%s, %s/%s, %s%s; the client and the servers share them\n",
		h.CPUs, model, h.GOOS, h.GOARCH, h.GoVersion, load)
}
