package version

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/citools/citools/internal/benchmark"
	"github.com/citools/citools/internal/gittest"
)

// The benchmark history: 200,000 mainline commits, a 3-commit side
// branch merged every 1,000, proj-1.1 about 150,000 commits back.
var bigHistory = gittest.Synthetic{Commits: 200000, SideEvery: 1000, Tags: map[string]int{"proj-1.1": 150000}}

func writeCommitGraph(dir string) error {
	cmd := exec.Command("git", "commit-graph", "write", "--reachable")
	cmd.Dir = dir
	return cmd.Run()
}

// BenchmarkVersusDescribe: git-version against git describe on the same
// repository, without and with a commit-graph, and on a tiny repository.
//
//	go test -run '^$' -bench VersusDescribe -benchtime 1x ./internal/version
func BenchmarkVersusDescribe(b *testing.B) {
	ctx := context.Background()
	bin := filepath.Join(benchmark.Binaries(b), "git-version")
	const runs = 11
	for _, tc := range []struct {
		label, key string
		prepare    []func(string) error
	}{
		{"200,597 commits, no commit-graph", "version-200k", nil},
		{"200,597 commits, commit-graph", "version-200k-graph", []func(string) error{writeCommitGraph}},
	} {
		dir := benchmark.Repo(b, tc.key, bigHistory, tc.prepare...)
		ours := benchmark.Command{Name: "git-version", Dir: dir, Args: []string{bin, "--project", "proj"}}
		peer := benchmark.Command{Name: "git describe", Dir: dir, Args: []string{"git", "describe", "--match", "proj-[0-9]*", "--long"}}
		for i := 0; i < b.N; i++ {
			o, p, err := benchmark.Compare(ctx, runs, ours, peer)
			if err != nil {
				b.Fatal(err)
			}
			benchmark.Report(b, tc.label, runs, o, p, "git-version", "git describe", "ratio-"+tc.key)
		}
	}

	tiny := benchmark.Repo(b, "version-tiny", gittest.Synthetic{Commits: 10, Tags: map[string]int{"proj-0.1": 4}})
	ours := benchmark.Command{Name: "git-version", Dir: tiny, Args: []string{bin, "--project", "proj"}}
	peer := benchmark.Command{Name: "git describe", Dir: tiny, Args: []string{"git", "describe", "--match", "proj-[0-9]*", "--long"}}
	for i := 0; i < b.N; i++ {
		o, p, err := benchmark.Compare(ctx, 31, ours, peer)
		if err != nil {
			b.Fatal(err)
		}
		benchmark.Report(b, "10 commits", 31, o, p, "git-version", "git describe", "ratio-tiny")
		b.ReportMetric(float64(o.Microseconds())/1000, "ms-tiny")
	}
}
