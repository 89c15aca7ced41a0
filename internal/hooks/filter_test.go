package hooks

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// TestFilter speaks to Filter as git does: a handshake, then files to clean.
func TestFilter(t *testing.T) {
	dir := newRepo(t, map[string]string{
		".citools.ini":    "[version]\nfiles = VERSION pkg/__init__.py\n",
		"VERSION":         "0.0.0\n",
		"pkg/__init__.py": "VERSION = (0, 0, 0)\nx = 1\n",
		"other.py":        "VERSION = (0, 0, 0)\n",
	})
	t.Chdir(dir)

	var in bytes.Buffer
	git := &pktWriter{w: bufio.NewWriter(&in)}
	git.list("git-filter-client", "version=2")
	git.list("capability=clean", "capability=smudge", "capability=delay")
	clean := func(name, content string) {
		git.list("command=clean", "pathname="+name, "can-delay=1")
		git.content([]byte(content))
	}
	clean("pkg/__init__.py", "VERSION = (1, 2, 4)\nx = 2\n")
	clean("VERSION", "1.2.4\n")
	clean("other.py", "VERSION = (1, 2, 4)\n") // not a version file: as it is
	clean("new/version.txt", "9.9.9\n")        // not one either
	git.list("command=smudge", "pathname=VERSION")
	git.content([]byte("0.0.0\n"))

	var out, log bytes.Buffer
	if err := Filter(context.Background(), "", &in, &out, &log); err != nil {
		t.Fatal(err)
	}
	r := &pktReader{r: bufio.NewReader(&out)}
	expectList := func(want ...string) {
		t.Helper()
		got, err := r.list()
		if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("list = %q, %v; want %q", got, err, want)
		}
	}
	expectContent := func(want string) {
		t.Helper()
		got, err := r.content()
		if err != nil || string(got) != want {
			t.Fatalf("content = %q, %v; want %q", got, err, want)
		}
		expectList() // the status stays
	}
	expectList("git-filter-server", "version=2")
	expectList("capability=clean")
	expectList("status=success")
	expectContent("VERSION = (0, 0, 0)\nx = 2\n")
	expectList("status=success")
	expectContent("0.0.0\n")
	expectList("status=success")
	expectContent("VERSION = (1, 2, 4)\n")
	expectList("status=success")
	expectContent("9.9.9\n")
	expectList("status=error")
	if _, err := r.list(); err != io.EOF {
		t.Errorf("more after the last answer: %v", err)
	}
	if log.Len() > 0 {
		t.Errorf("log: %s", log.String())
	}
}

// TestFilterUnreadableConfig: a .citools.ini the filter cannot follow still
// leaves every version file the attributes name as its committed form.
func TestFilterUnreadableConfig(t *testing.T) {
	dir := newRepo(t, map[string]string{"VERSION": "0.0.0\n", "setup.py": "__version__ = '0.0.0'\n"})
	t.Chdir(dir)
	if err := os.WriteFile(".citools.ini", []byte("[versoin]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	git := &pktWriter{w: bufio.NewWriter(&in)}
	git.list("git-filter-client", "version=2")
	git.list("capability=clean")
	git.list("command=clean", "pathname=setup.py")
	git.content([]byte("__version__ = '1.2.4'\n"))
	var out, log bytes.Buffer
	if err := Filter(context.Background(), "", &in, &out, &log); err != nil {
		t.Fatal(err)
	}
	r := &pktReader{r: bufio.NewReader(&out)}
	for range 3 {
		r.list()
	}
	if got, _ := r.content(); string(got) != "__version__ = '0.0.0'\n" {
		t.Errorf("cleaned to %q", got)
	}
}

func TestFilterHandshake(t *testing.T) {
	var in bytes.Buffer
	git := &pktWriter{w: bufio.NewWriter(&in)}
	git.list("git-filter-client", "version=3")
	err := Filter(context.Background(), "", &in, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("error = %v", err)
	}
}
