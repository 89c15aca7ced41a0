// Package backup fetches a backup (https://, http://, file:// or a path) and
// unpacks it: decompression by the file's name (.gz, .bz2, .xz, .zst) and
// tar archives holding one dump per database, streamed wherever the archive
// allows and never written outside a private temporary directory.
package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"time"
)

// Source is where the backup is and how to log in there.
type Source struct {
	URI string
	// Username and Password are sent with HTTP basic authentication; Realm
	// is the realm the server is expected to ask for, named in errors.
	Username string
	Password string
	Realm    string
}

// Download is an opened backup.
type Download struct {
	io.ReadCloser
	// Name is the file's name, which tells its format.
	Name string
	// Size is its length in bytes, -1 when unknown.
	Size int64
}

// Redact is uri fit for messages: no password, no secret query values.
func Redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return uri
	}
	if u.RawQuery != "" {
		q := u.Query()
		for key := range q {
			if secretParam.MatchString(key) {
				q[key] = []string{"xxxxx"}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

var secretParam = regexp.MustCompile(`(?i)pass|pwd|secret|token|key|sig|auth|credential`)

// Open starts reading the backup.
func Open(ctx context.Context, src Source) (*Download, error) {
	u, err := url.Parse(src.URI)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return openHTTP(ctx, src, u)
	}
	file := src.URI
	if err == nil && u.Scheme == "file" {
		file = u.Path
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("open backup: %w", err)
	}
	info, err := f.Stat()
	if err == nil && info.IsDir() {
		err = errors.New("is a directory")
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open backup %s: %w", file, err)
	}
	return &Download{ReadCloser: f, Name: filepath.Base(file), Size: info.Size()}, nil
}

func openHTTP(ctx context.Context, src Source, u *url.URL) (*Download, error) {
	shown := Redact(src.URI)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", shown, err)
	}
	username, password := src.Username, src.Password
	if username == "" && password == "" && u.User != nil {
		username = u.User.Username()
		password, _ = u.User.Password()
	}
	if username != "" || password != "" {
		req.SetBasicAuth(username, password)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ResponseHeaderTimeout = 2 * time.Minute
	client := &http.Client{Transport: transport}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("download %s: %w", shown, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		resp.Body.Close()
		return nil, fmt.Errorf("download %s: %s (%s)", shown, resp.Status, authHint(src, username, resp.Header.Get("WWW-Authenticate")))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body.Close()
		return nil, fmt.Errorf("download %s: %s", shown, resp.Status)
	}
	name := path.Base(resp.Request.URL.Path)
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" && !knownFormat(name) {
		name = path.Base(params["filename"])
	}
	body := &readErrors{r: resp.Body, c: resp.Body, what: "download " + shown}
	return &Download{ReadCloser: body, Name: name, Size: resp.ContentLength}, nil
}

// authHint says what to check after a 401.
func authHint(src Source, username, challenge string) string {
	hint := "check [backup] username/password"
	if username == "" {
		hint = "the server asks for a login: set [backup] username/password"
	}
	if asked := realmOf(challenge); asked != "" && src.Realm != "" && asked != src.Realm {
		hint += fmt.Sprintf("; the server asks for realm %q, [backup] realm is %q", asked, src.Realm)
	}
	return hint
}

var realmParam = regexp.MustCompile(`(?i)realm="((?:[^"\\]|\\.)*)"|realm=([^\s,]+)`)

func realmOf(challenge string) string {
	m := realmParam.FindStringSubmatch(challenge)
	switch {
	case m == nil:
		return ""
	case m[2] != "":
		return m[2]
	}
	return regexp.MustCompile(`\\(.)`).ReplaceAllString(m[1], "$1")
}

// readErrors names what was being read in its read errors.
type readErrors struct {
	r    io.Reader
	c    io.Closer
	what string
}

func (r *readErrors) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		var named *namedError
		if !errors.As(err, &named) {
			err = &namedError{what: r.what, err: err}
		}
	}
	return n, err
}

func (r *readErrors) Close() error {
	if r.c == nil {
		return nil
	}
	return r.c.Close()
}

// namedError is a read error with the operation and object it concerns.
type namedError struct {
	what string
	err  error
}

func (e *namedError) Error() string { return e.what + ": " + e.err.Error() }
func (e *namedError) Unwrap() error { return e.err }
