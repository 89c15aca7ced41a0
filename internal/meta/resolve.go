package meta

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/citools/citools/internal/config"
	"github.com/citools/citools/internal/git"
	"github.com/citools/citools/internal/rewrite"
	"github.com/citools/citools/internal/version"
)

// Resolved is a dependency as found: its version at the branch read
// (Result.Branch).
type Resolved struct {
	Dependency
	Result *version.Result
	// Packages are the binary packages its debian/control builds at that
	// revision, when asked for.
	Packages []string
	// Notes are what the user should hear: a branch fallback, the tag rule
	// used for a derived name, a missing version tag.
	Notes []string
}

// resolve finds the version of one dependency: its mirror brought up to
// date, the branch chosen, the tag rule chosen, and the walk.
func resolve(ctx context.Context, cache *Cache, dep Dependency, metaBranch string, packages bool) (*Resolved, error) {
	repo, unlock, err := cache.sync(ctx, dep)
	if err != nil {
		return nil, err
	}
	defer unlock()
	r := &Resolved{Dependency: dep}
	branch, err := r.chooseBranch(ctx, repo, metaBranch)
	if err != nil {
		return nil, err
	}
	rev := "refs/heads/" + branch
	sel, err := r.selector(ctx, repo, rev)
	if err != nil {
		return nil, err
	}
	r.Result, err = version.Describe(ctx, repo, rev, sel)
	if err != nil {
		return nil, err
	}
	if r.Result.Tag == "" {
		r.note("warning: no %s on %s; counting it as %s", sel, branch, r.Result.Version)
	}
	if packages {
		control, err := readFile(ctx, repo, r.Result.Commit, "debian/control")
		if err != nil {
			return nil, fmt.Errorf("reading debian/control: %w", err)
		}
		r.Packages = rewrite.ControlPackages(control)
	}
	return r, nil
}

func (r *Resolved) note(format string, args ...any) {
	r.Notes = append(r.Notes, r.Name+": "+fmt.Sprintf(format, args...))
}

// chooseBranch applies the branch rule: the branch asked for, which must
// exist; else the meta repository's own branch if the dependency has one of
// that name; else the dependency's default branch (saying so, unless the
// meta repository is on no branch at all).
func (r *Resolved) chooseBranch(ctx context.Context, repo *git.Repo, metaBranch string) (string, error) {
	names, defaultBranch, err := branches(ctx, repo)
	if err != nil {
		return "", err
	}
	if r.Branch != "" {
		if !names[r.Branch] {
			return "", fmt.Errorf("no branch %q", r.Branch)
		}
		return r.Branch, nil
	}
	if metaBranch != "" && names[metaBranch] {
		return metaBranch, nil
	}
	switch {
	case len(names) == 0:
		return "", errors.New("the repository has no branches (is it empty?)")
	case defaultBranch == "" || !names[defaultBranch]:
		return "", errors.New("its HEAD names no branch, so it has no default branch; give one with #BRANCH")
	}
	if metaBranch != "" {
		r.note("no branch %s; reading its default branch %s", metaBranch, defaultBranch)
	}
	return defaultBranch, nil
}

// selector chooses which tags set the dependency's version. A name that was
// given counts only NAME-<version> tags. A name derived from the URL does so
// when the repository has any such tag; otherwise (a checkout in a
// directory named apart from its project) the dependency's own committed
// .citools.ini rules at rev apply, and failing those any version tag, as
// git-version would count them.
func (r *Resolved) selector(ctx context.Context, repo *git.Repo, rev string) (*version.Selector, error) {
	strict, err := version.NewSelector(version.Rules{Project: r.Name})
	if err != nil || r.Named {
		return strict, err
	}
	out, err := repo.Output(ctx, "for-each-ref", "--format=%(refname:strip=2)", "refs/tags")
	if err != nil {
		return nil, err
	}
	for _, tag := range strings.Fields(string(out)) {
		if _, ok := strict.Version(tag); ok {
			return strict, nil
		}
	}
	data, err := readFile(ctx, repo, rev, config.ProjectFile)
	if err != nil {
		return nil, fmt.Errorf("reading its %s: %w", config.ProjectFile, err)
	}
	if data != nil {
		branch := strings.TrimPrefix(rev, "refs/heads/")
		cfg, err := config.ParseProject(branch+":"+config.ProjectFile, data)
		if err != nil {
			return nil, err
		}
		rules := version.Rules{TagRegexp: cfg.Version.TagRegexp, Match: cfg.Version.Match, Project: cfg.Version.Project}
		if rules != (version.Rules{}) {
			sel, err := version.NewSelector(rules)
			if err != nil {
				return nil, fmt.Errorf("%s:%s: %w", branch, config.ProjectFile, err)
			}
			r.note("no tags %s-<version>; counting %s, as its %s says", r.Name, sel, config.ProjectFile)
			return sel, nil
		}
	}
	sel, err := version.NewSelector(version.Rules{})
	r.note("no tags %s-<version>; counting any version tag (write NAME=URL to count only NAME-<version>)", r.Name)
	return sel, err
}
