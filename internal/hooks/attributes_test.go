package hooks

import "testing"

func TestAttributePattern(t *testing.T) {
	for name, want := range map[string]string{
		"VERSION":            "/VERSION",
		"mypkg/__init__.py":  "/mypkg/__init__.py",
		"a[1]/v*?.py":        `/a\[1]/v\*\?.py`,
		`back\slash.py`:      `/back\\slash.py`,
		"tab\there/x.py":     `"/tab\there/x.py"`,
		`say "hi"/x.py`:      `"/say \"hi\"/x.py"`,
		`both\ "q"/x.py`:     `"/both\\\\ \"q\"/x.py"`,
		"debian/changelog":   "/debian/changelog",
		"web/package.json":   "/web/package.json",
		"docs/version.txt":   "/docs/version.txt",
		"#not-a-comment.py":  "/#not-a-comment.py",
		"!not-negated.py":    "/!not-negated.py",
		"sp ace/VERSION":     `"/sp ace/VERSION"`,
		"ünïcode/version.go": "/ünïcode/version.go",
	} {
		if got := attributePattern(name); got != want {
			t.Errorf("attributePattern(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestWithAttributes(t *testing.T) {
	comment := attributesComment + "\n"
	for _, tc := range []struct {
		what, in string
		names    []string
		want     string
	}{
		{what: "a new file",
			in: "", names: []string{"VERSION", "a/b.py"},
			want: comment + "/VERSION filter=citools-version\n/a/b.py filter=citools-version\n"},
		{what: "the comment alone marks a repository without version files",
			in: "", names: nil,
			want: comment},
		{what: "the user's lines stay first, a missing newline is added",
			in: "*.png binary\n*.txt text", names: []string{"VERSION"},
			want: "*.png binary\n*.txt text\n" + comment + "/VERSION filter=citools-version\n"},
		{what: "new lines join the block, the user's lines after it stay after it",
			in:    comment + "/VERSION filter=citools-version\n*.png binary\n",
			names: []string{"VERSION", "x.py"},
			want:  comment + "/VERSION filter=citools-version\n/x.py filter=citools-version\n*.png binary\n"},
		{what: "nothing to add changes nothing, byte for byte",
			in:    "*.png binary\r\n" + comment + "/VERSION filter=citools-version\n",
			names: []string{"VERSION"},
			want:  "*.png binary\r\n" + comment + "/VERSION filter=citools-version\n"},
		{what: "a name twice is one line",
			in: comment, names: []string{"VERSION", "VERSION"},
			want: comment + "/VERSION filter=citools-version\n"},
	} {
		if got := string(withAttributes([]byte(tc.in), tc.names)); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.what, got, tc.want)
		}
	}
}

func TestWithoutAttributes(t *testing.T) {
	for _, original := range []string{"", "*.png binary\n", "# mine\n\n*.txt text\n"} {
		added := withAttributes([]byte(original), []string{"VERSION", "pkg/__init__.py"})
		added = append(added, "*.go diff=golang\n"...)
		got := string(withoutAttributes(added))
		if want := original + "*.go diff=golang\n"; got != want {
			t.Errorf("from %q:\n got %q\nwant %q", original, got, want)
		}
	}
	if got := withoutAttributes([]byte(attributesComment + "\n/VERSION filter=citools-version\n")); len(got) != 0 {
		t.Errorf("only git-version's lines: left %q", got)
	}
	// Another filter of the same file is the user's.
	mine := "/VERSION filter=mine\n"
	if got := string(withoutAttributes([]byte(mine))); got != mine {
		t.Errorf("removed the user's line: %q", got)
	}
}
