package image

import (
	"context"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// finalStages returns each FROM scratch stage of a Dockerfile without its
// COPY lines (the only lines that differ between the from-source and the
// prebuilt Dockerfile), with continuation lines joined.
func finalStages(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	stages := map[string]string{}
	cur := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		switch {
		case strings.HasPrefix(line, "FROM scratch AS "):
			cur = strings.TrimPrefix(line, "FROM scratch AS ")
		case strings.HasPrefix(line, "FROM "):
			cur = ""
		case cur != "" && line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "COPY "):
			stages[cur] += line + "\n"
		}
	}
	return stages
}

func TestDockerfilesAgree(t *testing.T) {
	src := finalStages(t, filepath.Join("..", "Dockerfile"))
	pre := finalStages(t, filepath.Join("..", "Dockerfile.prebuilt"))
	for _, s := range Specs {
		if src[s.Name] == "" || src[s.Name] != pre[s.Name] {
			t.Errorf("stage %s differs:\n--- docker/Dockerfile\n%s--- docker/Dockerfile.prebuilt\n%s", s.Name, src[s.Name], pre[s.Name])
		}
		for _, want := range []string{"USER 1000:1000", "HEALTHCHECK", "ENTRYPOINT [\"/usr/local/bin/" + s.Binary + "\"]"} {
			if !strings.Contains(pre[s.Name], want) {
				t.Errorf("stage %s lacks %s", s.Name, want)
			}
		}
	}
}

// Stage lays out static binaries, passwd/group and the owned directories.
func TestStage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both binaries")
	}
	out := t.TempDir()
	if err := Stage(context.Background(), filepath.Join("..", ".."), out, "", io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, s := range Specs {
		bin := filepath.Join(out, s.Name, "rootfs", "usr", "local", "bin", s.Binary)
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatalf("%s: %v", bin, err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked", bin)
			}
		}
		f.Close()
		passwd, _ := os.ReadFile(filepath.Join(out, s.Name, "rootfs", "etc", "passwd"))
		if !strings.Contains(string(passwd), "samsa:x:1000:1000:") {
			t.Errorf("passwd = %q", passwd)
		}
		for _, d := range s.DataDirs {
			if fi, err := os.Stat(filepath.Join(out, s.Name, "owned", d)); err != nil || !fi.IsDir() {
				t.Errorf("owned/%s: %v", d, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "Dockerfile")); err != nil {
		t.Error(err)
	}
}
