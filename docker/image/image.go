// Package image assembles the samsa/coordinator and samsa/broker Docker
// images without pulling anything: static binaries (CGO_ENABLED=0) built
// with the local Go toolchain, a staging directory laid out as the images'
// root file systems, and `docker build` of docker/Dockerfile.prebuilt
// (FROM scratch) over it. docker/Dockerfile runs the same staging step in
// a golang build stage for users who can pull.
//
// Staging layout, per image <name> (coordinator, broker):
//
//	<out>/Dockerfile                          copy of docker/Dockerfile.prebuilt
//	<out>/<name>/rootfs/usr/local/bin/samsa-<name>   the entrypoint binary (root-owned)
//	<out>/<name>/rootfs/etc/passwd, etc/group        root and samsa (uid/gid 1000)
//	<out>/<name>/owned/<dir>/                 empty directories COPY --chown'd to 1000:1000
package image

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// UID and GID of the non-root user the images run as (the official
// zookeeper image's zookeeper user has the same ids).
const (
	UID  = 1000
	GID  = 1000
	User = "samsa"
)

// Spec describes one image.
type Spec struct {
	Name     string   // target in the Dockerfiles and image name suffix
	Pkg      string   // main package of the entrypoint binary
	Binary   string   // file name in /usr/local/bin
	DataDirs []string // directories owned by the image user
}

// Specs are the two images.
var Specs = []Spec{
	{Name: "coordinator", Pkg: "./docker/cmd/samsa-coordinator", Binary: "samsa-coordinator", DataDirs: []string{"data", "datalog", "conf"}},
	{Name: "broker", Pkg: "./docker/cmd/samsa-broker", Binary: "samsa-broker", DataDirs: []string{"kafka"}},
}

// Stage builds the binaries from the module at moduleDir and lays out
// outDir (see the package comment). goBin is the go command ("" = "go").
func Stage(ctx context.Context, moduleDir, outDir, goBin string, log io.Writer) error {
	if goBin == "" {
		goBin = "go"
	}
	for _, s := range Specs {
		root := filepath.Join(outDir, s.Name, "rootfs")
		bin := filepath.Join(root, "usr", "local", "bin", s.Binary)
		fmt.Fprintf(log, "building %s (static)\n", s.Pkg)
		cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", bin, s.Pkg)
		cmd.Dir = moduleDir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", s.Pkg, err)
		}
		etc := filepath.Join(root, "etc")
		if err := os.MkdirAll(etc, 0o755); err != nil {
			return err
		}
		passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\n%s:x:%d:%d:%s:/nonexistent:/sbin/nologin\n", User, UID, GID, User)
		group := fmt.Sprintf("root:x:0:\n%s:x:%d:\n", User, GID)
		if err := os.WriteFile(filepath.Join(etc, "passwd"), []byte(passwd), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(etc, "group"), []byte(group), 0o644); err != nil {
			return err
		}
		for _, d := range s.DataDirs {
			if err := os.MkdirAll(filepath.Join(outDir, s.Name, "owned", d), 0o755); err != nil {
				return err
			}
		}
	}
	df, err := os.ReadFile(filepath.Join(moduleDir, "docker", "Dockerfile.prebuilt"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outDir, "Dockerfile"), df, 0o644)
}

// Options of Build.
type Options struct {
	ModuleDir string   // the samsa module (where go.mod is)
	Repo      string   // image repository prefix, "samsa"
	Tag       string   // image tag, "latest"
	Only      []string // image names to build; empty = all
	Go        string   // go command
	Docker    string   // docker command ("" = "docker")
	Log       io.Writer
}

// Ref is the image reference for name, e.g. samsa/broker:latest.
func (o Options) Ref(name string) string { return o.Repo + "/" + name + ":" + o.Tag }

// Build stages into a temporary directory and runs docker build for each
// image. It pulls nothing: both targets are FROM scratch.
func Build(ctx context.Context, o Options) error {
	if o.Docker == "" {
		o.Docker = "docker"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	dir, err := os.MkdirTemp("", "samsa-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := Stage(ctx, o.ModuleDir, dir, o.Go, o.Log); err != nil {
		return err
	}
	for _, s := range Specs {
		if len(o.Only) > 0 && !contains(o.Only, s.Name) {
			continue
		}
		fmt.Fprintf(o.Log, "docker build --target %s -t %s\n", s.Name, o.Ref(s.Name))
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, o.Docker, "build", "--target", s.Name, "-t", o.Ref(s.Name), dir)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("docker build %s: %w\n%s", o.Ref(s.Name), err, out.String())
		}
	}
	return nil
}

// Size is the image's size in bytes as `docker images` reports it.
func Size(ctx context.Context, docker, ref string) (int64, error) {
	if docker == "" {
		docker = "docker"
	}
	out, err := exec.CommandContext(ctx, docker, "image", "inspect", "-f", "{{.Size}}", ref).Output()
	if err != nil {
		return 0, fmt.Errorf("docker image inspect %s: %w", ref, err)
	}
	return strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
