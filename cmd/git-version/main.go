// Command git-version prints the release number of a revision, made from
// its highest version tag and the commits since, writes it into the
// project's files, and installs the hooks that keep it written there.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/citools/citools/internal/cli"
	"github.com/citools/citools/internal/config"
	"github.com/citools/citools/internal/hooks"
	"github.com/citools/citools/internal/project"
	"github.com/citools/citools/internal/version"
)

const description = `The release number of a revision, from its tags.

The highest version tag reachable from the revision gives the leading numbers (tag myproj-1.2 gives 1.2); the last number is how many commits came since it (1.2.4). Without a version tag the version is 0.0.<number of commits>.

Tags are chosen by --tag-regexp, else --match, else --project, else [version] in the repository's committed .citools.ini, else any tag that is a version with an optional prefix (v1.2, release/1.2, tools-0.7) and an optional -suffix.

git-version install-hooks keeps the version files holding the version of the checked-out revision after every commit, checkout, merge and rebase, while git sees them as committed.

git's builtin "git version" shadows this command: run it as git-version.`

type grammar struct {
	cli.Flags
	Dir       string `short:"C" name:"dir" placeholder:"DIR" help:"Run as if started in DIR."`
	Rev       string `placeholder:"REV" help:"The revision to describe (default HEAD)."`
	Project   string `placeholder:"NAME" help:"Count only tags NAME-<version> (overrides .citools.ini)."`
	Match     string `placeholder:"GLOB" help:"Count only tags matching GLOB, as git describe --match."`
	TagRegexp string `placeholder:"RE" help:"Count only tags matching the Go regexp RE; its group (?P<version>...) is the version."`
	Format    string `placeholder:"FORMAT" default:"plain" help:"plain (1.2.4), tuple ((1, 2, 4)), json, or a Go template such as '{{.version}}-{{.branch_suffix}}'."`
	Write     bool   `help:"Write the version into the files listed in .citools.ini [version] files (or the default ones)."`

	Show           showCmd           `cmd:"" default:"1" hidden:"" help:"Print the version of a revision."`
	InstallHooks   installHooksCmd   `cmd:"" name:"install-hooks" help:"Keep the version files current after every commit, checkout, merge and rebase."`
	UninstallHooks uninstallHooksCmd `cmd:"" name:"uninstall-hooks" help:"Remove what install-hooks added, and put the committed form back into the version files."`
	Hook           hookCmd           `cmd:"" hidden:"" help:"Run as a git hook (the installed hooks call this)."`
	FilterProcess  filterProcessCmd  `cmd:"" name:"filter-process" hidden:"" help:"Run as git's clean filter for the version files."`
}

// showCmd is what git-version does without a command: its flags are the
// root's.
type showCmd struct{}

func (showCmd) Run(env *cli.Env, c *grammar) error {
	if err := version.CheckFormat(c.Format); err != nil {
		return err
	}
	p, err := project.Open(env.Ctx, c.Dir)
	if err != nil {
		return err
	}
	rules := p.Rules(version.Rules{TagRegexp: c.TagRegexp, Match: c.Match, Project: c.Project})
	res, err := p.Describe(env.Ctx, c.Rev, rules)
	if err != nil {
		return err
	}
	if c.Write {
		changes, err := p.Write(res.Version)
		if err != nil {
			return err
		}
		if err := hooks.Written(env.Ctx, p, changes); err != nil {
			return err
		}
		if len(changes) > 0 {
			names := make([]string, len(changes))
			for i, c := range changes {
				names[i] = c.Name
			}
			fmt.Fprintf(env.Stderr, "git-version: wrote %s to %s\n", res.Version, strings.Join(names, ", "))
		}
	}
	return version.Write(env.Stdout, c.Format, res.Version, res.Fields())
}

type installHooksCmd struct{}

func (installHooksCmd) Run(env *cli.Env, root *grammar) error {
	k, err := keeper(env, root)
	if err != nil {
		return err
	}
	return k.Install(env.Ctx)
}

type uninstallHooksCmd struct{}

func (uninstallHooksCmd) Run(env *cli.Env, root *grammar) error {
	k, err := keeper(env, root)
	if err != nil {
		return err
	}
	return k.Uninstall(env.Ctx)
}

func keeper(env *cli.Env, root *grammar) (*hooks.Keeper, error) {
	if root.Rev != "" || root.Project != "" || root.Match != "" || root.TagRegexp != "" || root.Format != "plain" || root.Write {
		return nil, &cli.ExitError{Code: cli.ExitUsage,
			Err: fmt.Errorf("the hooks take no --rev, --project, --match, --tag-regexp, --format or --write: they write the version of the checked-out revision under the rules of %s", config.ProjectFile)}
	}
	p, err := project.Open(env.Ctx, root.Dir)
	if err != nil {
		return nil, err
	}
	return &hooks.Keeper{Project: p, Tool: cli.Version, Log: env.Stderr}, nil
}

type hookCmd struct {
	Chained string   `placeholder:"PATH" help:"The hook that was there before, to run first."`
	SetUp   bool     `name:"set-up" help:"Set the filter up first where install-hooks has not (for hook managers such as the pre-commit framework)."`
	Name    string   `arg:"" optional:"" help:"The hook git runs: post-commit, post-checkout, post-merge or post-rewrite (a hook manager may leave it out)."`
	Args    []string `arg:"" optional:"" passthrough:"" help:"git's arguments to the hook."`
}

func (c *hookCmd) Run(env *cli.Env, root *grammar) error {
	h := hooks.Hook{Name: c.Name, Args: c.Args, Chained: c.Chained, Dir: root.Dir, Tool: cli.Version, SetUp: c.SetUp}
	if status := hooks.Run(env.Ctx, h, os.Stdin, env.Stdout, env.Stderr); status != 0 {
		return &cli.ExitError{Code: status, Err: cli.ErrSilent}
	}
	return nil
}

type filterProcessCmd struct{}

func (filterProcessCmd) Run(env *cli.Env, root *grammar) error {
	return hooks.Filter(env.Ctx, root.Dir, os.Stdin, env.Stdout, env.Stderr)
}

func main() {
	os.Exit(cli.Main("git-version", description, &grammar{}))
}
