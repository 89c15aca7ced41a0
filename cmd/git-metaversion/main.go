// Command git-metaversion prints the version of a meta package: its own
// version plus the sum of the versions of the repositories it bundles.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/citools/citools/internal/cli"
	"github.com/citools/citools/internal/meta"
	"github.com/citools/citools/internal/project"
	"github.com/citools/citools/internal/rewrite"
	"github.com/citools/citools/internal/version"
)

const description = `The version of a meta package, from the repositories it bundles.

The meta version is this repository's own version (as git-version finds it) plus the versions of its dependencies, summed part by part, the longer extending the shorter: 0.1.0 + 1.0.59.1 + 2.0.12 = 3.1.71.1.

Each DEP is [NAME=]URL[#BRANCH]. URL is a local path, file://, ssh://, git@host:path or http(s)://; git's ssh keys and agent, credential helpers and insteadOf rules apply. NAME defaults to the URL's last path segment without .git. Without DEP arguments the [dependency "NAME"] sections (url, branch) of the committed .citools.ini are used.

A dependency's version counts its tags NAME-<version>. When NAME was derived from the URL and the repository has no such tag, its own committed .citools.ini [version] rules count instead, else any version tag (said on standard error).

A dependency is read at BRANCH; without one, at the branch named like the one checked out here; when it has no such branch, or HEAD here is detached, at its default branch.

--write writes the meta version into the files of .citools.ini [version] files as git-version does, and pins, in a debian/control listed there, every dependency's package in Depends fields to the version found: library1 (= 1.0.59.1).`

type grammar struct {
	cli.Flags
	Deps      []string `arg:"" optional:"" name:"dep" placeholder:"[NAME=]URL[#BRANCH]" help:"A repository the meta package bundles (default: the [dependency] sections of .citools.ini)."`
	Dir       string   `short:"C" name:"dir" placeholder:"DIR" help:"Run as if started in DIR."`
	CacheDir  string   `placeholder:"DIR" help:"Keep bare mirrors of the dependencies in DIR and fetch only what is new (default: a temporary directory, removed)."`
	Jobs      int      `short:"j" default:"4" placeholder:"N" help:"Fetch at most N dependencies at once."`
	Project   string   `placeholder:"NAME" help:"Count only tags NAME-<version> for this repository's own version (overrides .citools.ini)."`
	Match     string   `placeholder:"GLOB" help:"Count only tags matching GLOB for this repository's own version."`
	TagRegexp string   `placeholder:"RE" help:"Count only tags matching the Go regexp RE for this repository's own version; its group (?P<version>...) is the version."`
	Format    string   `placeholder:"FORMAT" default:"plain" help:"plain (3.1.71.1), tuple, json (adds own and dependencies), or a Go template such as '{{.version}}'."`
	Write     bool     `help:"Write the meta version into the files of .citools.ini [version] files, and pin the dependencies in a debian/control listed there."`
}

func (g *grammar) Run(env *cli.Env) error {
	if err := version.CheckFormat(g.Format); err != nil {
		return err
	}
	p, err := project.Open(env.Ctx, g.Dir)
	if err != nil {
		return err
	}
	deps, err := meta.Dependencies(g.Deps, g.Dir, p.Config.Dependencies, p.Repo.Top)
	if err != nil {
		return err
	}
	own, err := p.Describe(env.Ctx, "", p.Rules(version.Rules{TagRegexp: g.TagRegexp, Match: g.Match, Project: g.Project}))
	if err != nil {
		return err
	}
	cacheDir := g.CacheDir
	if cacheDir != "" && !filepath.IsAbs(cacheDir) {
		cacheDir = filepath.Join(g.Dir, cacheDir) // as if started in --dir
	}
	res, err := meta.Compute(env.Ctx, own, deps, meta.Options{
		CacheDir: cacheDir,
		Jobs:     g.Jobs,
		Packages: g.Write && len(rewrite.ControlFiles(p.Config.Version.Files)) > 0,
		Waiting: func(dep meta.Dependency) {
			fmt.Fprintf(env.Stderr, "git-metaversion: %s: waiting for another run that uses the cache\n", dep.Name)
		},
	})
	var each interface{ Unwrap() []error }
	if errors.As(err, &each) {
		// Every dependency that failed, one line each.
		for _, e := range each.Unwrap() {
			fmt.Fprintf(env.Stderr, "git-metaversion: %v\n", e)
		}
		return cli.ErrSilent
	}
	if err != nil {
		return err
	}
	for _, r := range res.Dependencies {
		for _, note := range r.Notes {
			fmt.Fprintf(env.Stderr, "git-metaversion: %s\n", note)
		}
	}
	if g.Write {
		written, err := meta.Write(p, res)
		if err != nil {
			return err
		}
		report(env, res.Version, written)
	}
	return version.Write(env.Stdout, g.Format, res.Version, res.Fields())
}

func report(env *cli.Env, v version.Version, w *meta.Written) {
	for _, note := range w.Notes {
		fmt.Fprintf(env.Stderr, "git-metaversion: %s\n", note)
	}
	if len(w.Files) > 0 {
		fmt.Fprintf(env.Stderr, "git-metaversion: wrote %s to %s\n", v, strings.Join(w.Files, ", "))
	}
	for _, pin := range w.Pins {
		fmt.Fprintf(env.Stderr, "git-metaversion: pinned %s in %s\n", strings.Join(pin.Relations, ", "), pin.File)
	}
}

func main() {
	os.Exit(cli.Main("git-metaversion", description, &grammar{}))
}
