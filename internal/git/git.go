// Package git runs the git binary. citools asks git itself wherever git has
// an opinion (which repository, which refs, which history, which hooks path),
// so that what the tools say agrees with what `git` says.
package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Repo is a repository as git sees it from a directory.
type Repo struct {
	// Top is the top of the working tree; empty for a bare repository.
	Top string
	// GitDir is this worktree's git directory; CommonDir is the one that
	// holds objects and refs (they differ in linked worktrees).
	GitDir    string
	CommonDir string
	Bare      bool
	Shallow   bool
	// Head is the commit HEAD pointed at when the repository was opened
	// (empty in a repository without commits); open again to see a later
	// one. HeadRef is what HEAD names: "refs/heads/main", or "HEAD"
	// when detached.
	Head    string
	HeadRef string
	// Env is the environment of every command run in the repository; nil
	// is this process's own.
	Env []string
}

// Open finds the repository that holds dir, as `git -C dir` would.
func Open(ctx context.Context, dir string) (*Repo, error) {
	if dir == "" {
		dir = "."
	}
	// One process for all of it, because a process costs milliseconds. git
	// prints answers in order and stops at the first it cannot give: HEAD
	// in a repository without commits, the top outside a working tree.
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse",
		"--is-bare-repository", "--absolute-git-dir", "--git-common-dir", "--is-shallow-repository",
		"HEAD^{commit}", "--symbolic-full-name", "HEAD", "--show-toplevel", "--")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) < 4 {
		if err == nil {
			err = errors.New("unexpected output from git rev-parse")
		}
		return nil, fmt.Errorf("%s: %w", dir, commandError(err, &stderr))
	}
	repo := &Repo{
		Bare:      lines[0] == "true",
		GitDir:    lines[1],
		CommonDir: lines[2],
		Shallow:   lines[3] == "true",
	}
	if !filepath.IsAbs(repo.CommonDir) {
		// git prints it relative to the directory it ran in.
		abs, absErr := filepath.Abs(filepath.Join(dir, repo.CommonDir))
		if absErr != nil {
			return nil, absErr
		}
		repo.CommonDir = abs
	}
	rest := lines[4:]
	if len(rest) > 0 && isHash(rest[0]) {
		repo.Head, rest = rest[0], rest[1:]
		if len(rest) > 0 && (rest[0] == "HEAD" || strings.HasPrefix(rest[0], "refs/")) {
			repo.HeadRef, rest = rest[0], rest[1:]
		}
	}
	if len(rest) > 0 && rest[0] != "--" {
		repo.Top = rest[0]
	}
	switch {
	case err == nil || repo.Bare:
	case repo.Head == "":
		// No commits yet: ask for the top on its own.
		top, topErr := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--show-toplevel").Output()
		if topErr == nil {
			repo.Top = strings.TrimRight(string(top), "\n")
		}
		ref, refErr := exec.CommandContext(ctx, "git", "-C", dir, "symbolic-ref", "-q", "HEAD").Output()
		if refErr == nil {
			repo.HeadRef = strings.TrimRight(string(ref), "\n")
		}
	case repo.Top == "":
		// Inside the .git directory of a working tree: fine for history.
	default:
		return nil, fmt.Errorf("%s: %w", dir, commandError(err, &stderr))
	}
	return repo, nil
}

func isHash(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Dir is where commands run: the working tree's top, or the git directory of
// a bare repository.
func (r *Repo) Dir() string {
	if r.Top != "" {
		return r.Top
	}
	return r.GitDir
}

// waitDelay is how long a killed git's output may stay open.
const waitDelay = 2 * time.Second

// Command prepares `git args...` in the repository.
func (r *Repo) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = r.Dir()
	cmd.Env = r.Env
	// When the context ends git is killed, but what it started (ssh, a
	// credential helper) may hold its output open: stop waiting for them.
	cmd.WaitDelay = waitDelay
	return cmd
}

// Output runs `git args...` and returns its standard output. A failure's
// error carries git's own first line of complaint.
func (r *Repo) Output(ctx context.Context, args ...string) ([]byte, error) {
	cmd := r.Command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("git %s: %w", subcommand(args), commandError(err, &stderr))
	}
	return out, nil
}

// subcommand is the command in git's arguments, past any "-c name=value".
func subcommand(args []string) string {
	for len(args) > 2 && args[0] == "-c" {
		args = args[2:]
	}
	return args[0]
}

// Line runs `git args...` and returns its output without the final newline.
func (r *Repo) Line(ctx context.Context, args ...string) (string, error) {
	out, err := r.Output(ctx, args...)
	return strings.TrimRight(string(out), "\n"), err
}

// Path resolves `git rev-parse --git-path name`: where git really keeps name
// (hooks honour core.hooksPath, worktrees share the common directory).
func (r *Repo) Path(ctx context.Context, name string) (string, error) {
	p, err := r.Line(ctx, "rev-parse", "--git-path", name)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(r.Dir(), p)
	}
	return p, nil
}

// Exists reports whether name exists under the common git directory.
func (r *Repo) Exists(name string) bool {
	_, err := os.Stat(filepath.Join(r.CommonDir, name))
	return err == nil
}

// commandError turns an exec failure into git's own message where there is
// one ("fatal: bad revision 'x'" becomes "bad revision 'x'").
func commandError(err error, stderr *bytes.Buffer) error {
	var exitErr *exec.ExitError
	if errors.Is(err, exec.ErrNotFound) {
		return errors.New("git is not installed or not on PATH")
	}
	if !errors.As(err, &exitErr) {
		return err
	}
	msg := strings.TrimSpace(stderr.String())
	if msg == "" {
		return err
	}
	// The first line that is not a warning or a hint says what went wrong
	// ("warning: filtering not recognized by server" comes before the error).
	line, _, _ := strings.Cut(msg, "\n")
	for _, l := range strings.Split(msg, "\n") {
		if !strings.HasPrefix(l, "warning: ") && !strings.HasPrefix(l, "hint: ") && strings.TrimSpace(l) != "" {
			line = l
			break
		}
	}
	for _, prefix := range []string{"fatal: ", "error: "} {
		line = strings.TrimPrefix(line, prefix)
	}
	return errors.New(line)
}
