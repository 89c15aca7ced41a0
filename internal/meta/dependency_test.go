package meta

import (
	"path/filepath"
	"testing"

	"github.com/citools/citools/internal/config"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want Dependency
		err  string
	}{
		{arg: "https://github.com/ella/library1.git",
			want: Dependency{Name: "library1", URL: "https://github.com/ella/library1.git", Location: "https://github.com/ella/library1.git"}},
		{arg: "lib=git@github.com:ella/library1.git#testomation",
			want: Dependency{Name: "lib", Named: true, URL: "git@github.com:ella/library1.git", Location: "git@github.com:ella/library1.git", Branch: "testomation"}},
		{arg: "../library1#story/123",
			want: Dependency{Name: "library1", URL: "../library1", Location: "/work/library1", Branch: "story/123"}},
		{arg: "project=file:///tmp/test_git_x1y2",
			want: Dependency{Name: "project", Named: true, URL: "file:///tmp/test_git_x1y2", Location: "file:///tmp/test_git_x1y2"}},
		// An "=" inside a URL does not make a NAME.
		{arg: "https://host/repo.git?a=b",
			want: Dependency{Name: "repo", URL: "https://host/repo.git?a=b", Location: "https://host/repo.git?a=b"}},
		{arg: "library1", want: Dependency{Name: "library1", URL: "library1", Location: "/work/meta/library1"}},
		{arg: "x=", err: "no URL"},
		{arg: "https://host/r#", err: "empty branch"},
		{arg: "https://host/r#a..b", err: `"a..b" is not a branch name`},
		{arg: "https://host/r#-x", err: "not a branch name"},
		{arg: "https://user:secret@host", err: `https://\*\*\*@host: no name in the URL; write NAME=URL`},
	} {
		got, err := parse(tc.arg, "/work/meta")
		if tc.err != "" {
			if err == nil || !matches(tc.err, err.Error()) {
				t.Errorf("parse(%q) error = %v, want %q", tc.arg, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parse(%q): %v", tc.arg, err)
			continue
		}
		if got != tc.want {
			t.Errorf("parse(%q)\n got %+v\nwant %+v", tc.arg, got, tc.want)
		}
	}
}

func TestNameFromURL(t *testing.T) {
	for url, want := range map[string]string{
		"https://github.com/ella/citools.git":  "citools",
		"https://github.com/ella/citools/":     "citools",
		"https://github.com/ella/citools?x=1":  "citools",
		"git@github.com:ella/citools.git":      "citools",
		"git@host:library1":                    "library1",
		"ssh://git@host:2222/srv/library1.git": "library1",
		"file:///tmp/test_git_abc123":          "test_git_abc123",
		"/srv/library1/.git":                   "library1",
		"/srv/library1/.":                      "library1",
		"../lib.git":                           "lib",
		"lib":                                  "lib",
		"https://host":                         "",
		"https://host/":                        "",
		"/":                                    "",
	} {
		if got := NameFromURL(url); got != want {
			t.Errorf("NameFromURL(%q) = %q, want %q", url, got, want)
		}
	}
}

func TestFromConfigAndNames(t *testing.T) {
	deps, err := fromConfig([]config.Dependency{
		{Name: "library1", URL: "../library1"},
		{Name: "library2", URL: "https://host/l2.git", Branch: "stable"},
	}, "/work/meta")
	if err != nil {
		t.Fatal(err)
	}
	if deps[0].Location != filepath.Clean("/work/library1") || !deps[0].Named || deps[1].Branch != "stable" {
		t.Errorf("fromConfig = %+v", deps)
	}
	if err := checkNames(deps); err != nil {
		t.Errorf("checkNames: %v", err)
	}
	if _, err := fromConfig([]config.Dependency{{Name: "x", URL: "u", Branch: "a b"}}, "/"); err == nil {
		t.Error("fromConfig accepted branch \"a b\"")
	}
	twice := []Dependency{{Name: "lib", URL: "/a/lib"}, {Name: "lib", URL: "https://u:pw@host/lib"}}
	if err := checkNames(twice); err == nil || !matches(`two dependencies are named lib \(/a/lib and https://\*\*\*@host/lib\)`, err.Error()) {
		t.Errorf("checkNames(twice) = %v", err)
	}
	if err := checkNames(nil); err == nil || !matches("no dependencies", err.Error()) {
		t.Errorf("checkNames(nil) = %v", err)
	}
}
