package entrypoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sirupsen/logrus"

	"github.com/samsa-kafka/samsa/config"
	"github.com/samsa-kafka/samsa/coordinator/server"
)

// defaultConfDir is the official zookeeper image's ZOO_CONF_DIR.
const defaultConfDir = "/conf"

// CoordinatorConfigPath is the zoo.cfg to read, as the official image
// decides it: an argument wins; otherwise $ZOO_CONF_DIR/zoo.cfg (default
// /conf/zoo.cfg) if it exists, in which case the ZOO_* variables are
// ignored, as the image only writes zoo.cfg from them when there is none;
// otherwise "" (configuration from the ZOO_* variables and the image's
// defaults). Unlike the official image we never write /conf/zoo.cfg, so
// changed variables take effect on the next start.
func CoordinatorConfigPath(args []string, env map[string]string) string {
	if len(args) > 0 {
		return args[0]
	}
	dir := env["ZOO_CONF_DIR"]
	if dir == "" {
		dir = defaultConfDir
	}
	p := filepath.Join(dir, "zoo.cfg")
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
		return p
	}
	return ""
}

// RunCoordinator is the coordinator image's main: `samsa-coordinator
// [zoo.cfg]` serves, `samsa-coordinator healthcheck [host:port]` checks a
// running one. It needs no variables at all: the image sets ZOO_DATA_DIR
// and ZOO_DATA_LOG_DIR to /data and /datalog, and the rest are the
// official image's defaults.
func RunCoordinator(ctx context.Context, args []string, environ []string, stdout, stderr io.Writer) int {
	env := EnvMap(environ)
	health := len(args) > 0 && args[0] == "healthcheck"
	if health {
		args = args[1:]
	}
	if len(args) > 1 || len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(stderr, "usage: samsa-coordinator [zoo.cfg] | healthcheck [host:port]")
		return 2
	}
	if health && len(args) == 1 {
		return coordinatorHealth(args[0], stdout, stderr)
	}
	logger := NewLogger(env, stderr)
	lg := logger.WithField("component", "coordinator")
	path := CoordinatorConfigPath(args, env)
	if health {
		// The check must not log the configuration again every few seconds.
		lg = logrus.NewEntry(logrus.New())
		lg.Logger.SetOutput(io.Discard)
	}
	cfg, err := config.LoadCoordinator(path, environ, lg)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		lg.WithError(err).Error("invalid configuration")
		if health {
			fmt.Fprintf(stderr, "unhealthy: invalid configuration: %v\n", err)
		}
		return 2
	}
	if health {
		return coordinatorHealth(dialAddr(cfg.ClientPortAddress, cfg.ClientPort), stdout, stderr)
	}
	if path != "" {
		lg.Infof("configuration from %s (ZOO_* variables are not applied, as in the official image)", path)
	} else {
		lg.WithFields(logrus.Fields{"data_dir": cfg.DataDir, "data_log_dir": cfg.DataLogDir, "client_port": cfg.ClientPort}).
			Info("configuration from the ZOO_* environment and the official image's defaults (no zoo.cfg in ZOO_CONF_DIR)")
	}
	srv, err := server.New(cfg, lg)
	if err != nil {
		lg.WithError(err).Error("cannot start")
		if errors.Is(err, fs.ErrPermission) {
			lg.Errorf("hint: the coordinator runs as uid %d; a bind-mounted data directory must be writable by it "+
				"(chown -R %d:%d DIR on the host) or use a named volume", ImageUID, ImageUID, ImageUID)
		}
		return 1
	}
	if err := srv.Run(ctx); err != nil {
		lg.WithError(err).Error("stopped on error")
		return 1
	}
	return 0
}

func coordinatorHealth(addr string, stdout, stderr io.Writer) int {
	if err := CheckCoordinator(addr, healthTimeout); err != nil {
		fmt.Fprintf(stderr, "unhealthy: %s: %v\n", addr, err)
		return 1
	}
	fmt.Fprintf(stdout, "ok: %s answers srvr\n", addr)
	return 0
}
