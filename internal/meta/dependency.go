// Package meta is the version of a meta package: its own version plus the
// sum of the versions of the repositories it bundles, each read from a bare
// mirror of that repository at the branch the meta repository follows.
package meta

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/citools/citools/internal/config"
)

// Dependency is a repository the meta package bundles.
type Dependency struct {
	// Name is the project name: its tags are Name-<version>.
	Name string
	// Named says the name was given (NAME=URL, or a [dependency "NAME"]
	// section) rather than derived from the URL, so only Name-<version>
	// tags count.
	Named bool
	// URL is the repository as written; Location is what git is given: the
	// same, or an absolute path for a relative local path.
	URL      string
	Location string
	// Branch is the branch asked for; empty follows the meta repository.
	Branch string
}

// validName is a NAME before "=" in a DEP: a word without slashes or colons,
// so that a URL containing "=" is not mistaken for NAME=URL.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// parse reads a command-line DEP, [NAME=]URL[#BRANCH]. A relative local
// path is taken from dir.
func parse(arg, dir string) (Dependency, error) {
	var dep Dependency
	rest := arg
	if name, url, ok := strings.Cut(arg, "="); ok && validName.MatchString(name) {
		dep.Name, dep.Named, rest = name, true, url
	}
	if i := strings.LastIndexByte(rest, '#'); i >= 0 {
		rest, dep.Branch = rest[:i], rest[i+1:]
		if err := checkBranch(dep.Branch); err != nil {
			return Dependency{}, fmt.Errorf("dependency %s: %w", Redact(arg), err)
		}
	}
	if rest == "" {
		return Dependency{}, fmt.Errorf("dependency %q: no URL (write [NAME=]URL[#BRANCH])", Redact(arg))
	}
	dep.URL = rest
	if !dep.Named {
		dep.Name = NameFromURL(rest)
		if dep.Name == "" {
			return Dependency{}, fmt.Errorf("dependency %s: no name in the URL; write NAME=URL", Redact(rest))
		}
	}
	dep.Location = location(rest, dir)
	return dep, nil
}

// Dependencies are the DEP arguments (relative paths taken from dir) or,
// when there are none, the .citools.ini sections (relative paths taken from
// top), their names checked.
func Dependencies(args []string, dir string, sections []config.Dependency, top string) ([]Dependency, error) {
	var deps []Dependency
	if len(args) == 0 {
		var err error
		if deps, err = fromConfig(sections, top); err != nil {
			return nil, err
		}
	}
	for _, arg := range args {
		dep, err := parse(arg, dir)
		if err != nil {
			return nil, err
		}
		deps = append(deps, dep)
	}
	return deps, checkNames(deps)
}

// fromConfig turns .citools.ini [dependency "NAME"] sections into
// dependencies; relative local paths are taken from top, the repository's.
func fromConfig(sections []config.Dependency, top string) ([]Dependency, error) {
	var deps []Dependency
	for _, s := range sections {
		if s.Branch != "" {
			if err := checkBranch(s.Branch); err != nil {
				return nil, fmt.Errorf("%s [dependency %q]: %w", config.ProjectFile, s.Name, err)
			}
		}
		deps = append(deps, Dependency{
			Name: s.Name, Named: true, URL: s.URL, Location: location(s.URL, top), Branch: s.Branch,
		})
	}
	return deps, nil
}

// checkNames refuses two dependencies of one name: the name is what tags,
// the JSON and debian/control know a dependency by.
func checkNames(deps []Dependency) error {
	if len(deps) == 0 {
		return errors.New(`no dependencies: give DEP arguments ([NAME=]URL[#BRANCH]) or [dependency "NAME"] sections in ` + config.ProjectFile)
	}
	seen := map[string]Dependency{}
	for _, dep := range deps {
		if other, ok := seen[dep.Name]; ok {
			return fmt.Errorf("two dependencies are named %s (%s and %s); name them apart with NAME=URL", dep.Name, Redact(other.URL), Redact(dep.URL))
		}
		seen[dep.Name] = dep
	}
	return nil
}

// checkBranch refuses what cannot be a branch name, before any network.
func checkBranch(branch string) error {
	switch {
	case branch == "":
		return errors.New("empty branch after #")
	case strings.HasPrefix(branch, "-"), strings.Contains(branch, ".."),
		strings.ContainsAny(branch, " \t\n~^:?*[\\"), strings.HasSuffix(branch, ".lock"):
		return fmt.Errorf("%q is not a branch name", branch)
	}
	return nil
}

// NameFromURL is the last path segment of a repository URL or path, without
// ".git": https://host/group/library1.git, git@host:library1 and
// /srv/library1/.git are all "library1".
func NameFromURL(url string) string {
	s := url
	if _, after, ok := strings.Cut(s, "://"); ok {
		s = after
		// Without a path there is only the host, which names no project.
		_, s, ok = strings.Cut(s, "/")
		if !ok {
			return ""
		}
	} else if isSCP(s) {
		_, s, _ = strings.Cut(s, ":")
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	segments := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '\\' })
	for len(segments) > 0 {
		last := segments[len(segments)-1]
		segments = segments[:len(segments)-1]
		if last == ".git" || last == "." {
			continue
		}
		return strings.TrimSuffix(last, ".git")
	}
	return ""
}

// isSCP reports whether url is git's scp-like syntax, [user@]host:path: a
// colon before any slash.
func isSCP(url string) bool {
	colon := strings.IndexByte(url, ':')
	if colon < 0 || strings.Contains(url, "://") {
		return false
	}
	slash := strings.IndexByte(url, '/')
	return slash < 0 || colon < slash
}

// isLocalPath reports whether url is a path on this machine rather than a
// URL (file:// is a URL: git then uses its transport, not a local clone).
func isLocalPath(url string) bool {
	return !strings.Contains(url, "://") && !isSCP(url)
}

// location is url with a relative local path made absolute from dir.
func location(url, dir string) string {
	if !isLocalPath(url) || filepath.IsAbs(url) {
		return url
	}
	abs, err := filepath.Abs(filepath.Join(dir, url))
	if err != nil {
		return url
	}
	return abs
}
