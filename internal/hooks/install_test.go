package hooks

import (
	"os"
	"path/filepath"
	"testing"

	shims "github.com/citools/citools/hooks"
)

func TestInspectHook(t *testing.T) {
	dir := t.TempDir()
	script, err := shims.Script("post-commit")
	if err != nil {
		t.Fatal(err)
	}
	oldShim := "#!/bin/sh\n" + shims.Marker + " long ago.\nexec git-version hook post-commit \"$@\"\n"
	for _, tc := range []struct {
		what    string
		content string // "" for no file
		link    string // a symbolic link to this instead
		chained bool
		want    hookState
	}{
		{what: "no hook", want: absent},
		{what: "this release's shim", content: string(script), want: current},
		{what: "an earlier shim", content: oldShim, want: older},
		{what: "somebody else's hook", content: "#!/bin/sh\necho hi\n", want: foreign},
		{what: "a link to our shim", link: "shim", want: current},
		{what: "a dangling link", link: "nowhere", want: foreign},
		{what: "a kept hook with ours", content: string(script), chained: true, want: current},
	} {
		hooks := filepath.Join(dir, tc.what)
		if err := os.MkdirAll(hooks, 0o755); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(hooks, "post-commit")
		switch {
		case tc.link == "shim":
			write(t, filepath.Join(hooks, "shim"), string(script))
			if err := os.Symlink("shim", path); err != nil {
				t.Fatal(err)
			}
		case tc.link != "":
			if err := os.Symlink(tc.link, path); err != nil {
				t.Fatal(err)
			}
		case tc.content != "":
			write(t, path, tc.content)
		}
		if tc.chained {
			write(t, path+chainSuffix, "#!/bin/sh\n")
		}
		f, err := inspectHook(hooks, "post-commit")
		if err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		if f.state != tc.want || f.hasChained != tc.chained || f.chained != path+chainSuffix {
			t.Errorf("%s: state %d, chained %v at %s", tc.what, f.state, f.hasChained, f.chained)
		}
	}
}

func TestMidSequence(t *testing.T) {
	dir := newRepo(t, nil)
	p := open(t, dir)
	if midSequence(p.Repo) {
		t.Fatal("mid-sequence in a fresh repository")
	}
	for _, tc := range []struct {
		file, content string
		want          bool
	}{
		{"rebase-merge/git-rebase-todo", "# nothing left\n\n", false},
		{"rebase-merge/git-rebase-todo", "pick 1234567 next\n# comment\n", true},
		{"sequencer/todo", "pick 1234567 this one\n", false},
		{"sequencer/todo", "pick 1234567 this one\npick 89abcde next\n", true},
	} {
		path := filepath.Join(p.Repo.GitDir, tc.file)
		write(t, path, tc.content)
		if got := midSequence(p.Repo); got != tc.want {
			t.Errorf("%s %q: %v, want %v", tc.file, tc.content, got, tc.want)
		}
		os.RemoveAll(filepath.Dir(path))
	}
}
