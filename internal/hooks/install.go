package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	shims "github.com/citools/citools/hooks"
	"github.com/citools/citools/internal/atomicfile"
	"github.com/citools/citools/internal/git"
	"github.com/citools/citools/internal/project"
	"github.com/citools/citools/internal/rewrite"
	"github.com/citools/citools/internal/version"
)

// chainSuffix names where a hook that was there before ours moves to; our
// shim runs it first, with the same arguments and input.
const chainSuffix = ".citools-chained"

// hookState is what stands at a hook's path.
type hookState int

const (
	absent  hookState = iota
	current           // this release's shim
	older             // an earlier release's shim
	foreign           // somebody else's hook
)

type hookFile struct {
	name    string // post-commit
	path    string
	chained string // where the hook that was there before ours is kept
	state   hookState
	symlink bool
	// hasChained is true when something stands at chained.
	hasChained bool
}

// inspectHook reads what stands at dir/name and at its chained path.
func inspectHook(dir, name string) (hookFile, error) {
	f := hookFile{name: name, path: filepath.Join(dir, name)}
	f.chained = f.path + chainSuffix
	if _, err := os.Lstat(f.chained); err == nil {
		f.hasChained = true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return f, err
	}
	info, err := os.Lstat(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	f.symlink = info.Mode()&fs.ModeSymlink != 0
	content, err := os.ReadFile(f.path)
	switch {
	case errors.Is(err, fs.ErrNotExist): // a dangling symbolic link
		f.state = foreign
		return f, nil
	case err != nil:
		return f, fmt.Errorf("hook %s: %w", f.path, err)
	}
	script, err := shims.Script(name)
	if err != nil {
		return f, err
	}
	switch {
	case bytes.Equal(content, script):
		f.state = current
	case bytes.Contains(content, []byte(shims.Marker)):
		f.state = older
	default:
		f.state = foreign
	}
	return f, nil
}

// Install puts the hooks where git runs them (core.hooksPath and worktrees
// honoured), chaining any hook that was there, sets up the filter, and
// writes the version. Installing again changes nothing.
func (k *Keeper) Install(ctx context.Context) error {
	repo := k.Project.Repo
	if repo.Top == "" {
		return errBare
	}
	dir, err := repo.Path(ctx, "hooks")
	if err != nil {
		return err
	}
	// Look at all of them before changing any.
	var files []hookFile
	for _, name := range shims.Names {
		f, err := inspectHook(dir, name)
		if err != nil {
			return err
		}
		if f.state == foreign && f.hasChained {
			return fmt.Errorf("%s is not git-version's hook, and %s is there too: move one of them away, then install again",
				k.display(f.path), k.display(f.chained))
		}
		files = append(files, f)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var installed []string
	for _, f := range files {
		switch f.state {
		case current:
			continue
		case foreign:
			// A rename keeps it byte for byte, with its mode, or as the
			// symbolic link it is.
			if err := os.Rename(f.path, f.chained); err != nil {
				return fmt.Errorf("keeping the %s hook that was there: %w", f.name, err)
			}
			fmt.Fprintf(k.Log, "git-version: the %s hook that was there still runs, first (it is now %s)\n", f.name, k.display(f.chained))
		case older:
			if f.symlink {
				// Replace the link, not whatever it points at.
				if err := os.Remove(f.path); err != nil {
					return err
				}
			}
		}
		script, err := shims.Script(f.name)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(f.path, script, 0o755); err != nil {
			return fmt.Errorf("hook %s: %w", f.path, err)
		}
		installed = append(installed, f.name)
	}
	if err := setUpFilter(ctx, repo); err != nil {
		return err
	}
	if len(installed) > 0 {
		fmt.Fprintf(k.Log, "git-version: installed %s in %s\n", theHooks(installed), k.display(dir))
	} else {
		fmt.Fprintf(k.Log, "git-version: the hooks in %s were installed already\n", k.display(dir))
	}

	v, changes, err := k.Update(ctx)
	switch {
	case errors.Is(err, version.ErrEmpty):
		fmt.Fprintf(k.Log, "git-version: the version files will be written after the first commit\n")
	case err != nil:
		// The hooks are in place and will try again at every commit.
		fmt.Fprintf(k.Log, "git-version: warning: the version files were not written: %s\n", oneLine(err))
	default:
		k.wrote(v, changes)
	}
	return nil
}

// setUpFilter puts the filter in the repository's configuration and the
// attributes' comment, which marks the repository as set up even while
// there is no version file yet.
func setUpFilter(ctx context.Context, repo *git.Repo) error {
	if err := setFilter(ctx, repo); err != nil {
		return err
	}
	if err := addAttributes(repo, nil); err != nil {
		return fmt.Errorf("info/attributes: %w", err)
	}
	return nil
}

// setFilter configures the filter driver to run this very binary, named by
// its full path: git puts its own directory first on the PATH of the
// commands it runs, and git's own "git version" is there as git-version
// too.
func setFilter(ctx context.Context, repo *git.Repo) error {
	binary, err := executable()
	if err != nil {
		return err
	}
	command := filterCommand(binary)
	value, ok, err := configValue(ctx, repo, filterKey)
	if err != nil || (ok && value == command) {
		return err
	}
	if _, err := repo.Output(ctx, "config", "--local", filterKey, command); err != nil {
		return fmt.Errorf("setting %s: %w", filterKey, err)
	}
	return nil
}

// filterCommand is the shell command git runs as the filter process. Should
// the binary be gone, git would die on every command that reads a version
// file ("the remote end hung up unexpectedly"); instead the command then
// says so and answers git's greeting as a filter that can do nothing, and
// git reads the files as they are.
func filterCommand(binary string) string {
	quoted := shellQuote(binary)
	missing := shellQuote("git-version: " + binary + " is missing, so git sees the version files as they are (install citools again, or remove the filter: git config --remove-section filter." + filterDriver + ")")
	return fmt.Sprintf(`[ -x %s ] && exec %s filter-process; echo >&2 %s; printf '0016git-filter-server\n000eversion=2\n00000000'; exec cat >/dev/null`,
		quoted, quoted, missing)
}

// executable is the path of this binary as PATH finds it when PATH finds
// this very file (so that a package manager's link stays a link across
// upgrades), else the path it runs from.
func executable() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding git-version itself: %w", err)
	}
	selfInfo, err := os.Stat(self)
	if err != nil {
		return "", fmt.Errorf("finding git-version itself: %w", err)
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" || dir == os.Getenv("GIT_EXEC_PATH") {
			continue
		}
		candidate, err := filepath.Abs(filepath.Join(dir, filepath.Base(self)))
		if err != nil {
			continue
		}
		if info, err := os.Stat(candidate); err == nil && os.SameFile(info, selfInfo) {
			return candidate, nil
		}
	}
	return self, nil
}

// shellQuote quotes s as one word for sh, which is how git runs the filter.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Uninstall takes away what Install added: the hooks (a hook that was there
// before comes back byte for byte), the filter and its attributes, the
// cache; and it puts the committed form back into the version files of
// every worktree, which without the filter would otherwise show as changed.
func (k *Keeper) Uninstall(ctx context.Context) error {
	repo := k.Project.Repo
	dir, err := repo.Path(ctx, "hooks")
	if err != nil {
		return err
	}
	var removed []string
	for _, name := range shims.Names {
		f, err := inspectHook(dir, name)
		if err != nil {
			return err
		}
		switch f.state {
		case foreign:
			if f.hasChained {
				fmt.Fprintf(k.Log, "git-version: %s is not git-version's hook: it and %s are left as they are\n", k.display(f.path), k.display(f.chained))
			}
			continue
		case current, older:
			if err := os.Remove(f.path); err != nil {
				return err
			}
			removed = append(removed, f.name)
		}
		if f.hasChained {
			if err := os.Rename(f.chained, f.path); err != nil {
				return fmt.Errorf("putting back the %s hook: %w", f.name, err)
			}
			fmt.Fprintf(k.Log, "git-version: the %s hook that was there before is back\n", f.name)
		}
	}
	if len(removed) > 0 {
		fmt.Fprintf(k.Log, "git-version: removed %s from %s\n", theHooks(removed), k.display(dir))
		// A hooks folder install-hooks had to make goes too; one that
		// holds anything else stays.
		_ = os.Remove(dir)
	} else {
		fmt.Fprintf(k.Log, "git-version: no git-version hooks in %s\n", k.display(dir))
	}

	worktrees, err := worktreeTops(ctx, repo)
	if err != nil {
		return err
	}
	for _, top := range worktrees {
		if err := k.restore(ctx, top); err != nil {
			fmt.Fprintf(k.Log, "git-version: warning: %s: %s\n", top, oneLine(err))
		}
	}
	if _, ok, err := configValue(ctx, repo, filterKey); err != nil {
		return err
	} else if ok {
		if _, err := repo.Output(ctx, "config", "--local", "--remove-section", "filter."+filterDriver); err != nil {
			return fmt.Errorf("removing the filter from the configuration: %w", err)
		}
	}
	if _, err := removeAttributes(repo); err != nil {
		return fmt.Errorf("info/attributes: %w", err)
	}
	if err := os.RemoveAll(filepath.Join(repo.CommonDir, stateDir)); err != nil {
		return err
	}
	return nil
}

// restore puts the committed form back into the version files of the
// working tree at top.
func (k *Keeper) restore(ctx context.Context, top string) error {
	p, err := project.Open(ctx, top)
	if err != nil {
		return err
	}
	targets, err := p.Targets()
	if err != nil {
		return err
	}
	var restored []rewrite.Change
	err = withCommittedForms(ctx, p, targets, func(forms *committedForms) (err error) {
		if restored, err = forms.restore(); err != nil {
			return err
		}
		return forms.reindex(ctx, restored)
	})
	if len(restored) > 0 {
		names := make([]string, len(restored))
		for i, c := range restored {
			names[i] = c.Name
		}
		where := ""
		if top != k.Project.Repo.Top {
			where = " in " + top
		}
		fmt.Fprintf(k.Log, "git-version: put the committed form back into %s%s\n", strings.Join(names, ", "), where)
	}
	return err
}

// worktreeTops lists the working trees of the repository that are there.
func worktreeTops(ctx context.Context, repo *git.Repo) ([]string, error) {
	out, err := repo.Output(ctx, "worktree", "list", "--porcelain")
	if err != nil {
		return nil, err
	}
	var tops []string
	for _, block := range strings.Split(string(out), "\n\n") {
		var top string
		bare := false
		for _, line := range strings.Split(block, "\n") {
			if path, ok := strings.CutPrefix(line, "worktree "); ok {
				top = path
			}
			bare = bare || line == "bare"
		}
		if top == "" || bare {
			continue
		}
		if info, err := os.Stat(top); err == nil && info.IsDir() {
			tops = append(tops, top)
		}
	}
	return tops, nil
}

// theHooks names hooks as a sentence does: "the a, b and c hooks".
func theHooks(names []string) string {
	if len(names) == 1 {
		return "the " + names[0] + " hook"
	}
	return "the " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " hooks"
}
