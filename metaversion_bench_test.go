package citools_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citools/citools/internal/benchmark"
	"github.com/citools/citools/internal/gittest"
)

// BenchmarkMetaversion is issue 4's benchmark: a meta repository with 5
// dependencies of 20,000 commits each, git-metaversion cold (no cache: a
// temporary directory, filled and removed) and warm (--cache-dir, nothing
// new) against a shell loop of git clone + git describe over the same
// repositories; once with plain paths (git clones them with hard links) and
// once with file:// URLs (git's transport, as for a remote).
//
//	go test -run '^$' -bench Metaversion -benchtime 1x .
func BenchmarkMetaversion(b *testing.B) {
	ctx := context.Background()
	bin := filepath.Join(benchmark.Binaries(b), "git-metaversion")
	const runs = 7
	var paths []string
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("dep%d", i)
		paths = append(paths, benchmark.Repo(b, "metaversion-"+name, gittest.Synthetic{
			Commits: 20000, SideEvery: 1000, Tags: map[string]int{name + "-1.1": 5000},
		}))
	}
	work := b.TempDir()
	meta := filepath.Join(work, "meta")
	for _, args := range [][]string{
		{"init", "-q", meta},
		{"-C", meta, "-c", "user.name=Bench", "-c", "user.email=b@example.com", "commit", "-q", "--allow-empty", "-m", "one"},
		{"-C", meta, "tag", "meta-0.1"},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			b.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	for _, form := range []struct{ label, prefix string }{{"paths", ""}, {"file://", "file://"}} {
		var deps []string
		loop := "set -e; rm -rf clones; mkdir clones\n"
		for i, p := range paths {
			name := fmt.Sprintf("dep%d", i+1)
			deps = append(deps, name+"="+form.prefix+p)
			loop += fmt.Sprintf("git clone -q %s clones/%s && git -C clones/%s describe --tags --match '%s-[0-9]*' --long >/dev/null\n",
				form.prefix+p, name, name, name)
		}
		loop += "rm -rf clones\n"
		peer := benchmark.Command{Name: "clone+describe loop", Dir: work, Args: []string{"sh", "-c", loop}}

		cold := benchmark.Command{Name: "cold", Dir: meta, Args: append([]string{bin}, deps...)}
		oursCold, peerMedian, err := benchmark.Compare(ctx, runs, cold, peer)
		if err != nil {
			b.Fatal(err)
		}
		benchmark.Report(b, "5 x 20,000 commits, "+form.label+", cold", runs, oursCold, peerMedian, "git-metaversion", "loop", "cold-ratio-"+strings.TrimSuffix(form.label, "://"))

		cache := filepath.Join(work, "cache-"+strings.TrimSuffix(form.label, "://"))
		warm := benchmark.Command{Name: "warm", Dir: meta, Args: append([]string{bin, "--cache-dir", cache}, deps...)}
		oursWarm, peerMedian, err := benchmark.Compare(ctx, runs, warm, peer)
		if err != nil {
			b.Fatal(err)
		}
		benchmark.Report(b, "5 x 20,000 commits, "+form.label+", warm", runs, oursWarm, peerMedian, "git-metaversion", "loop", "warm-ratio-"+strings.TrimSuffix(form.label, "://"))
		b.ReportMetric(oursWarm.Seconds(), "warm-s-"+strings.TrimSuffix(form.label, "://"))
	}
}
