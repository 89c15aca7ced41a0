// Package benchmark times whole commands against their peers, run
// alternately in the same session, and reports medians and ratios. It is
// used by the on-demand benchmarks (go test -bench), never by the tests.
package benchmark

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/citools/citools/internal/gittest"
)

// Command is one command line to time.
type Command struct {
	Name string
	Dir  string
	Args []string
	Env  []string
}

// Run runs the command once and returns how long it took.
func (c Command) Run(ctx context.Context) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%s: %v\n%s", c.Name, err, out)
	}
	return elapsed, nil
}

// Compare runs ours and peer alternately runs times each, after one warm-up
// run of each, and returns their medians.
func Compare(ctx context.Context, runs int, ours, peer Command) (oursMedian, peerMedian time.Duration, err error) {
	var a, b []time.Duration
	for i := -1; i < runs; i++ {
		da, err := ours.Run(ctx)
		if err != nil {
			return 0, 0, err
		}
		db, err := peer.Run(ctx)
		if err != nil {
			return 0, 0, err
		}
		if i >= 0 {
			a, b = append(a, da), append(b, db)
		}
	}
	return Median(a), Median(b), nil
}

// Median of durations.
func Median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Report prints one comparison as a line and as benchmark metrics.
func Report(b *testing.B, label string, runs int, ours, peer time.Duration, oursName, peerName string, metric string) {
	ratio := float64(ours) / float64(peer)
	b.ReportMetric(ratio, metric)
	fmt.Printf("%-46s %s %8.1f ms   %s %8.1f ms   ratio %.2fx   (medians of %d)\n",
		label, oursName, ms(ours), peerName, ms(peer), ratio, runs)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// Binaries builds the commands once per test process and returns their
// directory.
func Binaries(b *testing.B) string {
	b.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "citools-bench-bin-")
		if buildErr != nil {
			return
		}
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+string(filepath.Separator), "./cmd/...")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binDir
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(string(out[:len(out)-1])), nil
}

// CacheDir is where benchmarks keep what is costly to make between runs:
// CITOOLS_BENCH_CACHE, else citools-bench in the user cache directory.
func CacheDir(b *testing.B) string {
	b.Helper()
	if dir := os.Getenv("CITOOLS_BENCH_CACHE"); dir != "" {
		return dir
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		b.Fatal(err)
	}
	return filepath.Join(cache, "citools-bench")
}

// Repo returns a synthetic repository built once and kept between benchmark
// runs under the cache directory (CITOOLS_BENCH_CACHE, else the user cache),
// named by key; prepare, when given, runs once after it is built. Callers
// must not change it.
func Repo(b *testing.B, key string, s gittest.Synthetic, prepare ...func(dir string) error) string {
	b.Helper()
	base := CacheDir(b)
	dir := filepath.Join(base, key)
	if _, err := os.Stat(filepath.Join(dir, ".git", "citools-bench-complete")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(base, 0o755); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("building %s (once; kept in %s)\n", key, base)
	if err := s.Build(context.Background(), dir); err != nil {
		b.Fatal(err)
	}
	for _, p := range prepare {
		if err := p(dir); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ".git", "citools-bench-complete"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}
