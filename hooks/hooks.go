// Package hooks holds the git hooks that git-version install-hooks puts in
// a repository: one-line shims that hand over to `git-version hook`, where
// the logic is (internal/hooks). They run the hook that was there before
// even when git-version is missing.
package hooks

import "embed"

//go:embed post-commit post-checkout post-merge post-rewrite
var scripts embed.FS

// Names are the hooks, in the order they are listed to users.
var Names = []string{"post-commit", "post-checkout", "post-merge", "post-rewrite"}

// Script is the content of the named hook.
func Script(name string) ([]byte, error) {
	return scripts.ReadFile(name)
}

// Marker is the line that says a hook is git-version's: this release's
// shim or an earlier one.
const Marker = "# git-version install-hooks put this here"
