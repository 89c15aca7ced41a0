package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseProject(t *testing.T) {
	p, err := ParseProject(".citools.ini", []byte(`# the project's version rules
[version]
project = shop
match=shop-[0-9]*
tag_regexp = ^shop-(?P<version>[0-9.]+)$
files = setup.py, shop/__init__.py VERSION
    debian/changelog

[dependency "library1"]
url = git@example.com:team/library1.git
branch = testomation

[dependency "two"]
url = https://example.com/two.git
`))
	if err != nil {
		t.Fatal(err)
	}
	want := VersionSection{
		Project:   "shop",
		Match:     "shop-[0-9]*",
		TagRegexp: "^shop-(?P<version>[0-9.]+)$",
		Files:     []string{"setup.py", "shop/__init__.py", "VERSION", "debian/changelog"},
	}
	if !reflect.DeepEqual(p.Version, want) {
		t.Errorf("version = %+v\nwant %+v", p.Version, want)
	}
	deps := []Dependency{
		{Name: "library1", URL: "git@example.com:team/library1.git", Branch: "testomation"},
		{Name: "two", URL: "https://example.com/two.git"},
	}
	if !reflect.DeepEqual(p.Dependencies, deps) {
		t.Errorf("dependencies = %+v", p.Dependencies)
	}
}

func TestFilesAbsentOrEmpty(t *testing.T) {
	p, err := ParseProject("x", []byte("[version]\nproject = a\n"))
	if err != nil || p.Version.Files != nil {
		t.Errorf("no files key: %v, %v (want nil: the defaults apply)", p.Version.Files, err)
	}
	p, err = ParseProject("x", []byte("[version]\nfiles =\n"))
	if err != nil || p.Version.Files == nil || len(p.Version.Files) != 0 {
		t.Errorf("empty files key: %#v, %v (want empty, not nil: write nothing)", p.Version.Files, err)
	}
}

func TestParseProjectErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"[version]\nprojetc = x\n", `[version]: unknown option "projetc"`},
		{"[versoin]\nproject = x\n", "unknown section [versoin]"},
		{"project = x\n", `key "project" is outside any section`},
		{"[dependency lib]\nurl = x\n", `write it as [dependency "NAME"]`},
		{"[dependency \"lib\"]\nbranch = x\n", "url is missing"},
		{"[dependency \"lib\"]\nurl = x\nrev = y\n", `unknown option "rev"`},
		{"[version\nproject = x\n", ".citools.ini"},
	} {
		_, err := ParseProject(".citools.ini", []byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), ".citools.ini") {
			t.Errorf("%q: error = %v, want one naming the file and containing %q", tc.in, err, tc.want)
		}
	}
}

func TestSeedStyleValues(t *testing.T) {
	f, err := Load("citools.ini", []byte("[backup]\nuri=https://x/y.tar.gz\n    tempdir=/big/tmp/\n[database_first]\npassword=\"\"\n[database_2]\npassword=koníček#;x\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ section, key, want string }{
		{"backup", "tempdir", "/big/tmp/"},
		{"database_first", "password", ""},
		{"database_2", "password", "koníček#;x"},
	} {
		if got := f.Section(tc.section).Key(tc.key).String(); got != tc.want {
			t.Errorf("[%s] %s = %q, want %q", tc.section, tc.key, got, tc.want)
		}
	}
}
