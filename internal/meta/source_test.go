package meta

import (
	"regexp"
	"strings"
	"testing"
)

func matches(pattern, s string) bool {
	return regexp.MustCompile(pattern).MatchString(s)
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:secret@host/r.git":                   "https://***@host/r.git",
		"https://ghp_token@github.com/o/r":                 "https://***@github.com/o/r",
		"HTTP://token@host/r":                              "HTTP://***@host/r",
		"ssh://git@host/r.git":                             "ssh://git@host/r.git",
		"ssh://git:pw@host/r.git":                          "ssh://git:***@host/r.git",
		"git@github.com:o/r.git":                           "git@github.com:o/r.git",
		"/srv/r@2":                                         "/srv/r@2",
		"fatal: unable to access 'https://u:p@h/r/': boom": "fatal: unable to access 'https://***@h/r/': boom",
		"https://host/r and http://a:b@c/d":                "https://host/r and http://***@c/d",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCacheKey(t *testing.T) {
	a := cacheKey("https://user:secret@host/group/library1.git")
	if strings.Contains(a, "secret") || strings.Contains(a, "user") || !matches(`^library1-[0-9a-f]{16}$`, a) {
		t.Errorf("cacheKey = %q", a)
	}
	if b := cacheKey("https://other:pw@host/group/library1.git"); b != a {
		t.Errorf("other credentials change the key: %q != %q", b, a)
	}
	if b := cacheKey("https://host/group/library1.git"); b == a {
		t.Errorf("with and without credentials share the key %q (and so the mirror's URL)", a)
	}
	if b := cacheKey("https://host/other/library1.git"); b == a {
		t.Errorf("two repositories share the key %q", a)
	}
	if k := cacheKey("https://host"); !matches(`^[0-9a-f]{16}$`, k) {
		t.Errorf("cacheKey without a name = %q", k)
	}
	if k := cacheKey("/srv/../..hidden dir/x y"); !matches(`^x_y-[0-9a-f]{16}$`, k) {
		t.Errorf("cacheKey = %q", k)
	}
}

func TestRemoteEnv(t *testing.T) {
	t.Setenv("GIT_DIR", "/meta/.git")
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "http.proxy")
	t.Setenv("GIT_CONFIG_VALUE_0", "http://proxy:3128")
	env := strings.Join(remoteEnv("https://u:secret@host/r.git"), "\n") + "\n"
	for _, want := range []string{
		"GIT_TERMINAL_PROMPT=0\n",
		"GIT_CONFIG_KEY_0=http.proxy\n",
		"GIT_CONFIG_KEY_1=url.https://u:secret@host/r.git.insteadOf\n",
		"GIT_CONFIG_VALUE_1=https://***@host/r.git\n",
		"GIT_CONFIG_COUNT=2\n",
	} {
		if !strings.Contains(env, want) {
			t.Errorf("remoteEnv lacks %q:\n%s", want, env)
		}
	}
	if strings.Contains(env, "GIT_DIR=") {
		t.Errorf("remoteEnv keeps GIT_DIR:\n%s", env)
	}
	plain := strings.Join(remoteEnv("git@host:r.git"), "\n")
	if strings.Contains(plain, "insteadOf") || !strings.Contains(plain, "GIT_CONFIG_COUNT=1") {
		t.Errorf("remoteEnv without credentials:\n%s", plain)
	}
}

func TestParseLsRemote(t *testing.T) {
	out := "ref: refs/heads/main\tHEAD\n" +
		"aaa\tHEAD\n" +
		"aaa\trefs/heads/main\n" +
		"bbb\trefs/heads/testomation\n" +
		"ccc\trefs/tags/lib-1.0\n" +
		"aaa\trefs/tags/lib-1.0^{}\n" +
		"ddd\trefs/pull/1/head\n"
	got := parseLsRemote([]byte(out))
	want := map[string]string{"refs/heads/main": "aaa", "refs/heads/testomation": "bbb", "refs/tags/lib-1.0": "ccc"}
	if got.head != "refs/heads/main" || len(got.refs) != len(want) {
		t.Fatalf("parseLsRemote = %+v", got)
	}
	for ref, object := range want {
		if got.refs[ref] != object {
			t.Errorf("%s = %q, want %q", ref, got.refs[ref], object)
		}
	}
}
