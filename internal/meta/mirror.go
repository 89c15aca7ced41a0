package meta

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/citools/citools/internal/git"
)

// Cache is a directory of bare mirrors, one per dependency URL. A mirror
// holds the branches and tags of its repository and, where the transport
// allows, only their commits and tags: no trees or files (a partial clone
// with --filter=tree:0, which fetches a file only when one is read).
type Cache struct {
	Dir string
	// Waiting, when not nil, is told that another run holds a mirror.
	Waiting func(dep Dependency)
}

// localUploadPack serves file:// URLs. A local "server" is a git process
// of ours, and git's upload-pack refuses object filters unless allowed.
const localUploadPack = "git -c uploadpack.allowFilter=true upload-pack"

// sync brings the dependency's mirror up to date and returns it, locked
// until unlock is called: a fresh bare clone the first time, afterwards one
// ls-remote, and a fetch only when a branch or tag moved.
func (c *Cache) sync(ctx context.Context, dep Dependency) (*git.Repo, func(), error) {
	key := cacheKey(dep.Location)
	unlock, err := lock(ctx, filepath.Join(c.Dir, key+".lock"), func() {
		if c.Waiting != nil {
			c.Waiting(dep)
		}
	})
	if err != nil {
		return nil, nil, err
	}
	dir := filepath.Join(c.Dir, key+".git")
	repo := &git.Repo{GitDir: dir, CommonDir: dir, Bare: true, Env: remoteEnv(dep.Location)}
	if _, statErr := os.Stat(filepath.Join(dir, "HEAD")); statErr == nil {
		err = update(ctx, repo)
	} else {
		err = c.create(ctx, repo, dep)
	}
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return repo, unlock, nil
}

// create clones the mirror into a temporary directory beside it and renames
// it into place, so that a mirror, once there, is whole.
func (c *Cache) create(ctx context.Context, repo *git.Repo, dep Dependency) error {
	// Under the lock, a mirror without HEAD and what is left of an
	// interrupted clone are nobody's.
	prefix := filepath.Base(repo.GitDir) + ".tmp-"
	entries, err := os.ReadDir(c.Dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			if err := os.RemoveAll(filepath.Join(c.Dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := os.RemoveAll(repo.GitDir); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(c.Dir, prefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // nothing left once renamed
	args := []string{"clone", "--bare", "--quiet"}
	fileURL := strings.HasPrefix(strings.ToLower(dep.Location), "file://")
	switch {
	case isLocalPath(dep.Location):
		// git clones a local path with hard links, no transport: faster than
		// any filter (see README.metaversion.md), and what git users expect.
	case fileURL:
		args = append(args, "--filter=tree:0", "--upload-pack", localUploadPack)
	default:
		// A server that refuses filters gets a warning from git and sends
		// everything: slower, still right.
		args = append(args, "--filter=tree:0")
	}
	cloner := &git.Repo{GitDir: tmp, CommonDir: tmp, Bare: true, Env: repo.Env}
	if _, err := cloner.Output(ctx, append(args, "--", Redact(dep.Location), ".")...); err != nil {
		return err
	}
	if fileURL {
		// Later fetches, and the lazy fetch of a file that is read, too.
		if _, err := cloner.Output(ctx, "config", "remote.origin.uploadpack", localUploadPack); err != nil {
			return err
		}
	}
	return os.Rename(tmp, repo.GitDir)
}

// refState is what a repository's refs say: branch and tag names to object
// names, and the branch HEAD names.
type refState struct {
	refs map[string]string
	head string
}

// update fetches what is new. One ls-remote tells whether anything moved;
// a fetch with --prune then follows branches and tags that moved, were
// force-pushed or deleted.
func update(ctx context.Context, repo *git.Repo) error {
	out, err := repo.Output(ctx, "ls-remote", "--symref", "origin", "HEAD", "refs/heads/*", "refs/tags/*")
	if err != nil {
		return err
	}
	remote := parseLsRemote(out)
	local, err := localRefs(ctx, repo)
	if err != nil {
		return err
	}
	if !maps.Equal(remote.refs, local.refs) {
		if _, err := repo.Output(ctx, "fetch", "--quiet", "--prune", "--no-write-fetch-head", "origin",
			"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"); err != nil {
			return err
		}
	}
	if remote.head != "" && remote.head != local.head {
		if _, err := repo.Output(ctx, "symbolic-ref", "HEAD", remote.head); err != nil {
			return err
		}
	}
	return nil
}

// parseLsRemote reads `git ls-remote --symref`: "ref: refs/heads/main\tHEAD"
// and "<object>\t<ref>" lines; peeled tags (^{}) are left out.
func parseLsRemote(out []byte) refState {
	state := refState{refs: map[string]string{}}
	scanner := bufio.NewScanner(bytes.NewReader(out))
	for scanner.Scan() {
		left, ref, ok := strings.Cut(scanner.Text(), "\t")
		if !ok {
			continue
		}
		if target, isSymref := strings.CutPrefix(left, "ref: "); isSymref {
			if ref == "HEAD" {
				state.head = target
			}
			continue
		}
		if strings.HasSuffix(ref, "^{}") || !(strings.HasPrefix(ref, "refs/heads/") || strings.HasPrefix(ref, "refs/tags/")) {
			continue
		}
		state.refs[ref] = left
	}
	return state
}

func localRefs(ctx context.Context, repo *git.Repo) (refState, error) {
	state := refState{refs: map[string]string{}}
	out, err := repo.Output(ctx, "for-each-ref", "--format=%(objectname)\t%(refname)", "refs/heads", "refs/tags")
	if err != nil {
		return state, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		if object, ref, ok := strings.Cut(line, "\t"); ok {
			state.refs[ref] = object
		}
	}
	state.head, _ = repo.Line(ctx, "symbolic-ref", "-q", "HEAD")
	return state, nil
}

// branches lists the mirror's branches and the one its HEAD names (the
// repository's default branch), empty when HEAD names none.
func branches(ctx context.Context, repo *git.Repo) (names map[string]bool, defaultBranch string, err error) {
	state, err := localRefs(ctx, repo)
	if err != nil {
		return nil, "", err
	}
	names = map[string]bool{}
	for ref := range state.refs {
		if name, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
			names[name] = true
		}
	}
	defaultBranch = strings.TrimPrefix(state.head, "refs/heads/")
	return names, defaultBranch, nil
}

// readFile reads path at commit in the mirror: nil when there is no such
// file. In a partial mirror git fetches the trees and the file on demand.
func readFile(ctx context.Context, repo *git.Repo, commit, path string) ([]byte, error) {
	out, err := repo.Output(ctx, "ls-tree", commit, "--", path)
	if err != nil {
		return nil, err
	}
	// "<mode> <type> <object>\t<path>"
	fields := strings.Fields(string(out))
	if len(fields) < 3 || fields[1] != "blob" {
		return nil, nil
	}
	return repo.Output(ctx, "cat-file", "blob", fields[2])
}

// tempCache is a Cache in a new temporary directory, and how to remove it.
func tempCache() (*Cache, func(), error) {
	dir, err := os.MkdirTemp("", "git-metaversion-")
	if err != nil {
		return nil, nil, fmt.Errorf("temporary directory for the dependencies: %w", err)
	}
	return &Cache{Dir: dir}, func() { os.RemoveAll(dir) }, nil
}

// openCache makes sure dir exists to hold mirrors.
func openCache(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--cache-dir: %w", err)
	}
	return &Cache{Dir: dir}, nil
}
