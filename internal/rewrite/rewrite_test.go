package rewrite

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/citools/citools/internal/version"
)

var v124 = version.Version{1, 2, 4}

func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in, out string
		noPlace bool
	}{
		{name: "pkg/__init__.py",
			in:  "arakadabra\nblah blah\nVERSION = (1, 2, 3)\nx = (3, 2, 1)\nfor i in x:\n    print 'olah'",
			out: "arakadabra\nblah blah\nVERSION = (1, 2, 4)\nx = (3, 2, 1)\nfor i in x:\n    print 'olah'"},
		{name: "setup.py",
			in:  "VERSION = (0, 0, 0)  # set by git-version\n__versionstr__ = '0.0.0'\nsetup(version=__versionstr__)\n",
			out: "VERSION = (1, 2, 4)  # set by git-version\n__versionstr__ = '1.2.4'\nsetup(version=__versionstr__)\n"},
		{name: "setup.py",
			in:  "__versionstr__ = \"0.0\"\r\n",
			out: "__versionstr__ = \"1.2.4\"\r\n"},
		{name: "a.py", in: "VERSION=(9,7,3,45,532,11,44)\n", out: "VERSION=(1, 2, 4)\n"},
		{name: "a.py", in: "__version__ = \"0.0.0\"\n", out: "__version__ = \"1.2.4\"\n"},
		{name: "a.py", in: "    VERSION = (1, 2)\nMY_VERSION = (1, 2)\nVERSION = ('a', 'b')\n", noPlace: true},
		{name: "VERSION", in: "0.0.0\n", out: "1.2.4\n"},
		{name: "VERSION", in: "", out: "1.2.4\n"},
		{name: "sub/version.txt", in: "junk\nmore\n", out: "1.2.4\n"},
		{name: "debian/changelog",
			in:  "mypkg (0.0.0) unstable; urgency=low\n\n  * Initial.\n\n -- Me <me@example.com>  Mon, 01 Jan 2024 00:00:00 +0000\n\nmypkg (0.0.0) unstable; urgency=low\n",
			out: "mypkg (1.2.4) unstable; urgency=low\n\n  * Initial.\n\n -- Me <me@example.com>  Mon, 01 Jan 2024 00:00:00 +0000\n\nmypkg (0.0.0) unstable; urgency=low\n"},
		{name: "debian/changelog", in: "mypkg (2:0.1-3) unstable; urgency=low\n", out: "mypkg (2:1.2.4-3) unstable; urgency=low\n"},
		{name: "debian/changelog", in: "not a changelog\n", noPlace: true},
		{name: "package.json",
			in:  "{\n  \"name\": \"x\",\n  \"deps\": {\"version\": \"9\"},\n  \"version\": \"0.0.0\",\n  \"a\": [1, {\"version\": 2}]\n}\n",
			out: "{\n  \"name\": \"x\",\n  \"deps\": {\"version\": \"9\"},\n  \"version\": \"1.2.4\",\n  \"a\": [1, {\"version\": 2}]\n}\n"},
		{name: "package.json", in: "{\"name\": \"x\", \"config\": {\"version\": \"1\"}}", noPlace: true},
		{name: "version.go",
			in:  "package main\n\n// Version is set by git-version.\nconst Version = \"dev\"\n",
			out: "package main\n\n// Version is set by git-version.\nconst Version = \"1.2.4\"\n"},
		{name: "cmd/v.go", in: "package x\nvar Version string = \"0\"\n", out: "package x\nvar Version string = \"1.2.4\"\n"},
		{name: "v.go", in: "package x\nvar MyVersion = \"0\"\n", noPlace: true},
	} {
		kind := KindOf(tc.name)
		if kind == nil {
			t.Fatalf("%s: no kind", tc.name)
		}
		got, err := Apply(kind, tc.name, []byte(tc.in), v124)
		if tc.noPlace {
			if !errors.Is(err, ErrNoPlace) {
				t.Errorf("%s %q: error = %v, want ErrNoPlace", tc.name, tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if string(got) != tc.out {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.out)
		}
	}
}

func TestKindOf(t *testing.T) {
	for name, want := range map[string]bool{
		"VERSION": true, "a/VERSION": true, "version.txt": true, "debian/changelog": true,
		"pkg/debian/changelog": true, "package.json": true, "x.py": true, "x.go": true,
		"changelog": false, "README.md": false, "VERSION.md": false,
	} {
		if got := KindOf(name) != nil; got != want {
			t.Errorf("KindOf(%q) known = %v, want %v", name, got, want)
		}
	}
}

func TestPlanChecksEveryFileFirst(t *testing.T) {
	top := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(top, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("VERSION", "0.0.0\n")
	write("a.py", "print('no version here')\n")
	targets, err := Targets(top, []string{"VERSION", "a.py"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Plan(top, targets, v124); err == nil || !errors.Is(err, ErrNoPlace) {
		t.Fatalf("Plan error = %v, want ErrNoPlace", err)
	}
	data, _ := os.ReadFile(filepath.Join(top, "VERSION"))
	if string(data) != "0.0.0\n" {
		t.Errorf("VERSION was written before the failure was known: %q", data)
	}
}

func TestWriteKeepsModeAndSkipsUnchanged(t *testing.T) {
	top := t.TempDir()
	p := filepath.Join(top, "VERSION")
	if err := os.WriteFile(p, []byte("0.0.0\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	targets, _ := Targets(top, nil, "")
	changes, err := Plan(top, targets, v124)
	if err != nil || len(changes) != 1 {
		t.Fatalf("Plan = %v, %v", changes, err)
	}
	if err := Write(changes); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(p)
	if info.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", info.Mode().Perm())
	}
	if changes, _ := Plan(top, targets, v124); len(changes) != 0 {
		t.Errorf("a file already holding the version is planned again: %v", changes)
	}
	entries, _ := os.ReadDir(top)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

func TestTargetsRejects(t *testing.T) {
	for _, files := range [][]string{{"../x.py"}, {"/etc/VERSION"}, {"README.md"}} {
		if _, err := Targets(t.TempDir(), files, ""); err == nil {
			t.Errorf("Targets(%v): no error", files)
		}
	}
}

func TestExpressionsAreLeftAlone(t *testing.T) {
	in := "__versionstr__ = \".\".join(map(str, VERSION))\nVERSION = (1, 2) + EXTRA\n"
	if _, err := Apply(python{}, "x.py", []byte(in), v124); !errors.Is(err, ErrNoPlace) {
		t.Errorf("error = %v, want ErrNoPlace", err)
	}
	in = "const Version = \"x\" + suffix\n"
	if _, err := Apply(goSource{}, "x.go", []byte(in), v124); !errors.Is(err, ErrNoPlace) {
		t.Errorf("error = %v, want ErrNoPlace", err)
	}
}
