// Package rewrite puts a version into a project's files. Each kind of file
// (one source file each here) says where its version is: a Place is a span
// of bytes and the form the version takes there. Writing replaces exactly
// those spans; every other byte stays as it was.
package rewrite

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/citools/citools/internal/version"
)

// Form is how a version is spelled at a place.
type Form int

const (
	Dotted Form = iota // 1.2.4
	Tuple              // (1, 2, 4)
	Line               // 1.2.4 and a newline: the whole of a VERSION file
)

// Render spells v in form f.
func (f Form) Render(v version.Version) string {
	switch f {
	case Tuple:
		return v.Tuple()
	case Line:
		return v.String() + "\n"
	default:
		return v.String()
	}
}

// Place is where a version stands in a file: content[Start:End].
type Place struct {
	Start, End int
	Form       Form
}

// Kind is one kind of version file.
type Kind interface {
	// Name says what kind it is, for messages ("Python module").
	Name() string
	// Places finds where the version stands in content; none is no error.
	Places(content []byte) ([]Place, error)
}

// KindOf chooses the kind of file by its path (slash-separated, from the
// top of the repository), or nil when citools does not know it.
func KindOf(name string) Kind {
	base := path.Base(name)
	switch {
	case base == "VERSION" || base == "version.txt":
		return plainFile{}
	case name == "debian/changelog" || strings.HasSuffix(name, "/debian/changelog"):
		return changelog{}
	case base == "package.json":
		return packageJSON{}
	case strings.HasSuffix(base, ".py"):
		return python{}
	case strings.HasSuffix(base, ".go"):
		return goSource{}
	}
	return nil
}

// ErrNoPlace is wrapped by errors for a file with nowhere to put a version.
var ErrNoPlace = errors.New("no place for a version")

// Replace puts v at every place of content and returns the new content.
func Replace(content []byte, places []Place, v version.Version) []byte {
	var out []byte
	last := 0
	for _, p := range places {
		out = append(out, content[last:p.Start]...)
		out = append(out, p.Form.Render(v)...)
		last = p.End
	}
	return append(out, content[last:]...)
}

// Apply finds the places of a file of kind k and puts v there.
func Apply(k Kind, name string, content []byte, v version.Version) ([]byte, error) {
	places, err := k.Places(content)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(places) == 0 {
		return nil, fmt.Errorf("%s: %w (%s)", name, ErrNoPlace, hint(k))
	}
	return Replace(content, places, v), nil
}

func hint(k Kind) string {
	switch k.(type) {
	case python:
		return `a Python file needs a line VERSION = (0, 0, 0) or __versionstr__ = "0.0.0"`
	case changelog:
		return "debian/changelog needs an entry header like: pkg (0.0.0) unstable; urgency=low"
	case packageJSON:
		return `package.json needs a top-level "version"`
	case goSource:
		return `a Go file needs const Version = "0.0.0" or var Version = "0.0.0"`
	}
	return k.Name()
}

func sortPlaces(places []Place) {
	sort.Slice(places, func(i, j int) bool { return places[i].Start < places[j].Start })
}
