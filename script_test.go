// End-to-end tests: txtar scripts under testdata/script, run against the real
// binaries (built once here), the real git and real repositories.
package citools_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// binDir holds the binaries under test; scripts find them on PATH, and so do
// the git hooks those scripts install.
var binDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "citools-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	build := exec.Command("go", "build", "-o", binDir+string(filepath.Separator),
		"-ldflags", "-X github.com/citools/citools/internal/cli.Version=test", "./cmd/...")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the commands:", err)
		return 1
	}
	return m.Run()
}

// scriptParams runs the scripts in testdata/script/<name> with a clean,
// deterministic git environment in each script's $WORK.
func scriptParams(name string) testscript.Params {
	return testscript.Params{
		Dir:                 filepath.Join("testdata", "script", name),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, ".home")
			if err := os.MkdirAll(home, 0o755); err != nil {
				return err
			}
			gitconfig := "[user]\n\tname = Tester\n\temail = tester@example.com\n" +
				"[init]\n\tdefaultBranch = master\n[advice]\n\tdetachedHead = false\n" +
				"[protocol \"file\"]\n\tallow = always\n"
			if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(gitconfig), 0o644); err != nil {
				return err
			}
			env.Setenv("HOME", home)
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
			env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			env.Setenv("BINDIR", binDir)
			root, err := os.Getwd()
			if err != nil {
				return err
			}
			env.Setenv("ROOT", root)
			// install.sh builds with the go command, which needs its caches.
			for _, key := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOFLAGS", "GOPROXY", "GOTOOLCHAIN"} {
				if value, err := exec.Command("go", "env", key).Output(); err == nil {
					env.Setenv(key, strings.TrimSpace(string(value)))
				}
			}
			env.Setenv("GOOS", runtime.GOOS)
			return nil
		},
	}
}

func TestVersion(t *testing.T) {
	testscript.Run(t, scriptParams("version"))
}

func TestInstall(t *testing.T) {
	testscript.Run(t, scriptParams("install"))
}
