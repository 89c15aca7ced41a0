package hooks

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/citools/citools/internal/version"
)

// TestCacheIsTrustedOnlyWhenRight seeds the cache with versions nobody
// could compute, to see when they are used: the version of a new commit
// comes from its one parent's exactly when nothing else could make it
// differ, and every answer is otherwise the full walk's.
func TestCacheIsTrustedOnlyWhenRight(t *testing.T) {
	dir := newRepo(t, map[string]string{"VERSION": "0.0.0\n"})
	ctx := context.Background()
	run(t, dir, "git", "tag", "v1.2")
	k := &Keeper{Project: open(t, dir), Tool: "test", Log: io.Discard}
	rules := version.Rules{}
	head := func() version.Version {
		t.Helper()
		objects, err := k.Project.Repo.Objects(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer objects.Close()
		v, err := k.headVersion(ctx, objects, rules)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	describe := func() version.Version {
		t.Helper()
		// A fresh Open: a Project knows HEAD as it was when opened.
		res, err := open(t, dir).Describe(ctx, "", rules)
		if err != nil {
			t.Fatal(err)
		}
		return res.Version
	}
	cachePath := filepath.Join(k.Project.Repo.CommonDir, stateDir, "version-cache.json")
	seed := func(v version.Version) {
		t.Helper()
		c := loadCache(cachePath)
		for i := range c.Entries {
			c.Entries[i].Version = v
		}
		if err := c.save(); err != nil {
			t.Fatal(err)
		}
	}
	commits := 0
	commit := func() {
		commits++
		run(t, dir, "git", "commit", "-q", "--allow-empty", "-m", fmt.Sprint("commit ", commits))
	}
	check := func(what string, want version.Version) {
		t.Helper()
		if got := head(); got.Compare(want) != 0 {
			t.Errorf("%s: %s, want %s", what, got, want)
		}
	}

	check("first, the walk", describe())
	seed(version.Version{7, 7, 7})
	check("the same commit, from the cache", version.Version{7, 7, 7})
	commit()
	check("a new commit, from its parent's", version.Version{7, 7, 8})

	// A new tag anywhere: nothing cached counts.
	run(t, dir, "git", "tag", "unrelated")
	check("a tag changed", describe())
	seed(version.Version{7, 7, 7})
	commit()
	run(t, dir, "git", "tag", "v1.5") // on the new commit itself
	check("a tagged commit", describe())
	if got := describe(); got.Compare(version.Version{1, 5, 0}) != 0 {
		t.Fatalf("describe = %s", got)
	}

	// Other rules, another tool: the cache does not apply.
	seed(version.Version{7, 7, 7})
	rules = version.Rules{Match: "v1.2*"}
	check("other rules", describe())
	rules = version.Rules{}
	seed(version.Version{7, 7, 7})
	k.Tool = "other"
	check("another release of citools", describe())

	// A merge commit has two parents: always the walk.
	seed(version.Version{7, 7, 7})
	run(t, dir, "git", "switch", "-q", "-c", "side", "HEAD~1")
	commit()
	run(t, dir, "git", "switch", "-q", "master")
	seed(version.Version{7, 7, 7})
	run(t, dir, "git", "merge", "-q", "--no-edit", "side")
	check("a merge", describe())
	if got := describe(); got.Compare(version.Version{1, 5, 2}) != 0 {
		t.Fatalf("describe = %s", got)
	}

	// Replace refs change history: never cached.
	seed(version.Version{7, 7, 7})
	run(t, dir, "git", "replace", "--graft", "HEAD~1")
	check("replace refs", describe())
}
