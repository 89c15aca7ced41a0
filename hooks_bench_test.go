package citools_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citools/citools/internal/gittest"
)

// BenchmarkHooksCommit measures what the hooks add to a commit: the median
// time of `git add` and `git commit -a` (one changed file) without the
// hooks and with them, on a small repository and on the 200,000-commit
// one, next to the median of `git describe` there. Run it on demand (it
// builds the big repository, which takes a while):
//
//	go test -run '^$' -bench HooksCommit -benchtime 1x .
//
// Commits start a second apart, as people make them. Back to back, within
// the second git wrote the index in, git cannot trust the stat data of
// files written in that second and reads the version files again through
// the filter, once per command: "back-to-back" measures that. "uncached"
// is the hooks' worst case, a commit whose version is not cached: the
// cache is removed before each commit, so the hook walks the history.
func BenchmarkHooksCommit(b *testing.B) {
	for _, bench := range []struct {
		name string
		repo gittest.Synthetic
	}{
		{"small", gittest.Synthetic{Commits: 10, Tags: map[string]int{"proj-1.1": 5}}},
		{"200k", gittest.Synthetic{Commits: 200000, SideEvery: 1000, Tags: map[string]int{"proj-1.1": 150000}}},
	} {
		b.Run(bench.name, func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "repo")
			benchEnv(b)
			if err := bench.repo.Build(context.Background(), dir); err != nil {
				b.Fatal(err)
			}
			gitIn(b, dir, "config", "maintenance.auto", "false")
			gitIn(b, dir, "config", "gc.auto", "0")
			files := map[string]string{".citools.ini": "[version]\nproject = proj\nfiles = VERSION proj/__init__.py\n",
				"VERSION": "0.0.0\n", "proj/__init__.py": "VERSION = (0, 0, 0)\n"}
			for name, content := range files {
				path := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					b.Fatal(err)
				}
			}
			gitIn(b, dir, "add", "-A")
			gitIn(b, dir, "commit", "-q", "-m", "version files")
			const runs = 15
			n := 0
			commit := func() {
				n++
				if err := os.WriteFile(filepath.Join(dir, "work.txt"), []byte(fmt.Sprint(n, "\n")), 0o644); err != nil {
					b.Fatal(err)
				}
				gitIn(b, dir, "add", "work.txt")
				gitIn(b, dir, "commit", "-q", "-a", "-m", fmt.Sprint("work ", n))
			}
			describe := median(runs, nil, func() { gitIn(b, dir, "describe", "--match", "proj-[0-9]*", "--long") })
			plain := median(runs, nextSecond, commit)
			run := exec.Command("git-version", "install-hooks")
			run.Dir = dir
			if out, err := run.CombinedOutput(); err != nil {
				b.Fatalf("install-hooks: %v\n%s", err, out)
			}
			commit() // the first hook fills the cache
			hooked := median(runs, nextSecond, commit)
			tight := median(runs, nil, commit)
			cache := filepath.Join(dir, ".git", "citools", "version-cache.json")
			cold := median(runs, func() { os.Remove(cache); nextSecond() }, commit)
			if got, want := strings.TrimSpace(readFile(b, filepath.Join(dir, "VERSION"))), gitVersion(b, dir); got != want {
				b.Errorf("VERSION holds %s, git-version says %s", got, want)
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(describe), "ms-describe")
			b.ReportMetric(ms(plain), "ms-commit")
			b.ReportMetric(ms(hooked), "ms-commit-hooks")
			b.ReportMetric(ms(hooked-plain), "ms-added")
			b.ReportMetric(float64(hooked)/float64(plain), "x-commit")
			b.ReportMetric(float64(hooked-plain)/float64(describe), "describes-added")
			b.ReportMetric(ms(tight-plain), "ms-added-back-to-back")
			b.ReportMetric(ms(cold-plain), "ms-added-uncached")
			b.Logf("%s: git describe %.1f ms; add+commit %.1f ms, with the hooks %.1f ms (+%.1f ms, %.2fx, %.2f describes); back to back +%.1f ms; uncached +%.1f ms",
				bench.name, ms(describe), ms(plain), ms(hooked), ms(hooked-plain), float64(hooked)/float64(plain),
				float64(hooked-plain)/float64(describe), ms(tight-plain), ms(cold-plain))
		})
	}
}

// nextSecond waits until just past the next second of the clock.
func nextSecond() {
	now := time.Now()
	time.Sleep(now.Truncate(time.Second).Add(time.Second + 20*time.Millisecond).Sub(now))
}

// median times runs of f, each after prepare (when given).
func median(runs int, prepare, f func()) time.Duration {
	times := make([]time.Duration, runs)
	for i := range times {
		if prepare != nil {
			prepare()
		}
		start := time.Now()
		f()
		times[i] = time.Since(start)
	}
	slices.Sort(times)
	return times[runs/2]
}

func benchEnv(b *testing.B) {
	for k, v := range map[string]string{
		"HOME": b.TempDir(), "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
		"GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
		"PATH": binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
	} {
		b.Setenv(k, v)
	}
}

func gitIn(b *testing.B, dir string, args ...string) {
	b.Helper()
	if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
		b.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func gitVersion(b *testing.B, dir string) string {
	b.Helper()
	cmd := exec.Command("git-version")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		b.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func readFile(b *testing.B, path string) string {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return string(data)
}
