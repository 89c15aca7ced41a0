package citools_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestHooks runs the scripts in testdata/script/hooks: git-version
// install-hooks in real repositories, then commits, checkouts, merges and
// rebases as a user types them. $SHIMS is the repository's hooks/ folder,
// which the installed hooks must equal.
func TestHooks(t *testing.T) {
	params := scriptParams("hooks")
	shims, err := filepath.Abs("hooks")
	if err != nil {
		t.Fatal(err)
	}
	setup := params.Setup
	params.Setup = func(env *testscript.Env) error {
		env.Setenv("SHIMS", shims)
		return setup(env)
	}
	testscript.Run(t, params)
}

// TestHooksConcurrently commits in two worktrees at once with the hooks
// installed, while more hook runs overlap them in one of the worktrees
// (as an editor's background git would), and a reader looks at the version
// files all along: no read ever sees a file half-written, and in the end
// each worktree holds the version of its own HEAD, with nothing for git to
// see and no temporary file left behind.
func TestHooksConcurrently(t *testing.T) {
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME": "Tester", "GIT_AUTHOR_EMAIL": "tester@example.com",
		"GIT_COMMITTER_NAME": "Tester", "GIT_COMMITTER_EMAIL": "tester@example.com",
		"PATH": binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
	} {
		t.Setenv(k, v)
	}
	dir := filepath.Join(t.TempDir(), "repo")
	wt := filepath.Join(filepath.Dir(dir), "wt")
	git := func(dir string, args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
		if err != nil {
			t.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if err := os.MkdirAll(filepath.Join(dir, "pkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		".citools.ini":    "[version]\nfiles = VERSION pkg/__init__.py\n",
		"VERSION":         "0.0.0\n",
		"pkg/__init__.py": "VERSION = (0, 0, 0)\n" + strings.Repeat("# padding\n", 5000),
	}
	git(filepath.Dir(dir), "init", "-q", "-b", "master", dir)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(dir, "add", "-A")
	git(dir, "commit", "-q", "-m", "one")
	git(dir, "tag", "v1.0")
	install := exec.Command("git-version", "install-hooks")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("install-hooks: %v\n%s", err, out)
	}
	git(dir, "worktree", "add", "-q", "-b", "topic", wt)

	stop := make(chan struct{})
	var mu sync.Mutex
	var torn []string
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, top := range []string{dir, wt} {
				v, errV := os.ReadFile(filepath.Join(top, "VERSION"))
				py, errPy := os.ReadFile(filepath.Join(top, "pkg", "__init__.py"))
				if errV != nil || errPy != nil || !strings.HasSuffix(string(v), "\n") || strings.Count(string(v), "\n") != 1 ||
					!strings.HasSuffix(string(py), "# padding\n") || !strings.HasPrefix(string(py), "VERSION = (") {
					mu.Lock()
					torn = append(torn, fmt.Sprintf("%s: %q %v %v", top, v, errV, errPy))
					mu.Unlock()
				}
			}
		}
	}()
	var workers sync.WaitGroup
	for _, top := range []string{dir, wt} {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for i := range 6 {
				git(top, "commit", "-q", "--allow-empty", "-m", fmt.Sprint("commit ", i))
			}
		}()
	}
	workers.Add(1)
	go func() {
		defer workers.Done()
		for range 6 {
			hook := exec.Command("git-version", "hook", "post-commit")
			hook.Dir = dir
			if out, err := hook.CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("an overlapping hook: %v\n%s", err, out)
			}
		}
	}()
	workers.Wait()
	close(stop)
	readers.Wait()
	for _, s := range torn {
		t.Error("read a version file half-written: ", s)
	}
	for _, top := range []string{dir, wt} {
		describe := exec.Command("git-version")
		describe.Dir = top
		want, err := describe.Output()
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(filepath.Join(top, "VERSION")); string(got) != string(want) {
			t.Errorf("%s: VERSION holds %q, HEAD is %q", top, got, want)
		}
		if status := git(top, "status", "--porcelain"); status != "" {
			t.Errorf("%s: git status:\n%s", top, status)
		}
		left, _ := filepath.Glob(filepath.Join(top, ".*.tmp-*"))
		more, _ := filepath.Glob(filepath.Join(top, "pkg", ".*.tmp-*"))
		if left = append(left, more...); len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	}
}
