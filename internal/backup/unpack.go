package backup

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
)

// Dump is one dump as it comes out of the backup, with one reader for each
// database that restores it.
type Dump struct {
	// Member is its path in the tar archive; "" for a backup that is one dump.
	Member  string
	Size    int64 // -1 when unknown
	Readers []io.ReadCloser
	// Streamed is a dump read straight from the archive, not from a
	// temporary file.
	Streamed bool
}

// Unpacker takes dumps out of a backup, streaming one when it can and
// otherwise keeping them in a private directory under TempDir, which is
// removed on every way out (Cleanup).
type Unpacker struct {
	// TempDir is where temporary files go; "" is the system's.
	TempDir string
	// CanStream is asked before the last dump of the archive is streamed
	// straight to its database: false writes it to a temporary file, like
	// the others, which frees the archive to be read on.
	CanStream func() bool

	mu  sync.Mutex
	dir string
}

// MemberError is a dump that could not be taken out of the archive.
type MemberError struct {
	Member string
	Err    error
}

func (e *MemberError) Error() string { return e.Err.Error() }
func (e *MemberError) Unwrap() error { return e.Err }

// Unpack reads the decompressed backup r (named name) and calls deliver for
// each dump wanted: want maps a tar member (or "" for a backup that is one
// dump) to how many readers it needs. deliver's readers must be read or
// closed: a streamed dump holds up the archive until then. Unpack returns
// when the whole backup has been read and checked; the dumps it could not
// deliver are in members, the failure of the backup as a whole in err.
func (u *Unpacker) Unpack(ctx context.Context, r io.Reader, f Format, name string, want map[string]int, deliver func(Dump)) (members []*MemberError, err error) {
	if !f.Tar {
		if err := u.take(ctx, r, Dump{Size: -1}, want[""], true, deliver); err != nil {
			return nil, err
		}
		return nil, drain(r)
	}
	tr := tar.NewReader(r)
	outstanding := len(want)
	found := map[string]bool{}
	var seen []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, archiveError(name, err)
		}
		member, ok := safeMember(hdr.Name)
		if !ok {
			return nil, fmt.Errorf("unpack %s: entry %q escapes the archive (absolute or ../ path): refusing the archive", name, hdr.Name)
		}
		if len(seen) < 20 {
			seen = append(seen, member)
		}
		n, wanted := want[member]
		if !wanted || found[member] {
			continue
		}
		found[member] = true
		outstanding--
		if hdr.Typeflag != tar.TypeReg {
			members = append(members, &MemberError{Member: member, Err: fmt.Errorf("unpack %s: %s is %s, not a file: links are not followed", name, member, entryKind(hdr))})
			continue
		}
		if err := u.take(ctx, tr, Dump{Member: member, Size: hdr.Size}, n, outstanding == 0, deliver); err != nil {
			return members, err
		}
	}
	if err := drain(r); err != nil {
		return members, err
	}
	var missing []string
	for member := range want {
		if !found[member] {
			missing = append(missing, member)
		}
	}
	sort.Strings(missing)
	for _, member := range missing {
		members = append(members, &MemberError{Member: member, Err: fmt.Errorf("unpack %s: no %s in the archive (it holds: %s)", name, member, listNames(seen))})
	}
	return members, nil
}

// take delivers one dump: streamed when it is the last one and has a single
// reader, else through a temporary file.
func (u *Unpacker) take(ctx context.Context, r io.Reader, d Dump, readers int, last bool, deliver func(Dump)) error {
	if readers == 1 && last && (u.CanStream == nil || u.CanStream()) {
		s := &stream{r: r, done: make(chan struct{})}
		d.Readers, d.Streamed = []io.ReadCloser{s}, true
		deliver(d)
		select {
		case <-s.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	file, err := u.spool(ctx, r, d.Member)
	if err != nil {
		return err
	}
	defer file.Close()
	for range readers {
		f, err := os.Open(file.Name())
		if err != nil {
			for _, opened := range d.Readers {
				opened.Close()
			}
			return err
		}
		d.Readers = append(d.Readers, f)
	}
	// Open files stay readable: nothing is left behind whatever happens next.
	os.Remove(file.Name())
	deliver(d)
	return nil
}

// spool copies a dump into a new file in the private directory.
func (u *Unpacker) spool(ctx context.Context, r io.Reader, member string) (*os.File, error) {
	dir, err := u.privateDir()
	if err != nil {
		return nil, err
	}
	file, err := os.CreateTemp(dir, "dump-*.sql")
	if err != nil {
		return nil, fmt.Errorf("[backup] tempdir: %w", err)
	}
	_, err = io.Copy(file, &ctxReader{ctx: ctx, r: r})
	if err == nil {
		_, err = file.Seek(0, io.SeekStart)
	}
	if err != nil {
		file.Close()
		os.Remove(file.Name())
		var named *namedError
		if errors.As(err, &named) || ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("write %s to [backup] tempdir %s: %w", displayMember(member), dir, err)
	}
	return file, nil
}

func (u *Unpacker) privateDir() (string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.dir != "" {
		return u.dir, nil
	}
	parent := u.TempDir
	if parent == "" {
		parent = os.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "git-dbrestore-")
	if err != nil {
		return "", fmt.Errorf("[backup] tempdir: %w", err)
	}
	u.dir = dir
	return dir, nil
}

// Cleanup removes the temporary files.
func (u *Unpacker) Cleanup() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.dir == "" {
		return nil
	}
	err := os.RemoveAll(u.dir)
	u.dir = ""
	return err
}

// stream is a dump read straight from the archive; done is closed when its
// reader is finished with it.
type stream struct {
	r    io.Reader
	done chan struct{}
	once sync.Once
}

func (s *stream) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		s.Close()
	}
	return n, err
}

func (s *stream) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// drain reads the rest of the backup: a compressed stream's checksum is
// only checked at its end.
func drain(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

// safeMember is a tar entry's name made relative and clean; false when it
// is absolute or climbs out with "..".
func safeMember(name string) (string, bool) {
	if strings.HasPrefix(name, "/") {
		return "", false
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", false
	}
	return clean, true
}

func entryKind(hdr *tar.Header) string {
	switch hdr.Typeflag {
	case tar.TypeSymlink:
		return "a symbolic link to " + hdr.Linkname
	case tar.TypeLink:
		return "a hard link to " + hdr.Linkname
	case tar.TypeDir:
		return "a directory"
	}
	return fmt.Sprintf("a special entry (type %q)", hdr.Typeflag)
}

func archiveError(name string, err error) error {
	var named *namedError
	if errors.As(err, &named) {
		return err
	}
	return fmt.Errorf("unpack %s: %w", name, err)
}

func displayMember(member string) string {
	if member == "" {
		return "the dump"
	}
	return member
}

func listNames(names []string) string {
	if len(names) == 0 {
		return "nothing"
	}
	s := strings.Join(names, ", ")
	if len(names) == 20 {
		s += ", ..."
	}
	return s
}
