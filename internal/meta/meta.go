package meta

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/citools/citools/internal/version"
)

// Options say where the mirrors live and how the work is done.
type Options struct {
	// CacheDir keeps the mirrors between runs; empty uses a temporary
	// directory, removed before Compute returns.
	CacheDir string
	// Jobs bounds how many dependencies are fetched at once.
	Jobs int
	// Packages asks for the binary packages of each dependency's
	// debian/control, to pin them in this repository's.
	Packages bool
	// Waiting, when not nil, is told that another run holds a mirror.
	Waiting func(dep Dependency)
}

// Result is a meta package's version and what it is made of.
type Result struct {
	Own          *version.Result
	Version      version.Version
	Dependencies []*Resolved
}

// Compute finds every dependency's version, in parallel, and sums them with
// own, the meta repository's own version. Dependencies follow own.Branch.
// Every dependency that fails is reported, each by name.
func Compute(ctx context.Context, own *version.Result, deps []Dependency, opts Options) (*Result, error) {
	var cache *Cache
	var err error
	if opts.CacheDir != "" {
		cache, err = openCache(opts.CacheDir)
	} else {
		var remove func()
		cache, remove, err = tempCache()
		if err == nil {
			defer remove()
		}
	}
	if err != nil {
		return nil, err
	}
	cache.Waiting = opts.Waiting

	jobs := max(opts.Jobs, 1)
	resolved := make([]*Resolved, len(deps))
	errs := make([]error, len(deps))
	slots := make(chan struct{}, jobs)
	var wg sync.WaitGroup
	for i, dep := range deps {
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-slots }()
			r, err := resolve(ctx, cache, dep, own.Branch, opts.Packages)
			if err != nil {
				errs[i] = fmt.Errorf("dependency %s (%s): %s", dep.Name, Redact(dep.URL), Redact(err.Error()))
				return
			}
			resolved[i] = r
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	versions := []version.Version{own.Version}
	for _, r := range resolved {
		versions = append(versions, r.Result.Version)
	}
	total, err := version.Sum(versions...)
	if err != nil {
		return nil, err
	}
	return &Result{Own: own, Version: total, Dependencies: resolved}, nil
}

// Fields is what --format json prints and a template sees: git-version's
// fields of the meta repository with the meta version, its own version, and
// each dependency's.
type Fields struct {
	version.Fields
	Own          string             `json:"own"`
	Dependencies []DependencyFields `json:"dependencies"`
}

// DependencyFields is one dependency in Fields; tag is null when it has none.
type DependencyFields struct {
	Name    string  `json:"name"`
	URL     string  `json:"url"`
	Branch  string  `json:"branch"`
	Version string  `json:"version"`
	Commit  string  `json:"commit"`
	Tag     *string `json:"tag"`
}

// Fields of the result. URLs are redacted.
func (res *Result) Fields() Fields {
	f := Fields{Fields: res.Own.Fields(), Own: res.Own.Version.String()}
	f.Version = res.Version.String()
	f.Tuple = append([]int(nil), res.Version...)
	f.Dependencies = []DependencyFields{}
	for _, r := range res.Dependencies {
		d := DependencyFields{
			Name:    r.Name,
			URL:     Redact(r.URL),
			Branch:  r.Result.Branch,
			Version: r.Result.Version.String(),
			Commit:  r.Result.Commit,
		}
		if r.Result.Tag != "" {
			tag := r.Result.Tag
			d.Tag = &tag
		}
		f.Dependencies = append(f.Dependencies, d)
	}
	return f
}
