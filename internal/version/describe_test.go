package version

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/citools/citools/internal/git"
)

// randomHistory writes a history of n commits with branches, merges (octopus
// ones too, which the commit-graph keeps in a chunk of their own) and
// version tags on random commits, and returns every commit's hash.
func randomHistory(t *testing.T, dir string, n int, seed int64) []string {
	t.Helper()
	run(t, dir, "git", "init", "-q", ".")
	rng := rand.New(rand.NewSource(seed))
	var stream strings.Builder
	heads := []int{} // marks of branch tips
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&stream, "commit refs/heads/b%d\nmark :%d\ncommitter T <t@example.com> %d +0000\ndata 2\n%d\n", i, i, 1500000000+i, i%10)
		var parents []int
		if len(heads) > 0 {
			switch r := rng.Intn(10); {
			case r < 6: // continue a branch
				parents = []int{heads[rng.Intn(len(heads))]}
			case r < 8 && len(heads) > 1: // merge two
				a, b := rng.Intn(len(heads)), rng.Intn(len(heads))
				if a != b {
					parents = []int{heads[a], heads[b]}
				} else {
					parents = []int{heads[a]}
				}
			case r < 9 && len(heads) > 2: // octopus
				perm := rng.Perm(len(heads))[:3]
				parents = []int{heads[perm[0]], heads[perm[1]], heads[perm[2]]}
			default: // a branch off an older commit
				parents = []int{1 + rng.Intn(i-1)}
			}
		}
		for j, p := range parents {
			if j == 0 {
				fmt.Fprintf(&stream, "from :%d\n", p)
			} else {
				fmt.Fprintf(&stream, "merge :%d\n", p)
			}
		}
		heads = append(heads, i)
		if len(heads) > 6 {
			heads = heads[len(heads)-6:]
		}
		if rng.Intn(12) == 0 {
			// Versions that collide and that are not versions at all.
			names := []string{
				fmt.Sprintf("v%d.%d", rng.Intn(3), rng.Intn(12)),
				fmt.Sprintf("proj-%d.%d.%d", rng.Intn(2), rng.Intn(3), rng.Intn(3)),
				fmt.Sprintf("other-%d.%d", rng.Intn(4), rng.Intn(4)),
				fmt.Sprintf("notes-%d", i),
			}
			name := names[rng.Intn(len(names))]
			fmt.Fprintf(&stream, "reset refs/tags/%s\nfrom :%d\n\n", name, i)
		}
	}
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&stream, "get-mark :%d\n", i)
	}
	cmd := exec.Command("git", "fast-import", "--quiet", "--force")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stream.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("fast-import: %v", err)
	}
	hashes := strings.Fields(string(out))
	if len(hashes) != n {
		t.Fatalf("fast-import gave %d marks, want %d", len(hashes), n)
	}
	return hashes
}

func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// oracle computes the version of rev with plain git commands, the slow and
// obvious way: every tag merged into rev, the highest, then rev-list --count.
func oracle(t *testing.T, dir, rev string, sel *Selector) string {
	t.Helper()
	var best Version
	var bestDistance int
	for _, tag := range strings.Fields(run(t, dir, "git", "tag", "--merged", rev)) {
		v, ok := sel.Version(tag)
		if !ok {
			continue
		}
		d, _ := strconv.Atoi(strings.TrimSpace(run(t, dir, "git", "rev-list", "--count", tag+".."+rev)))
		if c := v.Compare(best); best == nil || c > 0 || (c == 0 && d < bestDistance) {
			best, bestDistance = v, d
		}
	}
	if best == nil {
		n, _ := strconv.Atoi(strings.TrimSpace(run(t, dir, "git", "rev-list", "--count", rev)))
		return Version{0, 0, n}.String()
	}
	return best.With(bestDistance).String()
}

func describe(t *testing.T, dir, rev string, sel *Selector) string {
	t.Helper()
	ctx := context.Background()
	repo, err := git.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Describe(ctx, repo, rev, sel)
	if err != nil {
		t.Fatalf("Describe(%s): %v", rev, err)
	}
	return res.Version.String()
}

// TestWalksAgreeWithGit checks both walks, git's and the commit-graph's (a
// single file, a split chain, and one that misses the newest commits),
// against plain git on random histories.
func TestWalksAgreeWithGit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds several repositories")
	}
	for seed := int64(1); seed <= 3; seed++ {
		dir := t.TempDir()
		hashes := randomHistory(t, dir, 240, seed)
		selectors := map[string]*Selector{}
		for name, rules := range map[string]Rules{"default": {}, "proj": {Project: "proj"}, "match": {Match: "v*"}} {
			sel, err := NewSelector(rules)
			if err != nil {
				t.Fatal(err)
			}
			selectors[name] = sel
		}
		rng := rand.New(rand.NewSource(seed))
		var revs []string
		for i := 0; i < 12; i++ {
			revs = append(revs, hashes[rng.Intn(len(hashes))])
		}
		revs = append(revs, hashes[len(hashes)-1])

		want := map[string]string{}
		for _, rev := range revs {
			for name, sel := range selectors {
				want[rev+name] = oracle(t, dir, rev, sel)
			}
		}
		check := func(setup string) {
			for _, rev := range revs {
				for name, sel := range selectors {
					if got := describe(t, dir, rev, sel); got != want[rev+name] {
						t.Errorf("seed %d, %s, %s rules, rev %.10s: got %s, want %s", seed, setup, name, rev, got, want[rev+name])
					}
				}
			}
		}
		check("git's walk")

		graph := filepath.Join(dir, ".git", "objects", "info", "commit-graph")
		// A graph of the first two thirds only: later commits are read with cat-file.
		part := strings.Join(hashes[:len(hashes)*2/3], "\n")
		cmd := exec.Command("git", "commit-graph", "write", "--stdin-commits")
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(part)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("commit-graph write: %v\n%s", err, out)
		}
		check("stale commit-graph")

		run(t, dir, "git", "commit-graph", "write", "--reachable")
		if _, err := os.Stat(graph); err != nil {
			t.Fatal("no commit-graph written")
		}
		check("commit-graph")

		os.Remove(graph)
		// A chain of layers: a base and an incremental layer on top.
		cmd = exec.Command("git", "commit-graph", "write", "--split", "--stdin-commits")
		cmd.Dir = dir
		cmd.Stdin = strings.NewReader(strings.Join(hashes[:len(hashes)/2], "\n"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("commit-graph write --split: %v\n%s", err, out)
		}
		run(t, dir, "git", "commit-graph", "write", "--reachable", "--split=no-merge")
		chain, err := os.ReadFile(filepath.Join(dir, ".git", "objects", "info", "commit-graphs", "commit-graph-chain"))
		if err != nil || len(strings.Fields(string(chain))) < 2 {
			t.Fatalf("no commit-graph chain of two layers: %v %q", err, chain)
		}
		check("commit-graph chain")
	}
}

// TestCorruptGraphFallsBack: a damaged commit-graph never gives a wrong
// answer; git's walk answers instead.
func TestCorruptGraphFallsBack(t *testing.T) {
	dir := t.TempDir()
	hashes := randomHistory(t, dir, 60, 7)
	sel, _ := NewSelector(Rules{})
	rev := hashes[len(hashes)-1]
	want := oracle(t, dir, rev, sel)
	run(t, dir, "git", "commit-graph", "write", "--reachable")
	graph := filepath.Join(dir, ".git", "objects", "info", "commit-graph")
	data, err := os.ReadFile(graph)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(graph, 0o644)
	for _, damage := range []func([]byte) []byte{
		func(b []byte) []byte { return b[:len(b)/2] },                                  // cut short
		func(b []byte) []byte { c := append([]byte(nil), b...); c[0] = 'X'; return c }, // bad signature
		func(b []byte) []byte { c := append([]byte(nil), b...); c[4] = 9; return c },   // unknown version
		func(b []byte) []byte { // parents pointing past the end
			c := append([]byte(nil), b...)
			for i := len(c) / 3; i < len(c)*2/3; i++ {
				c[i] = 0x6f
			}
			return c
		},
	} {
		if err := os.WriteFile(graph, damage(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := describe(t, dir, rev, sel); got != want {
			// A damaged graph may not be detectable in every byte (git's
			// own checksum is what would), but structural damage must be.
			t.Errorf("damaged commit-graph: got %s, want %s", got, want)
		}
	}
}
