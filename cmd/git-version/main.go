// Command git-version prints the release number of a revision, made from
// its highest version tag and the commits since, and writes it into the
// project's files.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/citools/citools/internal/cli"
	"github.com/citools/citools/internal/project"
	"github.com/citools/citools/internal/version"
)

const description = `The release number of a revision, from its tags.

The highest version tag reachable from the revision gives the leading numbers (tag myproj-1.2 gives 1.2); the last number is how many commits came since it (1.2.4). Without a version tag the version is 0.0.<number of commits>.

Tags are chosen by --tag-regexp, else --match, else --project, else [version] in the repository's committed .citools.ini, else any tag that is a version with an optional prefix (v1.2, release/1.2, tools-0.7) and an optional -suffix.

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
}

func (g *grammar) Run(env *cli.Env) error {
	if err := version.CheckFormat(g.Format); err != nil {
		return err
	}
	p, err := project.Open(env.Ctx, g.Dir)
	if err != nil {
		return err
	}
	rules := p.Rules(version.Rules{TagRegexp: g.TagRegexp, Match: g.Match, Project: g.Project})
	res, err := p.Describe(env.Ctx, g.Rev, rules)
	if err != nil {
		return err
	}
	if g.Write {
		changes, err := p.Write(res.Version)
		if err != nil {
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
	return version.Write(env.Stdout, g.Format, res.Version, res.Fields())
}

func main() {
	os.Exit(cli.Main("git-version", description, &grammar{}))
}
