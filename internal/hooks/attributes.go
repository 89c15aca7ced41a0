package hooks

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/citools/citools/internal/atomicfile"
	"github.com/citools/citools/internal/git"
)

// The version files get the filter from $GIT_COMMON_DIR/info/attributes:
// local to the clone, shared by its worktrees, never committed, and above
// every .gitattributes in precedence.

// attributesComment heads the lines git-version adds.
const attributesComment = "# git-version install-hooks: the committed form of these version files is kept (git-version uninstall-hooks removes these lines)"

const attributeSuffix = " filter=" + filterDriver

// attributeLine gives one file, slash-separated from the top, the filter.
func attributeLine(name string) string {
	return attributePattern(name) + attributeSuffix
}

// attributePattern is the gitattributes pattern that matches exactly name:
// anchored at the top, glob characters escaped, and C-quoted when it holds
// whitespace or a quote.
func attributePattern(name string) string {
	var glob strings.Builder
	glob.WriteByte('/')
	for _, r := range name {
		if strings.ContainsRune(`\*?[`, r) {
			glob.WriteByte('\\')
		}
		glob.WriteRune(r)
	}
	pattern := glob.String()
	if !strings.ContainsAny(pattern, " \t\"") {
		return pattern
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\t", `\t`).Replace(pattern) + `"`
}

func ours(line string) bool {
	return line == attributesComment || strings.HasSuffix(line, attributeSuffix)
}

// withAttributes returns content with git-version's comment and a line
// for each of names that it lacks, added after the lines git-version added
// before (or at the end).
func withAttributes(content []byte, names []string) []byte {
	lines := splitLines(content)
	have := map[string]bool{}
	last := -1
	for i, line := range lines {
		if ours(line) {
			have[line] = true
			last = i
		}
	}
	want := []string{attributesComment}
	for _, name := range names {
		want = append(want, attributeLine(name))
	}
	var add []string
	for _, line := range want {
		if !have[line] {
			have[line] = true
			add = append(add, line)
		}
	}
	if len(add) == 0 {
		return content
	}
	if last < 0 {
		last = len(lines) - 1
	}
	return joinLines(slices.Concat(lines[:last+1], add, lines[last+1:]))
}

// withoutAttributes returns content without the lines git-version added.
func withoutAttributes(content []byte) []byte {
	var kept []string
	for _, line := range splitLines(content) {
		if !ours(line) {
			kept = append(kept, line)
		}
	}
	return joinLines(kept)
}

func splitLines(content []byte) []string {
	if len(content) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(content), "\n"), "\n")
}

func joinLines(lines []string) []byte {
	if len(lines) == 0 {
		return nil
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// attributesPath is where git reads the repository's own attributes, as
// `git rev-parse --git-path info/attributes` says (info is one of the paths
// worktrees share), without running git to ask.
func attributesPath(repo *git.Repo) string {
	return filepath.Join(repo.CommonDir, "info", "attributes")
}

// addAttributes makes sure info/attributes gives each of names the filter.
// Lines for files that are no longer version files stay until uninstall:
// another worktree may have them as version files, and for the others the
// filter changes nothing.
func addAttributes(repo *git.Repo, names []string) error {
	path := attributesPath(repo)
	content, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	updated := withAttributes(content, names)
	if bytes.Equal(updated, content) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, updated, 0o644)
}

// removeAttributes takes git-version's lines out of info/attributes, and
// the file away if nothing else is left in it.
func removeAttributes(repo *git.Repo) (bool, error) {
	path := attributesPath(repo)
	content, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	updated := withoutAttributes(content)
	if bytes.Equal(updated, content) {
		return false, nil
	}
	if len(updated) == 0 {
		return true, os.Remove(path)
	}
	return true, atomicfile.Write(path, updated, 0o644)
}
