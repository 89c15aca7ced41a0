package backup

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	dsbzip2 "github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/gzip"
)

func TestFormatOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Format
		dump string
	}{
		{"db.sql", Format{"", false}, "db.sql"},
		{"DB.SQL.GZ", Format{"gz", false}, "DB.SQL"},
		{"db.sql.bz2", Format{"bz2", false}, "db.sql"},
		{"db.sql.xz", Format{"xz", false}, "db.sql"},
		{"db.sql.zst", Format{"zst", false}, "db.sql"},
		{"backup_archive.tar.gz", Format{"gz", true}, ""},
		{"b.tgz", Format{"gz", true}, ""},
		{"b.tar.bz2", Format{"bz2", true}, ""},
		{"b.tbz2", Format{"bz2", true}, ""},
		{"b.tar.xz", Format{"xz", true}, ""},
		{"b.tar.zst", Format{"zst", true}, ""},
		{"b.tar", Format{"", true}, ""},
		{"nightly.2024-01-01.sql.gz", Format{"gz", false}, "nightly.2024-01-01.sql"},
	} {
		got, err := FormatOf(tc.name)
		if err != nil || got != tc.want {
			t.Errorf("FormatOf(%q) = %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
		if tc.dump != "" {
			if got := DumpName(tc.name); got != tc.dump {
				t.Errorf("DumpName(%q) = %q, want %q", tc.name, got, tc.dump)
			}
		}
	}
	for _, name := range []string{"db.dump", "db.gz", "backup.zip", "", "download"} {
		if f, err := FormatOf(name); err == nil || !strings.Contains(err.Error(), "unknown backup format") {
			t.Errorf("FormatOf(%q) = %+v, %v; want an unknown format error", name, f, err)
		}
	}
}

func TestSafeMember(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		ok         bool
	}{
		{"db.sql", "db.sql", true},
		{"./db.sql", "db.sql", true},
		{"path/in/tarfile/db.sql", "path/in/tarfile/db.sql", true},
		{"a/../b.sql", "b.sql", true},
		{"a//b.sql", "a/b.sql", true},
		{"/etc/passwd", "", false},
		{"../db.sql", "", false},
		{"a/../../db.sql", "", false},
		{"..", "", false},
	} {
		got, ok := safeMember(tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("safeMember(%q) = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://my.backup.server.cz/my/dir/backup_archive.tar.gz", "https://my.backup.server.cz/my/dir/backup_archive.tar.gz"},
		{"https://blah:xxx@host/a.tar.gz", "https://blah:xxxxx@host/a.tar.gz"},
		{"https://host/a.sql.gz?token=s3cr3t&x=1", "https://host/a.sql.gz?token=xxxxx&x=1"},
		{"https://host/a.sql.gz?X-Amz-Signature=abc&X-Amz-Credential=def", "https://host/a.sql.gz?X-Amz-Credential=xxxxx&X-Amz-Signature=xxxxx"},
		{"/var/backups/a.sql", "/var/backups/a.sql"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAuthHint(t *testing.T) {
	for _, tc := range []struct {
		realm, username, challenge, want string
	}{
		{"backuprealm", "blah", `Basic realm="backuprealm"`, "check [backup] username/password"},
		{"backuprealm", "blah", `Basic realm="other"`, `check [backup] username/password; the server asks for realm "other", [backup] realm is "backuprealm"`},
		{"", "blah", `Basic realm="other"`, "check [backup] username/password"},
		{"r", "", `Basic realm="r"`, "the server asks for a login: set [backup] username/password"},
		{"r", "u", `Basic charset="UTF-8", realm=plain`, `check [backup] username/password; the server asks for realm "plain", [backup] realm is "r"`},
		{"r", "u", `Basic realm="say \"hi\""`, `check [backup] username/password; the server asks for realm "say \"hi\"", [backup] realm is "r"`},
		{"r", "u", ``, "check [backup] username/password"},
	} {
		if got := authHint(Source{Realm: tc.realm}, tc.username, tc.challenge); got != tc.want {
			t.Errorf("authHint(realm %q, user %q, %q) = %q, want %q", tc.realm, tc.username, tc.challenge, got, tc.want)
		}
	}
}

// A 401 names the [backup] options, never the password, and the realm the
// server asked for.
func TestOpen401(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); ok && u == "blah" && p == "right" {
			io.WriteString(w, "SELECT 1;\n")
			return
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="backups"`)
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	defer srv.Close()
	_, err := Open(context.Background(), Source{URI: srv.URL + "/a.sql", Username: "blah", Password: "s3cr3t", Realm: "backuprealm"})
	want := `download ` + srv.URL + `/a.sql: 401 Unauthorized (check [backup] username/password; the server asks for realm "backups", [backup] realm is "backuprealm")`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	dl, err := Open(context.Background(), Source{URI: srv.URL + "/a.sql", Username: "blah", Password: "right"})
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close()
	if dl.Name != "a.sql" {
		t.Errorf("name %q, want a.sql", dl.Name)
	}
	// Credentials in the URI are used, and never shown.
	u := strings.Replace(srv.URL, "http://", "http://blah:wrong@", 1) + "/a.sql"
	_, err = Open(context.Background(), Source{URI: u})
	if err == nil || strings.Contains(err.Error(), "wrong") || !strings.Contains(err.Error(), "blah:xxxxx@") {
		t.Fatalf("got %v, want a 401 with the password redacted", err)
	}
}

func gz(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Decompression errors come through the read-ahead as errors, never as the
// end of the dump.
func TestDecompressErrors(t *testing.T) {
	data := bytes.Repeat([]byte("COPY data line\n"), 100_000)
	z := gz(t, data)
	r, err := Decompress(bytes.NewReader(z), Format{Compression: "gz"}, "a.sql.gz")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(iotest.OneByteReader(r))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(data))
	}
	r.Close()

	for _, cut := range []int{len(z) - 4, len(z) / 2, 5} {
		r, err := Decompress(bytes.NewReader(z[:cut]), Format{Compression: "gz"}, "a.sql.gz")
		if err == nil {
			_, err = io.ReadAll(r)
			r.Close()
		}
		if err == nil || !strings.HasPrefix(err.Error(), "unpack a.sql.gz: ") {
			t.Errorf("gzip cut at %d of %d: got %v, want an unpack error", cut, len(z), err)
		}
	}
	boom := errors.New("connection reset")
	r, err = Decompress(io.MultiReader(bytes.NewReader(z[:len(z)/2]), iotest.ErrReader(boom)), Format{Compression: "gz"}, "a.sql.gz")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); !errors.Is(err, boom) {
		t.Errorf("got %v, want %v", err, boom)
	}
	// Closing before the end stops the read-ahead.
	r, _ = Decompress(bytes.NewReader(z), Format{Compression: "gz"}, "a.sql.gz")
	r.Read(make([]byte, 10))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

type tarEntry struct {
	hdr  tar.Header
	data string
}

func mkTar(t *testing.T, entries ...tarEntry) []byte {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range entries {
		hdr := e.hdr
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		hdr.Mode, hdr.Size = 0o644, int64(len(e.data))
		if err := w.WriteHeader(&hdr); err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, e.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestUnpack(t *testing.T) {
	archive := mkTar(t,
		tarEntry{tar.Header{Name: "path/", Typeflag: tar.TypeDir}, ""},
		tarEntry{tar.Header{Name: "path/in/tarfile/first.sql"}, "first"},
		tarEntry{tar.Header{Name: "./second.sql"}, "second"},
		tarEntry{tar.Header{Name: "link.sql", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, ""},
		tarEntry{tar.Header{Name: "last.sql"}, "last"},
	)
	tmp := t.TempDir()
	u := &Unpacker{TempDir: tmp}
	got := map[string]string{}
	streamed := map[string]bool{}
	members, err := u.Unpack(context.Background(), bytes.NewReader(archive), Format{Tar: true}, "b.tar",
		map[string]int{"path/in/tarfile/first.sql": 1, "second.sql": 2, "link.sql": 1, "last.sql": 1},
		func(d Dump) {
			for i, r := range d.Readers {
				data, err := io.ReadAll(r)
				if err != nil {
					t.Error(err)
				}
				r.Close()
				got[d.Member+"#"+string(rune('0'+i))] = string(data)
			}
			streamed[d.Member] = d.Streamed
		})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"path/in/tarfile/first.sql#0": "first", "second.sql#0": "second", "second.sql#1": "second", "last.sql#0": "last"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if !streamed["last.sql"] || streamed["second.sql"] {
		t.Errorf("streamed %v: want only the last member, with one reader, streamed", streamed)
	}
	var msgs []string
	for _, m := range members {
		msgs = append(msgs, m.Member+": "+m.Error())
	}
	wantMsgs := []string{
		"link.sql: unpack b.tar: link.sql is a symbolic link to /etc/passwd, not a file: links are not followed",
	}
	if strings.Join(msgs, "\n") != strings.Join(wantMsgs, "\n") {
		t.Errorf("member errors\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(wantMsgs, "\n"))
	}

	members, err = u.Unpack(context.Background(), bytes.NewReader(archive), Format{Tar: true}, "b.tar",
		map[string]int{"last.sql": 1, "missing.sql": 1}, func(d Dump) {
			for _, r := range d.Readers {
				r.Close()
			}
		})
	want1 := "unpack b.tar: no missing.sql in the archive (it holds: path, path/in/tarfile/first.sql, second.sql, link.sql, last.sql)"
	if err != nil || len(members) != 1 || members[0].Member != "missing.sql" || members[0].Error() != want1 {
		t.Errorf("got %v, %v; want %s", members, err, want1)
	}
	if err := u.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left in tempdir: %v", left)
	}
}

func TestUnpackRefusesTraversal(t *testing.T) {
	for _, name := range []string{"../../keep.sql", "/etc/cron.d/x", "a/../../x.sql"} {
		archive := mkTar(t, tarEntry{tar.Header{Name: "keep.sql"}, "ok"}, tarEntry{tar.Header{Name: name}, "evil"})
		tmp := t.TempDir()
		u := &Unpacker{TempDir: tmp}
		_, err := u.Unpack(context.Background(), bytes.NewReader(archive), Format{Tar: true}, "evil.tar",
			map[string]int{"keep.sql": 1, "other.sql": 1}, func(d Dump) {
				for _, r := range d.Readers {
					r.Close()
				}
			})
		if err == nil || !strings.Contains(err.Error(), `entry "`+name+`" escapes the archive`) {
			t.Errorf("%s: got %v, want the archive refused", name, err)
		}
		u.Cleanup()
		if _, err := os.Stat(filepath.Join(tmp, "..", "keep.sql")); err == nil {
			t.Errorf("%s: a file was written outside tempdir", name)
		}
	}
}

// dump is text like a dump's, varied enough for bzip2 to need many blocks.
func dump(rows int) []byte {
	var b bytes.Buffer
	x := uint32(1)
	for i := range rows {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		fmt.Fprintf(&b, "%d\t%08x\trow %d\t\\N\n", i, x, x%977)
	}
	return b.Bytes()
}

func bz2(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w, err := dsbzip2.NewWriter(&b, &dsbzip2.WriterConfig{Level: 1}) // 100 kB blocks
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParallelBzip2(t *testing.T) {
	data := dump(40_000) // about 1.3 MB: 14 blocks
	one := bz2(t, data)
	two := append(bz2(t, data[:len(data)/3]), bz2(t, data[len(data)/3:])...) // as pbzip2 writes
	empty := bz2(t, nil)
	for _, tc := range []struct {
		name string
		in   []byte
		want []byte
	}{
		{"one stream", one, data},
		{"two streams", two, data},
		{"an empty stream", empty, nil},
		{"empty streams around", append(append(append([]byte{}, empty...), one...), empty...), data},
	} {
		for _, workers := range []int{1, 3} {
			for name, r := range map[string]io.Reader{
				"whole":    bytes.NewReader(tc.in),
				"one byte": iotest.OneByteReader(bytes.NewReader(tc.in)),
			} {
				z := newParallelBzip2(r, workers)
				got, err := io.ReadAll(z)
				z.Close()
				if err != nil || !bytes.Equal(got, tc.want) {
					t.Errorf("%s, %d workers, %s reads: got %d bytes, %v; want %d", tc.name, workers, name, len(got), err, len(tc.want))
				}
			}
		}
	}

	// Cut anywhere, changed anywhere: an error, never a short success.
	for _, cut := range []int{0, 3, 4, 10, len(one) / 2, len(one) - 5, len(one) - 1} {
		if got, err := io.ReadAll(newParallelBzip2(bytes.NewReader(one[:cut]), 2)); err == nil {
			t.Errorf("cut at %d of %d: %d bytes and no error", cut, len(one), len(got))
		}
	}
	for _, at := range []int{4, 20, len(one) / 3, len(one) - 3} {
		bad := bytes.Clone(one)
		bad[at] ^= 0x10
		if got, err := io.ReadAll(newParallelBzip2(bytes.NewReader(bad), 2)); err == nil && bytes.Equal(got, data) {
			t.Errorf("byte %d changed: read back unchanged", at)
		} else if err == nil {
			t.Errorf("byte %d changed: %d bytes and no error", at, len(got))
		}
	}
	if _, err := io.ReadAll(newParallelBzip2(strings.NewReader("SELECT 1;\n"), 2)); err == nil {
		t.Error("plain text decoded")
	}
	// Closed half-way, it stops.
	z := newParallelBzip2(bytes.NewReader(one), 2)
	z.Read(make([]byte, 100))
	z.Close()
}

// Bits copied at every offset come out as they went in.
func TestBitCopy(t *testing.T) {
	src := []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x80, 0xff}
	bit := func(b []byte, i int) byte { return b[i/8] >> (7 - i%8) & 1 }
	for from := 0; from < 40; from++ {
		for n := 1; from+n <= 8*len(src)-16; n += 7 {
			in := &bitInput{buf: src}
			seg := in.segment(from, from+n)
			var w bitWriter
			w.uint(0b101, 3)
			w.bits(seg.data, seg.bits)
			for i := range n {
				if bit(w.buf, 3+i) != bit(src, from+i) {
					t.Fatalf("from %d, %d bits: bit %d differs", from, n, i)
				}
			}
		}
	}
}

// Block data that happens to hold a block's magic number splits the block
// in two; the reader decodes the halves together.
func TestParallelBzip2FalseMagic(t *testing.T) {
	data := dump(2000) // one block
	stream := bz2(t, data)
	in := &bitInput{r: bytes.NewReader(stream)}
	if _, err := in.readHeader(); err != nil {
		t.Fatal(err)
	}
	end, isEnd, err := in.nextMagic(in.pos + magicBits)
	if err != nil || !isEnd {
		t.Fatalf("end of stream at %d, %v, %v", end, isEnd, err)
	}
	crc, err := in.streamEnd(end)
	if err != nil {
		t.Fatal(err)
	}
	mid := (32 + end) / 2
	z := &parallelBzip2{order: make(chan *bz2Job, 3), stop: make(chan struct{})}
	for _, seg := range []segment{in.segment(32, mid), in.segment(mid, end)} {
		job := &bz2Job{seg: seg, level: '1', done: make(chan struct{})}
		job.out, job.err = decodeBlock(new(dsbzip2.Reader), job.seg, job.level)
		close(job.done)
		z.order <- job
	}
	endJob := &bz2Job{end: true, crc: crc, done: make(chan struct{})}
	close(endJob.done)
	z.order <- endJob
	close(z.order)
	got, err := io.ReadAll(z)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes, %v; want %d", len(got), err, len(data))
	}
}
