package hooks

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/citools/citools/internal/config"
	"github.com/citools/citools/internal/git"
	"github.com/citools/citools/internal/project"
	"github.com/citools/citools/internal/rewrite"
)

// The filter driver that keeps the tree clean: git runs
// `git-version filter-process` as a long-running filter process
// (gitattributes(5)) for the version files, and gives it each file's
// working-tree content to clean; the answer is the committed form. One
// process serves a whole git command, however many files it hashes.
const (
	filterDriver  = "citools-version"
	filterKey     = "filter." + filterDriver + ".process"
	filterSection = `[filter "` + filterDriver + `"]`
)

// Filter speaks git's long-running filter protocol (version 2, the clean
// capability only) on in and out until git closes in. dir is where git
// started it, inside the working tree. Problems with one file are reported
// to git as that file's failure, and in one line on log.
func Filter(ctx context.Context, dir string, in io.Reader, out io.Writer, log io.Writer) error {
	r := &pktReader{r: bufio.NewReaderSize(in, 1<<16)}
	w := &pktWriter{w: bufio.NewWriterSize(out, 1<<16)}
	if err := handshake(r, w); err != nil {
		return fmt.Errorf("filter-process: %w", err)
	}
	f := &filter{ctx: ctx, dir: dir}
	defer f.close()
	for {
		request, err := r.list()
		if errors.Is(err, io.EOF) {
			return nil // git is done
		}
		if err != nil {
			return fmt.Errorf("filter-process: %w", err)
		}
		content, err := r.content()
		if err != nil {
			return fmt.Errorf("filter-process: %w", err)
		}
		command, pathname := field(request, "command"), field(request, "pathname")
		if command != "clean" {
			if err := w.list("status=error"); err != nil {
				return err
			}
			continue
		}
		cleaned, err := f.clean(pathname, content)
		if err != nil {
			fmt.Fprintf(log, "git-version: %s\n", oneLine(err))
			if err := w.list("status=error"); err != nil {
				return err
			}
			continue
		}
		if err := w.list("status=success"); err != nil {
			return err
		}
		if err := w.content(cleaned); err != nil {
			return err
		}
		// An empty list: the status stays "success".
		if err := w.flush(); err != nil {
			return err
		}
	}
}

func handshake(r *pktReader, w *pktWriter) error {
	welcome, err := r.list()
	if err != nil {
		return err
	}
	if len(welcome) == 0 || welcome[0] != "git-filter-client" || !slices.Contains(welcome[1:], "version=2") {
		return fmt.Errorf("git offers %q; this filter speaks version 2", welcome)
	}
	if err := w.list("git-filter-server", "version=2"); err != nil {
		return err
	}
	capabilities, err := r.list()
	if err != nil {
		return err
	}
	if !slices.Contains(capabilities, "capability=clean") {
		return fmt.Errorf("git offers %q; this filter needs capability=clean", capabilities)
	}
	return w.list("capability=clean")
}

// filter opens the project on the first file it is asked about: git starts
// the process for checkouts too, which need nothing from it.
type filter struct {
	ctx   context.Context
	dir   string
	forms *committedForms
	// byName takes each file git asks about as a version file of the kind
	// its name says.
	byName bool
}

func (f *filter) clean(name string, content []byte) ([]byte, error) {
	if f.forms == nil {
		p, configErr, err := f.open()
		if err != nil {
			return nil, err
		}
		var targets []rewrite.Target
		if configErr == nil {
			if targets, err = p.Targets(); err != nil {
				configErr = err
			}
		}
		// With a .citools.ini it cannot follow, the filter still knows the
		// file is a version file: the attributes say so.
		f.byName = configErr != nil
		if f.forms, err = openCommittedForms(f.ctx, p, targets); err != nil {
			return nil, err
		}
	}
	if f.byName {
		f.forms.add(name)
	}
	return f.forms.form(name, content)
}

// open opens the project the filter serves; configErr is why its
// .citools.ini could not be read. git starts filters at the top of the
// working tree, for every command that reads a version file; when a .git
// stands there, the top is all the filter needs to know and git need not
// be asked.
func (f *filter) open() (p *project.Project, configErr, err error) {
	var repo *git.Repo
	if _, statErr := os.Lstat(".git"); f.dir == "" && statErr == nil {
		top, err := os.Getwd()
		if err != nil {
			return nil, nil, err
		}
		repo = &git.Repo{Top: top}
	} else if repo, err = git.Open(f.ctx, f.dir); err != nil {
		return nil, nil, err
	}
	cfg, configErr := config.LoadProject(repo.Top)
	if configErr != nil {
		cfg = &config.Project{}
	}
	return &project.Project{Repo: repo, Config: cfg}, configErr, nil
}

func (f *filter) close() {
	if f.forms != nil {
		f.forms.close()
	}
}

// field is the value of key=value in a packet list.
func field(list []string, key string) string {
	for _, kv := range list {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// oneLine keeps a message on the one line a hook or filter may print.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
