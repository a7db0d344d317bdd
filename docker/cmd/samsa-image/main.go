// Command samsa-image builds the Docker images without pulling anything
// (`make docker` runs it from the module root):
//
//	samsa-image build [-repo samsa] [-tag latest] [-only coordinator,broker]
//	samsa-image stage DIR     # only lay out the build context (docker/Dockerfile uses this)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/samsa-kafka/samsa/docker/image"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "samsa-image:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: samsa-image build [-repo R] [-tag T] [-only a,b] | stage DIR")
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	switch args[0] {
	case "stage":
		if len(args) != 2 {
			return fmt.Errorf("usage: samsa-image stage DIR")
		}
		return image.Stage(ctx, wd, args[1], os.Getenv("GO"), os.Stderr)
	case "build":
		fs := flag.NewFlagSet("build", flag.ContinueOnError)
		repo := fs.String("repo", "samsa", "image repository prefix")
		tag := fs.String("tag", "latest", "image tag")
		only := fs.String("only", "", "comma-separated images to build (default: all)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		o := image.Options{ModuleDir: wd, Repo: *repo, Tag: *tag, Go: os.Getenv("GO"), Log: os.Stderr}
		if *only != "" {
			o.Only = strings.Split(*only, ",")
		}
		if err := image.Build(ctx, o); err != nil {
			return err
		}
		for _, s := range image.Specs {
			if n, err := image.Size(ctx, "", o.Ref(s.Name)); err == nil {
				fmt.Printf("%-28s %5.1f MB\n", o.Ref(s.Name), float64(n)/1e6)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}
