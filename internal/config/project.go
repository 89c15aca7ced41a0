// Package config reads citools' INI files: the project's committed
// .citools.ini, and the restore configuration of git-dbrestore.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/ini.v1"
)

// ProjectFile is the name of the committed configuration at a repository's top.
const ProjectFile = ".citools.ini"

// Project is a repository's .citools.ini.
type Project struct {
	// Path is the file read; empty when the repository has none.
	Path         string
	Version      VersionSection
	Dependencies []Dependency
}

// VersionSection is [version].
type VersionSection struct {
	Project   string
	Match     string
	TagRegexp string
	// Files is nil when the key is absent, so that the defaults apply.
	Files []string
}

// Dependency is a [dependency "NAME"] section, used by git-metaversion.
type Dependency struct {
	Name   string
	URL    string
	Branch string
}

// LoadProject reads top/.citools.ini. A missing file is an empty Project.
func LoadProject(top string) (*Project, error) {
	path := filepath.Join(top, ProjectFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Project{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseProject(path, data)
}

// ParseProject parses the contents of a .citools.ini; path names it in errors.
func ParseProject(path string, data []byte) (*Project, error) {
	file, err := load(path, data)
	if err != nil {
		return nil, err
	}
	p := &Project{Path: path}
	for _, section := range file.Sections() {
		name := section.Name()
		switch {
		case name == ini.DefaultSection:
			if len(section.Keys()) > 0 {
				return nil, fmt.Errorf("%s: key %q is outside any section (put it under [version])", path, section.Keys()[0].Name())
			}
		case name == "version":
			if err := knownKeys(path, section, "project", "match", "tag_regexp", "files"); err != nil {
				return nil, err
			}
			p.Version.Project = section.Key("project").String()
			p.Version.Match = section.Key("match").String()
			p.Version.TagRegexp = section.Key("tag_regexp").String()
			if section.HasKey("files") {
				p.Version.Files = SplitList(section.Key("files").String())
			}
		case strings.HasPrefix(name, "dependency"):
			dep, err := parseDependency(path, section)
			if err != nil {
				return nil, err
			}
			p.Dependencies = append(p.Dependencies, dep)
		default:
			return nil, fmt.Errorf("%s: unknown section [%s] (known: [version], [dependency \"NAME\"])", path, name)
		}
	}
	return p, nil
}

func parseDependency(path string, section *ini.Section) (Dependency, error) {
	rest := strings.TrimSpace(strings.TrimPrefix(section.Name(), "dependency"))
	name := strings.Trim(rest, `"`)
	if name == "" || !strings.HasPrefix(rest, `"`) || !strings.HasSuffix(rest, `"`) || len(rest) < 2 {
		return Dependency{}, fmt.Errorf("%s: section [%s]: write it as [dependency \"NAME\"]", path, section.Name())
	}
	if err := knownKeys(path, section, "url", "branch"); err != nil {
		return Dependency{}, err
	}
	dep := Dependency{
		Name:   name,
		URL:    section.Key("url").String(),
		Branch: section.Key("branch").String(),
	}
	if dep.URL == "" {
		return Dependency{}, fmt.Errorf("%s: [%s]: url is missing", path, section.Name())
	}
	return dep, nil
}

// load parses INI data the way every citools file is read: values may be
// quoted (password="" is the empty string), an indented line with a key is
// an ordinary key (the seed's "    tempdir=..."), an indented line without
// one continues the value above (a long files list), and '#' and ';' start
// comments only at the start of a line.
func load(path string, data []byte) (*ini.File, error) {
	file, err := ini.LoadSources(ini.LoadOptions{
		AllowPythonMultilineValues: false,
		IgnoreInlineComment:        true,
		SpaceBeforeInlineComment:   true,
		UnescapeValueDoubleQuotes:  true,
		KeyValueDelimiters:         "=:",
	}, joinContinuations(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return file, nil
}

// Load parses INI data with citools' rules; path names the file in errors.
func Load(path string, data []byte) (*ini.File, error) {
	return load(path, data)
}

// joinContinuations folds indented lines that hold no key into the line
// above them.
func joinContinuations(data []byte) []byte {
	lines := strings.Split(string(data), "\n")
	out := lines[:0:0]
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		indented := len(line) > 0 && (line[0] == ' ' || line[0] == '\t')
		if indented && trimmed != "" && len(out) > 0 && !strings.ContainsAny(trimmed, "=:") &&
			!strings.HasPrefix(trimmed, "#") && !strings.HasPrefix(trimmed, ";") && !strings.HasPrefix(trimmed, "[") {
			out[len(out)-1] = strings.TrimRight(out[len(out)-1], "\r") + " " + trimmed
			continue
		}
		out = append(out, line)
	}
	return []byte(strings.Join(out, "\n"))
}

func knownKeys(path string, section *ini.Section, known ...string) error {
	for _, key := range section.Keys() {
		found := false
		for _, k := range known {
			if key.Name() == k {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("%s: [%s]: unknown option %q (known: %s)", path, section.Name(), key.Name(), strings.Join(known, ", "))
		}
	}
	return nil
}

// SplitList splits a comma- or space-separated list, dropping empty items.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n'
	})
}
