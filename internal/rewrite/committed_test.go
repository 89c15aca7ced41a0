package rewrite

import "testing"

func TestCommitted(t *testing.T) {
	for _, tc := range []struct {
		what      string
		name      string
		work      string
		committed *string // nil: the file has no committed form
		want      string
	}{
		{what: "the committed tuple comes back",
			name:      "pkg/__init__.py",
			work:      "VERSION = (1, 2, 4)\nx = 1\n",
			committed: ptr("VERSION = (0, 0, 0)\nx = 1\n"),
			want:      "VERSION = (0, 0, 0)\nx = 1\n"},
		{what: "an edit elsewhere in the file stays",
			name:      "setup.py",
			work:      "import os\nVERSION = (1, 2, 4)  # kept\n__versionstr__ = '1.2.4'\nsetup(name='new')\n",
			committed: ptr("VERSION = (0, 0, 0)  # kept\n__versionstr__ = '0.0.0'\nsetup(name='old')\n"),
			want:      "import os\nVERSION = (0, 0, 0)  # kept\n__versionstr__ = '0.0.0'\nsetup(name='new')\n"},
		{what: "the committed text is put back, whatever it is",
			name:      "version.go",
			work:      "package main\n\nconst Version = \"1.2.4\"\n",
			committed: ptr("package main\n\nconst Version = \"dev\"\n"),
			want:      "package main\n\nconst Version = \"dev\"\n"},
		{what: "a whole-file version",
			name:      "VERSION",
			work:      "1.2.4\n",
			committed: ptr("0.0.0\n"),
			want:      "0.0.0\n"},
		{what: "a new file gets the placeholder",
			name: "VERSION",
			work: "1.2.4\n",
			want: "0.0.0\n"},
		{what: "a place the committed file lacks gets the placeholder in its form",
			name:      "a.py",
			work:      "VERSION = (1, 2, 4)\n__versionstr__ = \"1.2.4\"\n",
			committed: ptr("VERSION = (0, 0, 0)\n"),
			want:      "VERSION = (0, 0, 0)\n__versionstr__ = \"0.0.0\"\n"},
		{what: "a place the working file lost is not brought back",
			name:      "a.py",
			work:      "VERSION = (1, 2, 4)\n",
			committed: ptr("VERSION = (0, 0, 0)\n__versionstr__ = \"0.0.0\"\n"),
			want:      "VERSION = (0, 0, 0)\n"},
		{what: "debian/changelog keeps epoch and revision of the working file",
			name:      "debian/changelog",
			work:      "pkg (2:1.2.4-1) unstable; urgency=low\n",
			committed: ptr("pkg (2:0.0.0-1) unstable; urgency=low\n"),
			want:      "pkg (2:0.0.0-1) unstable; urgency=low\n"},
		{what: "package.json",
			name:      "package.json",
			work:      "{\"name\": \"x\", \"version\": \"1.2.4\", \"private\": true}\n",
			committed: ptr("{\"name\": \"x\", \"version\": \"0.0.0-dev\"}\n"),
			want:      "{\"name\": \"x\", \"version\": \"0.0.0-dev\", \"private\": true}\n"},
		{what: "a file without a place is left as it is",
			name:      "a.py",
			work:      "print('hello')\n",
			committed: ptr("VERSION = (0, 0, 0)\n"),
			want:      "print('hello')\n"},
		{what: "an unreadable committed form counts as none",
			name:      "package.json",
			work:      "{\"version\": \"1.2.4\"}",
			committed: ptr("{not json"),
			want:      "{\"version\": \"0.0.0\"}"},
	} {
		var committed []byte
		if tc.committed != nil {
			committed = []byte(*tc.committed)
		}
		got, err := Committed(KindOf(tc.name), []byte(tc.work), committed)
		if err != nil {
			t.Errorf("%s: %v", tc.what, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.what, got, tc.want)
		}
	}
}

func TestCommittedUnreadableWorkingFile(t *testing.T) {
	if _, err := Committed(KindOf("package.json"), []byte("{\"version\": "), []byte("{}")); err == nil {
		t.Error("no error for a package.json that is not JSON")
	}
}

func ptr(s string) *string { return &s }
