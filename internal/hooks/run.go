package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/citools/citools/internal/git"
	"github.com/citools/citools/internal/project"
	"github.com/citools/citools/internal/version"
)

// Hook is one run of a hook by git.
type Hook struct {
	// Name is post-commit, post-checkout, post-merge or post-rewrite; empty
	// when a hook manager runs it for any of them.
	Name string
	Args []string // git's arguments to the hook
	// Chained is where the hook that was there before ours is kept; it runs
	// first when it is there and executable, as git would run it.
	Chained string
	// Dir is where git ran the hook: the top of the working tree.
	Dir string
	// Tool is citools' own version (see Keeper).
	Tool string
	// SetUp sets the filter up first where it is not, even without a
	// .citools.ini: hook managers such as the pre-commit framework install
	// hook scripts of their own, and their users never run install-hooks.
	SetUp bool
}

// Run runs the chained hook, then writes the version. It never fails on
// git's behalf: when the version cannot be written it says why in one line
// on stderr. The result is the exit status git would have seen from the
// chained hook alone (0 without one), since for post-checkout that becomes
// the status of the checkout.
func Run(ctx context.Context, h Hook, stdin io.Reader, stdout, stderr io.Writer) int {
	status := runChained(ctx, h, stdin, stdout, stderr)
	if h.Name == "post-rewrite" && len(h.Args) > 0 && h.Args[0] == "amend" {
		// post-commit has just written the version of the amended commit.
		return status
	}
	if err := update(ctx, h, stderr); err != nil {
		name := h.Name
		if name == "" {
			name = "hook"
		}
		fmt.Fprintf(stderr, "git-version: %s: the version files were not updated: %s\n", name, oneLine(err))
	}
	return status
}

func update(ctx context.Context, h Hook, log io.Writer) error {
	p, err := project.Open(ctx, h.Dir)
	if err != nil {
		return err
	}
	if p.Repo.Top == "" {
		return nil
	}
	if !setUp(p.Repo) {
		// Hooks can run where nobody installed them: shared through
		// core.hooksPath, or copied from a template by git clone. A project
		// with a committed .citools.ini asks for its version files to be
		// kept, so the hook sets the filter up as install-hooks would; any
		// other repository is left alone.
		if !h.SetUp && p.Config.Path == "" {
			return nil
		}
		if err := setUpFilter(ctx, p.Repo); err != nil {
			return err
		}
		fmt.Fprintf(log, "git-version: set up to keep this repository's version files current (git-version uninstall-hooks undoes it)\n")
	}
	if midSequence(p.Repo) {
		return nil
	}
	k := &Keeper{Project: p, Tool: h.Tool, Log: log}
	if _, _, err = k.Update(ctx); errors.Is(err, version.ErrEmpty) {
		return nil // an orphan branch: nothing to count yet
	}
	return err
}

// runChained runs the hook that was there before ours, the way git runs
// hooks: only when it is a regular file executable by its owner, falling
// back to sh for a script without a #! line.
func runChained(ctx context.Context, h Hook, stdin io.Reader, stdout, stderr io.Writer) int {
	if h.Chained == "" {
		return 0
	}
	info, err := os.Stat(h.Chained)
	if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o100 == 0 {
		return 0
	}
	run := func(name string, args ...string) error {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
		return cmd.Run()
	}
	err = run(h.Chained, h.Args...)
	if errors.Is(err, syscall.ENOEXEC) {
		err = run("/bin/sh", append([]string{h.Chained}, h.Args...)...)
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		if code := exit.ExitCode(); code > 0 {
			return code
		}
		return 1 // killed by a signal
	case err != nil:
		fmt.Fprintf(stderr, "git-version: cannot run %s: %s\n", h.Chained, oneLine(err))
		return 1
	}
	return 0
}

// midSequence reports whether a rebase, cherry-pick or revert has more
// steps to take. Between its steps git keeps the index in memory and does
// not look at the files again before the next merge, which would then
// refuse to overwrite a version file written meanwhile. The hook of the
// last step, or post-rewrite after a rebase, writes the version instead.
func midSequence(repo *git.Repo) bool {
	// A rebase's todo list holds the steps after the current one; a
	// cherry-pick's or revert's still holds the current one.
	return commands(filepath.Join(repo.GitDir, "rebase-merge", "git-rebase-todo")) > 0 ||
		commands(filepath.Join(repo.GitDir, "sequencer", "todo")) > 1
}

// commands counts the commands in a todo list: its lines that are neither
// blank nor comments.
func commands(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			n++
		}
	}
	return n
}
