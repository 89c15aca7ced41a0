// Package project is a repository together with its committed .citools.ini:
// what the commands need to find a version and write it.
package project

import (
	"context"
	"errors"
	"fmt"

	"github.com/citools/citools/internal/config"
	"github.com/citools/citools/internal/git"
	"github.com/citools/citools/internal/rewrite"
	"github.com/citools/citools/internal/version"
)

// Project is an opened repository and its configuration.
type Project struct {
	Repo   *git.Repo
	Config *config.Project
}

// Open finds the repository holding dir and reads its .citools.ini.
func Open(ctx context.Context, dir string) (*Project, error) {
	repo, err := git.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	cfg := &config.Project{}
	if repo.Top != "" {
		if cfg, err = config.LoadProject(repo.Top); err != nil {
			return nil, err
		}
	}
	return &Project{Repo: repo, Config: cfg}, nil
}

// Rules are the tag rules: the flags' when any is given, else the
// configuration's.
func (p *Project) Rules(flags version.Rules) version.Rules {
	if flags != (version.Rules{}) {
		return flags
	}
	return version.Rules{
		TagRegexp: p.Config.Version.TagRegexp,
		Match:     p.Config.Version.Match,
		Project:   p.Config.Version.Project,
	}
}

// Describe finds the version of rev under the given rules.
func (p *Project) Describe(ctx context.Context, rev string, rules version.Rules) (*version.Result, error) {
	sel, err := version.NewSelector(rules)
	if err != nil {
		return nil, err
	}
	return version.Describe(ctx, p.Repo, rev, sel)
}

// Targets are the files the version is written into.
func (p *Project) Targets() ([]rewrite.Target, error) {
	if p.Repo.Top == "" {
		return nil, errors.New("writing version files needs a working tree; this repository is bare")
	}
	targets, err := rewrite.Targets(p.Repo.Top, p.Config.Version.Files, p.Config.Version.Project)
	if err != nil {
		return nil, fmt.Errorf("%s [version] %w", config.ProjectFile, err)
	}
	return targets, nil
}

// Write puts v into the project's files and returns what it changed.
func (p *Project) Write(v version.Version) ([]rewrite.Change, error) {
	targets, err := p.Targets()
	if err != nil {
		return nil, err
	}
	changes, err := rewrite.Plan(p.Repo.Top, targets, v)
	if err != nil {
		return nil, err
	}
	return changes, rewrite.Write(changes)
}
