package meta

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// userinfo is the part of a URL between "scheme://" and "@": a user, or
// user:password, or a token.
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^/@\s]*)@`)

// Redact hides what may be a secret in a URL or in a message that quotes
// one: a password becomes ***, and so does the whole user part of an
// http(s) URL, where it is often a token (https://TOKEN@host/...). An ssh
// user name (ssh://git@host) is no secret and stays.
func Redact(s string) string {
	return userinfo.ReplaceAllStringFunc(s, func(m string) string {
		parts := userinfo.FindStringSubmatch(m)
		scheme, info := parts[1], parts[2]
		if user, _, ok := strings.Cut(info, ":"); ok {
			info = user + ":***"
		}
		if strings.HasPrefix(strings.ToLower(scheme), "http") {
			info = "***"
		}
		return scheme + info + "@"
	})
}

// cacheKey names a dependency's mirror in the cache directory: a readable
// name and a hash of the redacted location. No secret and no path separator
// ends up in a directory name; two repositories with the same last segment
// get two mirrors; a URL whose token changes keeps its mirror, whose
// remote.origin.url is that same redacted URL (see remoteEnv).
func cacheKey(location string) string {
	redacted := Redact(location)
	sum := sha256.Sum256([]byte(redacted))
	name := strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, NameFromURL(redacted))
	if len(name) > 40 {
		name = name[:40]
	}
	return strings.TrimLeft(name+"-", ".-") + hex.EncodeToString(sum[:8])
}

// repositoryEnv lists the variables by which git finds a repository
// (`git rev-parse --local-env-vars`, less the configuration ones). They name
// the meta repository when git-metaversion runs from a hook or an alias, and
// must not leak into commands on a mirror.
var repositoryEnv = []string{
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_OBJECT_DIRECTORY", "GIT_DIR",
	"GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE",
	"GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_PREFIX", "GIT_INTERNAL_SUPER_PREFIX",
	"GIT_SHALLOW_FILE", "GIT_COMMON_DIR",
}

// remoteEnv is the environment of git commands on a dependency's mirror:
// this process's without the repository variables; no terminal prompts, so
// that a missing credential fails instead of hanging a CI job; and, when
// the URL carries credentials, a url.<URL>.insteadOf rule that turns the
// redacted URL git is given (on its command line, in the mirror's config)
// back into the real one, so that the secret is in neither the process list
// nor the cache.
func remoteEnv(location string) []string {
	var env []string
	count := 0
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if name == "GIT_CONFIG_COUNT" {
			count, _ = strconv.Atoi(value)
			continue
		}
		if name == "GIT_TERMINAL_PROMPT" || slices.Contains(repositoryEnv, name) {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "GIT_TERMINAL_PROMPT=0")
	if redacted := Redact(location); redacted != location {
		env = append(env,
			fmt.Sprintf("GIT_CONFIG_KEY_%d=url.%s.insteadOf", count, location),
			fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", count, redacted))
		count++
	}
	if count > 0 {
		env = append(env, fmt.Sprintf("GIT_CONFIG_COUNT=%d", count))
	}
	return env
}
