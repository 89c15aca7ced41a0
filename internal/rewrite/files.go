package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/citools/citools/internal/atomicfile"
	"github.com/citools/citools/internal/version"
)

// Target is a file to keep the version in.
type Target struct {
	Name string // slash-separated, from the top of the repository
	Kind Kind
}

// Targets turns the configured list of files into targets. With no list
// (nil), the defaults are: VERSION at the top if present, setup.py if it has
// __versionstr__, and <project>/__init__.py if it exists.
func Targets(top string, files []string, project string) ([]Target, error) {
	if files == nil {
		return defaultTargets(top, project), nil
	}
	var targets []Target
	for _, name := range files {
		clean := path.Clean(filepath.ToSlash(name))
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, fmt.Errorf("files: %s: must be a path inside the repository", name)
		}
		if IsControl(clean) {
			continue // no version of its own: git-metaversion pins its Depends
		}
		kind := KindOf(clean)
		if kind == nil {
			return nil, fmt.Errorf("files: %s: unknown kind of version file (known: *.py, VERSION, version.txt, debian/changelog, debian/control, package.json, *.go)", name)
		}
		targets = append(targets, Target{Name: clean, Kind: kind})
	}
	return targets, nil
}

// defaultTargets are the seed's files, each only where it has a place for
// the version: a default that does not apply is no error.
func defaultTargets(top, project string) []Target {
	var targets []Target
	if info, err := os.Stat(filepath.Join(top, "VERSION")); err == nil && info.Mode().IsRegular() {
		targets = append(targets, Target{Name: "VERSION", Kind: plainFile{}})
	}
	if hasPlace(top, "setup.py", versionstrOnly{}) {
		targets = append(targets, Target{Name: "setup.py", Kind: python{}})
	}
	if project != "" && hasPlace(top, project+"/__init__.py", python{}) {
		targets = append(targets, Target{Name: project + "/__init__.py", Kind: python{}})
	}
	return targets
}

func hasPlace(top, name string, k Kind) bool {
	data, err := os.ReadFile(filepath.Join(top, filepath.FromSlash(name)))
	if err != nil {
		return false
	}
	places, err := k.Places(data)
	return err == nil && len(places) > 0
}

// versionstrOnly finds setup.py's __versionstr__, the seed's sign that
// setup.py carries the version.
type versionstrOnly struct{}

func (versionstrOnly) Name() string { return "setup.py" }

func (versionstrOnly) Places(content []byte) ([]Place, error) {
	var places []Place
	for _, m := range pyString.FindAllSubmatchIndex(content, -1) {
		if strings.HasPrefix(string(content[m[0]:m[1]]), "__versionstr__") {
			places = append(places, Place{Start: m[0], End: m[1]})
		}
	}
	return places, nil
}

// Change is a file whose content a version changes.
type Change struct {
	Name string
	Path string
	Old  []byte
	New  []byte
}

// Plan reads every target and computes its new content, before anything is
// written: one file that cannot take the version stops all of them.
// Files already holding v are left out.
func Plan(top string, targets []Target, v version.Version) ([]Change, error) {
	var changes []Change
	for _, t := range targets {
		p := filepath.Join(top, filepath.FromSlash(t.Name))
		old, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: listed in files but does not exist", t.Name)
		}
		if err != nil {
			return nil, err
		}
		updated, err := Apply(t.Kind, t.Name, old, v)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(old, updated) {
			changes = append(changes, Change{Name: t.Name, Path: p, Old: old, New: updated})
		}
	}
	return changes, nil
}

// Write writes each change atomically, keeping the file's mode.
func Write(changes []Change) error {
	for _, c := range changes {
		if err := atomicfile.Write(c.Path, c.New, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", c.Name, err)
		}
	}
	return nil
}
