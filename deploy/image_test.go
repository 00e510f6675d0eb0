package deploy

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// dockerfile is what the tests need of deploy/Dockerfile.
type dockerfile struct {
	args     map[string]string // ARG defaults
	from     []string          // FROM of each stage, ARGs expanded
	build    string            // the RUN line that runs go build
	copies   []string          // COPY sources from the build context
	user     string
	packages []string // apt-get install
	entry    string
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	// Join continuation lines, drop comments.
	text := regexp.MustCompile(`\\\n\s*`).ReplaceAllString(string(b), " ")
	d := dockerfile{args: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(instr) {
		case "ARG":
			k, v, _ := strings.Cut(rest, "=")
			d.args[k] = v
		case "FROM":
			img := strings.Fields(rest)[0]
			for k, v := range d.args {
				img = strings.ReplaceAll(img, "${"+k+"}", v)
			}
			d.from = append(d.from, img)
		case "RUN":
			if strings.Contains(rest, "go build") {
				d.build = rest
			}
			if _, pkgs, ok := strings.Cut(rest, "apt-get install"); ok {
				pkgs, _, _ = strings.Cut(pkgs, "&&")
				for _, f := range strings.Fields(pkgs) {
					if !strings.HasPrefix(f, "-") {
						d.packages = append(d.packages, f)
					}
				}
			}
		case "COPY":
			f := strings.Fields(rest)
			if !strings.HasPrefix(f[0], "--from") {
				d.copies = append(d.copies, f[:len(f)-1]...)
			}
		case "USER":
			d.user = rest
		case "ENTRYPOINT":
			d.entry = rest
		}
	}
	return d
}

// TestDockerfile checks what can be checked without a container runtime:
// a base with git (not distroless), a numeric non-root user equal to the
// chart's runAsUser, a builder on go.mod's Go version, and a static build.
func TestDockerfile(t *testing.T) {
	d := readDockerfile(t)
	if len(d.from) != 2 {
		t.Fatalf("stages %q, want build and runtime", d.from)
	}
	runtime := d.from[len(d.from)-1]
	if strings.Contains(runtime, "distroless") || runtime == "scratch" {
		t.Errorf("runtime base %s has no git", runtime)
	}
	for _, p := range []string{"git", "openssh-client", "ca-certificates"} {
		if !slices.Contains(d.packages, p) {
			t.Errorf("apt-get install %q lacks %s", d.packages, p)
		}
	}
	if !strings.HasPrefix(d.build, "CGO_ENABLED=0 go build ") || !strings.HasSuffix(d.build, " ./cmd/gitshift") {
		t.Errorf("build line %q: want CGO_ENABLED=0 go build ... ./cmd/gitshift", d.build)
	}
	if !strings.Contains(d.entry, "/usr/local/bin/gitshift") {
		t.Errorf("ENTRYPOINT %s", d.entry)
	}

	uid, _, _ := strings.Cut(d.user, ":")
	n, err := strconv.Atoi(uid)
	if err != nil || n == 0 {
		t.Errorf("USER %q: want a numeric non-root uid (runAsNonRoot cannot check a name)", d.user)
	}
	var vals struct {
		PodSecurityContext struct {
			RunAsUser int `json:"runAsUser"`
		} `json:"podSecurityContext"`
	}
	vb, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(vb, &vals); err != nil {
		t.Fatal(err)
	}
	if vals.PodSecurityContext.RunAsUser != n {
		t.Errorf("chart runAsUser %d, image USER %d", vals.PodSecurityContext.RunAsUser, n)
	}

	mb, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mb)
	if goLine == nil {
		t.Fatal("go.mod has no go line")
	}
	if want := "golang:" + string(goLine[1]) + "-"; !strings.HasPrefix(d.from[0], want) {
		t.Errorf("builder %s, want %s* (go.mod's go line)", d.from[0], want)
	}
	for _, src := range d.copies {
		if _, err := os.Stat(filepath.Join("..", src)); err != nil {
			t.Errorf("COPY %s: %v", src, err)
		}
	}
}

// TestDockerfileBuildIsStatic runs the Dockerfile's go build line in a copy
// of only what the Dockerfile copies, and checks the binary has no dynamic
// loader and no shared libraries: it runs on any base.
func TestDockerfileBuildIsStatic(t *testing.T) {
	// A CGO_ENABLED=0 -trimpath build shares no build cache with the rest
	// of the tests: a full compile, 4-13 minutes on two cores. It runs in
	// `make image-check`, not in `make test`.
	if os.Getenv("GITSHIFT_IMAGE_CHECK") == "" {
		t.Skip("set GITSHIFT_IMAGE_CHECK=1 (make image-check) to build the image's binary")
	}
	d := readDockerfile(t)
	src := t.TempDir()
	for _, c := range d.copies {
		if out, err := exec.Command("cp", "-r", filepath.Join("..", c), filepath.Join(src, c)).CombinedOutput(); err != nil {
			t.Fatalf("copying %s: %v\n%s", c, err, out)
		}
	}
	bin := filepath.Join(t.TempDir(), "gitshift")
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(d.build, "/out/gitshift", bin))
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", d.build, err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary names a dynamic loader (PT_INTERP): not static")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("shared libraries %q (%v): not static", libs, err)
	}
	if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "gitshift ") {
		t.Errorf("gitshift version: %v %q", err, out)
	}
}
