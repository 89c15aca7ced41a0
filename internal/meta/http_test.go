package meta

import (
	"context"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citools/citools/internal/version"
)

// TestHTTPCredentials fetches over smart HTTP from git http-backend behind
// basic authentication: credentials in the URL work (the lazy fetch of a
// file too) and end up in no file of the cache; a credential helper works;
// a missing credential fails at once instead of prompting.
func TestHTTPCredentials(t *testing.T) {
	if testing.Short() {
		t.Skip("runs git http-backend")
	}
	isolateGit(t)
	root := t.TempDir()
	lib := filepath.Join(root, "lib")
	runGit(t, "", "init", "-q", lib)
	runGit(t, lib, "config", "uploadpack.allowFilter", "true")
	if err := os.MkdirAll(filepath.Join(lib, "debian"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lib, "debian", "control"), []byte("Source: lib\n\nPackage: python-lib\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, lib, "add", "-A")
	runGit(t, lib, "commit", "-q", "-m", "one")
	runGit(t, lib, "tag", "-a", "-m", "t", "lib-1.0")
	runGit(t, lib, "commit", "-q", "--allow-empty", "-m", "two")

	backend := filepath.Join(strings.TrimSpace(runGit(t, "", "--exec-path")), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Skipf("no git http-backend: %v", err)
	}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); !ok || user != "u" || pass != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		(&cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}).ServeHTTP(w, r)
	}))
	defer server.Close()
	withCredentials := strings.Replace(server.URL, "http://", "http://u:s3cret@", 1) + "/lib"

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	own := &version.Result{Version: version.Version{0, 1, 0}}
	cache := t.TempDir()
	compute := func(url string) (*Result, error) {
		dep := Dependency{Name: "lib", Named: true, URL: url, Location: url}
		return Compute(ctx, own, []Dependency{dep}, Options{CacheDir: cache, Jobs: 1, Packages: true})
	}

	res, err := compute(withCredentials)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Version.String(); got != "1.1.1" {
		t.Errorf("version = %s, want 1.1.1", got)
	}
	if got := res.Dependencies[0].Packages; len(got) != 1 || got[0] != "python-lib" {
		t.Errorf("packages = %q, want [python-lib] (read by a lazy fetch)", got)
	}
	mirrors, _ := filepath.Glob(filepath.Join(cache, "lib-*.git"))
	if len(mirrors) != 1 {
		t.Fatalf("mirrors: %q", mirrors)
	}
	if url := strings.TrimSpace(runGit(t, mirrors[0], "config", "remote.origin.url")); url != Redact(withCredentials) {
		t.Errorf("mirror's remote.origin.url = %q, want %q", url, Redact(withCredentials))
	}
	if filter := strings.TrimSpace(runGit(t, mirrors[0], "config", "remote.origin.partialclonefilter")); filter != "tree:0" {
		t.Errorf("partialclonefilter = %q, want tree:0", filter)
	}
	noSecretIn(t, cache, "s3cret")

	// Warm, after the dependency moved on: ls-remote and fetch use the
	// credentials too.
	runGit(t, lib, "commit", "-q", "--allow-empty", "-m", "three")
	if res, err = compute(withCredentials); err != nil {
		t.Fatal(err)
	} else if got := res.Version.String(); got != "1.1.2" {
		t.Errorf("version after a new commit = %s, want 1.1.2", got)
	}
	noSecretIn(t, cache, "s3cret")

	// No credential: an error at once, not a prompt.
	bare := server.URL + "/lib"
	start := time.Now()
	_, err = compute(bare)
	if err == nil || !strings.Contains(err.Error(), "dependency lib ("+bare+")") || !strings.Contains(err.Error(), "terminal prompts disabled") {
		t.Errorf("without credentials: error = %v", err)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("without credentials it took %s", time.Since(start))
	}

	// A credential helper supplies them.
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "credential.helper")
	t.Setenv("GIT_CONFIG_VALUE_0", "!f() { echo username=u; echo password=s3cret; }; f")
	if res, err = compute(bare); err != nil {
		t.Fatalf("with a credential helper: %v", err)
	} else if got := res.Version.String(); got != "1.1.2" {
		t.Errorf("version with a credential helper = %s, want 1.1.2", got)
	}
}

// isolateGit keeps the machine's git configuration out of a test.
func isolateGit(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, kv := range []string{"GIT_AUTHOR_NAME=Tester", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=Tester", "GIT_COMMITTER_EMAIL=t@example.com"} {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// noSecretIn fails if any file under dir, or any name, holds secret.
func noSecretIn(t *testing.T, dir, secret string) {
	t.Helper()
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(path, secret) {
			t.Errorf("%s: the name holds the secret", path)
		}
		if info.Mode().IsRegular() {
			if data, err := os.ReadFile(path); err == nil && strings.Contains(string(data), secret) {
				t.Errorf("%s holds the secret", path)
			}
		}
		return nil
	})
}
