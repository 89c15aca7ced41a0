package restore

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"time"
)

// A spool hands its data over whole and in order, and keeps at most
// spoolMemory of it: the writer waits for the reader beyond that.
func TestSpool(t *testing.T) {
	s := newSpool()
	want := bytes.Repeat([]byte("1\tsome text\t\\N\n"), 3*spoolMemory/15)
	done := make(chan error, 1)
	go func() {
		_, err := s.ReadFrom(iotest.HalfReader(bytes.NewReader(want)))
		s.finish(err)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	s.mu.Lock()
	held := s.memSize
	s.mu.Unlock()
	if held > spoolMemory {
		t.Errorf("the spool holds %d bytes, more than %d", held, spoolMemory)
	}
	got, err := io.ReadAll(iotest.HalfReader(s))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(want))
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.stop()

	// The writer's failure reaches the reader; the reader's stop, the
	// writer, even one waiting for room.
	s = newSpool()
	s.ReadFrom(bytes.NewReader([]byte("1\tx\n")))
	boom := errors.New("the dump is truncated")
	s.finish(boom)
	if got, err := io.ReadAll(s); string(got) != "1\tx\n" || !errors.Is(err, boom) {
		t.Errorf("got %q, %v; want the data then %v", got, err, boom)
	}
	s = newSpool()
	go func() {
		time.Sleep(50 * time.Millisecond)
		s.stop()
	}()
	if _, err := s.ReadFrom(bytes.NewReader(want)); !errors.Is(err, errSpoolClosed) {
		t.Errorf("write after stop: %v", err)
	}
}
