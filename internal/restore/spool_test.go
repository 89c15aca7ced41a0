package restore

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
	"testing/iotest"
)

// A spool hands its data over whole and in order, from memory and then from
// its file, and leaves no file behind.
func TestSpool(t *testing.T) {
	dir := t.TempDir()
	s := newSpool(dir)
	var want bytes.Buffer
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 kB
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; want.Len() < spoolMemory+3*len(chunk); i++ {
			chunk[0] = byte(i)
			want.Write(chunk)
			if _, err := s.Write(chunk); err != nil {
				t.Error(err)
				return
			}
		}
		s.finish(nil)
	}()
	<-done // all written before any is read: the last part went to the file
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files left in the directory: %v", entries)
	}
	got, err := io.ReadAll(iotest.HalfReader(s))
	if err != nil || !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("read %d bytes, %v; want %d", len(got), err, want.Len())
	}
	s.stop()

	// Through ReadFrom (io.Copy), spilling too.
	s = newSpool(dir)
	big := bytes.Repeat([]byte("1\tsome text\t\\N\n"), (spoolMemory+spoolChunk)/15)
	if n, err := io.Copy(s, iotest.HalfReader(bytes.NewReader(big))); err != nil || n != int64(len(big)) {
		t.Fatalf("ReadFrom: %d, %v", n, err)
	}
	s.finish(nil)
	if got, err := io.ReadAll(s); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(big))
	}
	s.stop()

	// The writer's failure reaches the reader; the reader's stop, the writer.
	s = newSpool(dir)
	s.Write([]byte("1\tx\n"))
	boom := errors.New("the dump is truncated")
	s.finish(boom)
	if got, err := io.ReadAll(s); string(got) != "1\tx\n" || !errors.Is(err, boom) {
		t.Errorf("got %q, %v; want the data then %v", got, err, boom)
	}
	s = newSpool(dir)
	s.stop()
	if _, err := s.Write([]byte("x")); !errors.Is(err, errSpoolClosed) {
		t.Errorf("write after stop: %v", err)
	}
}
