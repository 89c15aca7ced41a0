package backup

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Format is what a backup's name says it is.
type Format struct {
	// Compression is "", "gz", "bz2", "xz" or "zst".
	Compression string
	// Tar is a tar archive of dumps; otherwise the file is one dump.
	Tar bool
}

var suffixes = []struct {
	suffix string
	format Format
}{
	{".tar.gz", Format{"gz", true}}, {".tgz", Format{"gz", true}},
	{".tar.bz2", Format{"bz2", true}}, {".tbz2", Format{"bz2", true}}, {".tbz", Format{"bz2", true}},
	{".tar.xz", Format{"xz", true}}, {".txz", Format{"xz", true}},
	{".tar.zst", Format{"zst", true}}, {".tzst", Format{"zst", true}},
	{".tar", Format{"", true}},
	{".sql.gz", Format{"gz", false}}, {".sql.bz2", Format{"bz2", false}},
	{".sql.xz", Format{"xz", false}}, {".sql.zst", Format{"zst", false}},
	{".sql", Format{"", false}},
}

// FormatOf tells a backup's format by its name.
func FormatOf(name string) (Format, error) {
	lower := strings.ToLower(name)
	for _, s := range suffixes {
		if strings.HasSuffix(lower, s.suffix) {
			return s.format, nil
		}
	}
	return Format{}, fmt.Errorf("%s: unknown backup format (known: .sql, .tar, each optionally .gz, .bz2, .xz or .zst; .tgz)", name)
}

func knownFormat(name string) bool {
	_, err := FormatOf(name)
	return err == nil
}

// DumpName is the name of the dump inside a backup that is one dump:
// "db.sql.gz" holds "db.sql".
func DumpName(name string) string {
	for _, ext := range []string{".gz", ".bz2", ".xz", ".zst"} {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			return name[:len(name)-len(ext)]
		}
	}
	return name
}

// Decompress reads r decompressed, in a goroutine of its own that keeps a
// little ahead of the reader; name is the backup's, for messages.
func Decompress(r io.Reader, f Format, name string) (io.ReadCloser, error) {
	var (
		out    io.Reader
		closer io.Closer
		err    error
	)
	switch f.Compression {
	case "":
		return io.NopCloser(r), nil
	case "gz":
		var z *gzip.Reader
		z, err = gzip.NewReader(r)
		out, closer = z, z
	case "bz2":
		z := newParallelBzip2(r, runtime.GOMAXPROCS(0))
		out, closer = z, z
	case "xz":
		out, err = xz.NewReader(r)
	case "zst":
		var z *zstd.Decoder
		z, err = zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<31))
		if err == nil {
			out, closer = z, z.IOReadCloser()
		}
	default:
		err = fmt.Errorf("unknown compression %q", f.Compression)
	}
	if err != nil {
		return nil, fmt.Errorf("unpack %s: %w", name, err)
	}
	return newReadAhead(&readErrors{r: out, c: closer, what: "unpack " + name}), nil
}
