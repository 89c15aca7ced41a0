package meta

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/citools/citools/internal/project"
	"github.com/citools/citools/internal/rewrite"
)

// Written is what Write changed.
type Written struct {
	// Files got the meta version, as git-version --write would write it.
	Files []string
	// Pins are the debian/control files that changed.
	Pins []Pin
	// Notes name dependencies that a debian/control does not depend on.
	Notes []string
}

// Write puts the meta version into the project's version files and pins,
// in each debian/control listed in its files, the packages of every
// dependency to the version found: the package named like the dependency
// and those its own debian/control builds. The packages this debian/control
// builds itself are pinned to the meta version. Every file is checked
// before any is written; unchanged files are not touched.
func Write(p *project.Project, res *Result) (*Written, error) {
	targets, err := p.Targets()
	if err != nil {
		return nil, err
	}
	changes, err := rewrite.Plan(p.Repo.Top, targets, res.Version)
	if err != nil {
		return nil, err
	}
	w := &Written{}
	for _, c := range changes {
		w.Files = append(w.Files, c.Name)
	}
	for _, name := range rewrite.ControlFiles(p.Config.Version.Files) {
		change, pinned, err := pinControl(p.Repo.Top, name, res, w)
		if err != nil {
			return nil, err
		}
		if change != nil {
			changes = append(changes, *change)
			w.Pins = append(w.Pins, Pin{File: name, Relations: pinned})
		}
	}
	return w, rewrite.Write(changes)
}

// Pin is a debian/control and its relations now pinned
// ("library1 (= 1.0.59.1)").
type Pin struct {
	File      string
	Relations []string
}

// pinControl computes the pinned content of one debian/control.
func pinControl(top, name string, res *Result, w *Written) (*rewrite.Change, []string, error) {
	path := filepath.Join(top, filepath.FromSlash(name))
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%s: listed in files but does not exist", name)
	}
	if err != nil {
		return nil, nil, err
	}
	pins := map[string]string{}
	for _, pkg := range rewrite.ControlPackages(old) {
		pins[pkg] = res.Version.String()
	}
	for _, r := range res.Dependencies {
		for _, pkg := range append([]string{r.Name}, r.Packages...) {
			pins[pkg] = r.Result.Version.String()
		}
	}
	updated, found := rewrite.PinDepends(old, pins)
	for _, r := range res.Dependencies {
		names := append([]string{r.Name}, r.Packages...)
		if !anyFound(found, names) {
			w.Notes = append(w.Notes, fmt.Sprintf("%s: no Depends names %s; nothing pinned for it", name, strings.Join(names, " or ")))
		}
	}
	if bytes.Equal(old, updated) {
		return nil, nil, nil
	}
	var pinned []string
	for pkg := range found {
		pinned = append(pinned, fmt.Sprintf("%s (= %s)", pkg, pins[pkg]))
	}
	sort.Strings(pinned)
	return &rewrite.Change{Name: name, Path: path, Old: old, New: updated}, pinned, nil
}

func anyFound(found map[string]bool, names []string) bool {
	for _, name := range names {
		if found[name] {
			return true
		}
	}
	return false
}
