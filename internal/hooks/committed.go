package hooks

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/citools/citools/internal/git"
	"github.com/citools/citools/internal/project"
	"github.com/citools/citools/internal/rewrite"
)

// committedForms gives the committed form of a working tree's version
// files: the file with the committed text put back where the version
// stands. It reads the committed content through one running
// `git cat-file --batch`.
type committedForms struct {
	project *project.Project
	targets []rewrite.Target
	kinds   map[string]rewrite.Kind
	cmd     *git.Objects
}

func openCommittedForms(ctx context.Context, p *project.Project, targets []rewrite.Target) (*committedForms, error) {
	kinds := make(map[string]rewrite.Kind, len(targets))
	for _, t := range targets {
		kinds[t.Name] = t.Kind
	}
	cmd, err := p.Repo.Objects(ctx)
	if err != nil {
		return nil, err
	}
	return &committedForms{project: p, targets: targets, kinds: kinds, cmd: cmd}, nil
}

// add takes name as a version file of the kind its name says, when citools
// knows that kind.
func (c *committedForms) add(name string) {
	if kind := rewrite.KindOf(name); kind != nil && c.kinds[name] == nil {
		c.kinds[name] = kind
		c.targets = append(c.targets, rewrite.Target{Name: name, Kind: kind})
	}
}

// form maps content, the working-tree content of name (slash-separated,
// from the top), to its committed form. A file that is not a version file
// of this working tree is its own committed form.
func (c *committedForms) form(name string, content []byte) ([]byte, error) {
	kind := c.kinds[name]
	if kind == nil {
		return content, nil
	}
	committed, err := c.committed(name)
	if err != nil {
		return nil, err
	}
	form, err := rewrite.Committed(kind, content, committed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return form, nil
}

// committed is the content name has in the index, or, while the index has
// it only as a conflict, in HEAD; nil when it has neither.
func (c *committedForms) committed(name string) ([]byte, error) {
	for _, rev := range []string{":" + name, "HEAD:" + name} {
		blob, err := c.cmd.Blob(rev)
		if blob != nil || err != nil {
			return blob, err
		}
	}
	return nil, nil
}

// reindex records in the index the new stat data of version files just
// written whose size changed, when their committed form is what the index
// holds. git takes a file whose size differs from the size it recorded as
// changed without reading it, and a version is often longer or shorter than
// the one before (1.2.9, 1.2.10; 0.0.0 just checked out, 1.2.10 written):
// `git status` would list the file, and `git stash` or `git reset --hard`
// would put the committed text back. Hashing the file again, through the
// filter, records the same content with the new size. A file of the same
// size git reads and compares by itself, and every command that could
// overwrite it refreshes the index first (a rebase or cherry-pick between
// its steps does not: see midSequence). Files with real changes besides
// the version, or in a conflict, are left as they are.
func (c *committedForms) reindex(ctx context.Context, changes []rewrite.Change) error {
	var same []string
	for _, change := range changes {
		if len(change.New) == len(change.Old) {
			continue
		}
		indexed, err := c.cmd.Blob(":" + change.Name)
		if err != nil {
			return err
		}
		if indexed == nil {
			continue
		}
		if form, err := c.form(change.Name, change.New); err == nil && bytes.Equal(form, indexed) {
			same = append(same, change.Name)
		}
	}
	if len(same) == 0 {
		return nil
	}
	// Failing (someone else holds the index lock) leaves only the files
	// listed by `git status` until git hashes them again.
	_ = c.project.Repo.Command(ctx, append([]string{"update-index", "-q", "--"}, same...)...).Run()
	return nil
}

// restore writes the committed form into each version file of the working
// tree that holds anything else, and returns what it changed.
func (c *committedForms) restore() ([]rewrite.Change, error) {
	var restored []rewrite.Change
	for _, t := range c.targets {
		name := t.Name
		path := filepath.Join(c.project.Repo.Top, filepath.FromSlash(name))
		content, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return restored, err
		}
		form, err := c.form(name, content)
		if err != nil {
			return restored, err
		}
		if bytes.Equal(form, content) {
			continue
		}
		change := rewrite.Change{Name: name, Path: path, Old: content, New: form}
		if err := rewrite.Write([]rewrite.Change{change}); err != nil {
			return restored, err
		}
		restored = append(restored, change)
	}
	return restored, nil
}

func (c *committedForms) close() error {
	return c.cmd.Close()
}

// withCommittedForms runs use with the committed forms of targets, and
// ends the cat-file process after, whatever use returns.
func withCommittedForms(ctx context.Context, p *project.Project, targets []rewrite.Target, use func(*committedForms) error) error {
	forms, err := openCommittedForms(ctx, p, targets)
	if err != nil {
		return err
	}
	err = use(forms)
	if closeErr := forms.close(); err == nil {
		err = closeErr
	}
	return err
}
