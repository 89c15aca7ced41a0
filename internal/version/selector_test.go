package version

import "testing"

func TestSelector(t *testing.T) {
	for _, tc := range []struct {
		rules Rules
		tag   string
		want  string // "" when the tag sets no version
	}{
		// The default: a version with a prefix ending in a non-digit and a -suffix.
		{Rules{}, "v1.2", "1.2"},
		{Rules{}, "1.2", "1.2"},
		{Rules{}, "release/1.2", "1.2"},
		{Rules{}, "tools-0.7", "0.7"},
		{Rules{}, "0.1-lol", "0.1"},
		{Rules{}, "0.7-our-tools-project", "0.7"},
		{Rules{}, "0.7.3-our-tools-project", "0.7.3"},
		{Rules{}, "log4j-9.7.3.45.532.11", "9.7.3.45.532.11"},
		{Rules{}, "log4j-0.10", "0.10"},
		{Rules{}, "1.2-rc.3.4", "1.2"},
		{Rules{}, "arghpaxorgz-zsdf", ""},
		{Rules{}, "v1", ""},
		{Rules{}, "xxxx", ""},
		{Rules{}, "v1.2rc1", ""},
		// --project NAME: NAME-<version> only.
		{Rules{Project: "project"}, "project-0.1", "0.1"},
		{Rules{Project: "project"}, "project-1.0.59", "1.0.59"},
		{Rules{Project: "project"}, "project-meta-0.1", ""},
		{Rules{Project: "project"}, "myproject-0.1", ""},
		{Rules{Project: "project"}, "release/project-0.1", ""},
		{Rules{Project: "project"}, "project-0.1-lol", "0.1"},
		{Rules{Project: "project"}, "project-1", ""},
		{Rules{Project: "log4j"}, "log4j-2.0", "2.0"},
		// --match GLOB: describe's glob, '*' crossing '/'.
		{Rules{Match: "release/project-[0-9]*"}, "release/project-0.1", "0.1"},
		{Rules{Match: "project-[0-9]*"}, "project-meta-0.1", ""},
		{Rules{Match: "project-[0-9]*"}, "myproject-0.1", ""},
		{Rules{Match: "myproject-*"}, "0.1-lol", ""},
		{Rules{Match: "*1.2*"}, "a/b/v1.2.3", "1.2.3"},
		{Rules{Match: "v*"}, "vnext", ""},
		// --tag-regexp RE with (?P<version>...).
		{Rules{TagRegexp: `^rel_(?P<version>[0-9_]+)$`}, "rel_1_2", ""},
		{Rules{TagRegexp: `^build-(?P<version>\d+\.\d+)-final$`}, "build-3.4-final", "3.4"},
		{Rules{TagRegexp: `^build-(?P<version>\d+\.\d+)-final$`}, "build-3.4", ""},
		// Precedence: regexp, then glob, then project.
		{Rules{TagRegexp: `^x(?P<version>.*)$`, Match: "*", Project: "p"}, "x1.5", "1.5"},
		{Rules{Match: "p-*", Project: "q"}, "p-1.5", "1.5"},
	} {
		sel, err := NewSelector(tc.rules)
		if err != nil {
			t.Fatalf("%+v: %v", tc.rules, err)
		}
		v, ok := sel.Version(tc.tag)
		got := ""
		if ok {
			got = v.String()
		}
		if got != tc.want {
			t.Errorf("%+v: tag %q gives %q, want %q", tc.rules, tc.tag, got, tc.want)
		}
	}
}

func TestSelectorErrors(t *testing.T) {
	for _, rules := range []Rules{
		{TagRegexp: `^v(\d+\.\d+)$`},  // no version group
		{TagRegexp: `^v(?P<version>`}, // does not compile
		{Match: "v[0-9"},              // unterminated class
	} {
		if _, err := NewSelector(rules); err == nil {
			t.Errorf("%+v: no error", rules)
		}
	}
}

func TestWildmatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"*", "", true},
		{"*", "a/b", true},
		{"a?c", "abc", true},
		{"a?c", "a/c", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"[0-9]*", "1.2", true},
		{"[!0-9]*", "1.2", false},
		{"[^a]", "b", true},
		{"[]]", "]", true},
		{"[a-c]x", "bx", true},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{"p-*-q", "p-1-2-q", true},
		{"**/x", "a/b/x", true},
		{"abc", "ab", false},
		{"ab", "abc", false},
	} {
		if got := wildmatch(tc.pattern, tc.name); got != tc.want {
			t.Errorf("wildmatch(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}
