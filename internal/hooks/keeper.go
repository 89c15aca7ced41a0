// Package hooks keeps a working tree's version files holding the version of
// the checked-out revision, while git sees them as committed.
//
// Two pieces do it. Hooks that git runs after every commit, checkout, merge
// and rewrite write the version into the files. A clean filter, which git
// runs whenever it reads one of those files into the index or compares it
// with the index, hands git the file's committed form instead: the file as
// it stands, with the committed text put back where the version stands. So
// `git status` and `git diff` see nothing, `git add` and `git commit -a`
// record nothing, and checkout, merge and rebase find no local changes to
// protect. Both are installed in the repository's own configuration
// (nothing is committed) and removed again by Uninstall.
package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/citools/citools/internal/git"
	"github.com/citools/citools/internal/project"
	"github.com/citools/citools/internal/rewrite"
	"github.com/citools/citools/internal/version"
)

// stateDir, in the common git directory, holds the lock and the cache.
const stateDir = "citools"

// Keeper keeps the version files of one working tree current.
type Keeper struct {
	Project *project.Project
	// Tool is citools' own version: versions cached by another release are
	// not trusted.
	Tool string
	// Log gets notes and warnings, one line each.
	Log io.Writer
}

var errBare = errors.New("this repository is bare: there is no working tree to keep version files in")

// Update writes the version of HEAD into the version files and returns the
// version and the changes made. It holds a lock meanwhile, so that of two
// runs the later one writes last: the version of the later HEAD.
func (k *Keeper) Update(ctx context.Context) (version.Version, []rewrite.Change, error) {
	repo := k.Project.Repo
	if repo.Top == "" {
		return nil, nil, errBare
	}
	if !setUp(repo) {
		// Without the filter git would see every version written.
		return nil, nil, errors.New("git-version install-hooks has not set up this repository")
	}
	unlock, err := lock(ctx, filepath.Join(repo.CommonDir, stateDir, "lock"))
	if err != nil {
		return nil, nil, err
	}
	defer unlock()

	targets, err := k.Project.Targets()
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.Name
	}
	// The filter must know a file before it holds a version.
	if err := addAttributes(repo, names); err != nil {
		return nil, nil, fmt.Errorf("info/attributes: %w", err)
	}
	var v version.Version
	var changes []rewrite.Change
	err = withCommittedForms(ctx, k.Project, targets, func(forms *committedForms) (err error) {
		v, changes, err = k.update(ctx, forms)
		return err
	})
	return v, changes, err
}

func (k *Keeper) update(ctx context.Context, forms *committedForms) (version.Version, []rewrite.Change, error) {
	v, err := k.headVersion(ctx, forms.cmd, k.Project.Rules(version.Rules{}))
	if err != nil {
		return nil, nil, err
	}
	changes, err := k.Project.Write(v)
	if err != nil {
		return nil, nil, err
	}
	return v, changes, forms.reindex(ctx, changes)
}

// Written tells git about version files that git-version --write has just
// written, where the hooks keep them: until the index learns their new
// stat data, git takes them as changed (see reindex). Elsewhere it does
// nothing.
func Written(ctx context.Context, p *project.Project, changes []rewrite.Change) error {
	if len(changes) == 0 || p.Repo.Top == "" || !setUp(p.Repo) {
		return nil
	}
	targets, err := p.Targets()
	if err != nil {
		return err
	}
	return withCommittedForms(ctx, p, targets, func(forms *committedForms) error {
		return forms.reindex(ctx, changes)
	})
}

// setUp reports whether install-hooks set up the repository: the filter is
// in its configuration and its attributes are in place. Hooks shared through
// core.hooksPath or a template also run in repositories where nobody
// installed them; those are left alone. Both are files install-hooks wrote,
// read here without running git, since a hook runs at every commit.
func setUp(repo *git.Repo) bool {
	attributes, err := os.ReadFile(attributesPath(repo))
	if err != nil || !slices.Contains(splitLines(attributes), attributesComment) {
		return false
	}
	config, err := os.ReadFile(filepath.Join(repo.CommonDir, "config"))
	if err != nil {
		return false
	}
	for _, line := range splitLines(config) {
		if strings.TrimSpace(line) == filterSection {
			return true
		}
	}
	return false
}

// configValue reads a key of the repository's configuration; ok is false
// when it is not set.
func configValue(ctx context.Context, repo *git.Repo, key string) (value string, ok bool, err error) {
	cmd := repo.Command(ctx, "config", "--get", key)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("git config %s: %s", key, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSuffix(string(out), "\n"), true, nil
}

// display names path for messages: from the top of the working tree when
// it is inside it.
func (k *Keeper) display(path string) string {
	if rel, err := filepath.Rel(k.Project.Repo.Top, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// wrote says which files took which version, as git-version --write does.
func (k *Keeper) wrote(v version.Version, changes []rewrite.Change) {
	if len(changes) == 0 {
		return
	}
	names := make([]string, len(changes))
	for i, c := range changes {
		names[i] = c.Name
	}
	fmt.Fprintf(k.Log, "git-version: wrote %s to %s\n", v, strings.Join(names, ", "))
}
