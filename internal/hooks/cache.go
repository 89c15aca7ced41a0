package hooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/citools/citools/internal/atomicfile"
	"github.com/citools/citools/internal/git"
	"github.com/citools/citools/internal/version"
)

// A hook runs after every commit, so the versions it found are kept, and
// the version of a new commit whose one parent is known comes from the
// parent's: the parent's version with one more commit counted. That holds
// exactly when the new commit carries no tag (so the set of reachable tags
// is the parent's) and nothing else that decides a version has changed: the
// tags, the tag rules, and citools itself. Each cached version carries a key
// made of those. Shallow clones, replace refs and grafts, which change what
// history is, are never cached.

// cacheSize is how many versions are kept: enough for a rebase's worth of
// commits and a few checkouts back and forth.
const cacheSize = 64

type cacheEntry struct {
	Commit  string          `json:"commit"`
	Key     string          `json:"key"`
	Version version.Version `json:"version"`
}

type versionCache struct {
	path    string
	Entries []cacheEntry `json:"entries"`
}

// headVersion is the version of HEAD under rules.
func (k *Keeper) headVersion(ctx context.Context, objects *git.Objects, rules version.Rules) (version.Version, error) {
	p := k.Project
	full := func(commit string) (version.Version, error) {
		res, err := p.Describe(ctx, commit, rules)
		if err != nil {
			return nil, err
		}
		return res.Version, nil
	}
	// The two questions go to two processes at once.
	type answer struct {
		refs []byte
		err  error
	}
	tags := make(chan answer, 1)
	go func() {
		refs, err := p.Repo.Output(ctx, "for-each-ref", "--format=%(refname) %(objectname) %(*objectname)", "refs/tags", "refs/replace")
		tags <- answer{refs, err}
	}()
	commit, parents, err := objects.Commit("HEAD")
	refs := <-tags
	if err != nil {
		return full("") // Describe says what is wrong with HEAD
	}
	if refs.err != nil {
		return nil, refs.err
	}
	if p.Repo.Shallow || strings.Contains(string(refs.refs), "refs/replace/") || p.Repo.Exists("info/grafts") {
		return full(commit)
	}
	key := cacheKey(k.Tool, rules, refs.refs)
	cache := loadCache(filepath.Join(p.Repo.CommonDir, stateDir, "version-cache.json"))
	if v := cache.find(commit, key); v != nil {
		return v, nil
	}
	var v version.Version
	if parent := cache.parentVersion(parents, key); parent != nil && !tagged(refs.refs, commit) {
		v = append(slices.Clone(parent[:len(parent)-1]), parent[len(parent)-1]+1)
	} else if v, err = full(commit); err != nil {
		return nil, err
	}
	cache.add(cacheEntry{Commit: commit, Key: key, Version: v})
	if err := cache.save(); err != nil {
		// The version is right; only the next hook is slower.
		fmt.Fprintf(k.Log, "git-version: %s\n", oneLine(err))
	}
	return v, nil
}

// cacheKey sums up what besides the history decides a version.
func cacheKey(tool string, rules version.Rules, refs []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "citools %s\x00%s\x00%s\x00%s\x00", tool, rules.TagRegexp, rules.Match, rules.Project)
	h.Write(refs)
	return hex.EncodeToString(h.Sum(nil))
}

// tagged reports whether any tag points at commit.
func tagged(refs []byte, commit string) bool {
	for _, line := range strings.Split(string(refs), "\n") {
		fields := strings.Fields(line)
		for _, hash := range fields[min(1, len(fields)):] {
			if hash == commit {
				return true
			}
		}
	}
	return false
}

// loadCache reads the cache; one that is missing or unreadable is empty.
func loadCache(path string) *versionCache {
	c := &versionCache{}
	if data, err := os.ReadFile(path); err == nil {
		if json.Unmarshal(data, c) != nil {
			c.Entries = nil
		}
	}
	c.path = path
	return c
}

func (c *versionCache) find(commit, key string) version.Version {
	for _, e := range c.Entries {
		if e.Commit == commit && e.Key == key && len(e.Version) > 0 {
			return e.Version
		}
	}
	return nil
}

// parentVersion is the cached version of the one parent, or nil.
func (c *versionCache) parentVersion(parents []string, key string) version.Version {
	if len(parents) != 1 {
		return nil
	}
	return c.find(parents[0], key)
}

// add puts e first, dropping the oldest beyond cacheSize.
func (c *versionCache) add(e cacheEntry) {
	entries := []cacheEntry{e}
	for _, old := range c.Entries {
		if old.Commit != e.Commit && len(entries) < cacheSize {
			entries = append(entries, old)
		}
	}
	c.Entries = entries
}

func (c *versionCache) save() error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	if err := atomicfile.Write(c.path, data, 0o644); err != nil {
		return fmt.Errorf("saving the version cache: %w", err)
	}
	return nil
}
