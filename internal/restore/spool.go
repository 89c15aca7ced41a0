package restore

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// spoolMemory is how much of a table's COPY data a spool keeps in memory
// before it goes on in a temporary file.
const spoolMemory = 16 << 20

var errSpoolClosed = errors.New("the COPY session stopped reading")

// spool carries one table's COPY data from the dump to the session that
// loads it, so that reading the dump on (to the next table, loaded by
// another session) never waits for that session. What the session has not
// read yet is kept in memory up to spoolMemory, then in a temporary file in
// dir, which is unlinked as soon as it is made: nothing is left behind.
type spool struct {
	dir string

	mu      sync.Mutex
	cond    *sync.Cond
	mem     [][]byte // in memory, in order, before any of the file
	memSize int
	file    *os.File
	written int64 // into the file
	read    int64 // from the file
	done    bool  // the writer is finished
	werr    error // and why, if it failed
	stopped bool  // the reader is gone
}

func newSpool(dir string) *spool {
	s := &spool{dir: dir}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// spoolChunk is how much ReadFrom reads at a time.
const spoolChunk = 256 << 10

// ReadFrom reads r to its end into the spool, in chunks the reader then
// takes its data from: one copy less than through Write.
func (s *spool) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		chunk := make([]byte, spoolChunk)
		n, err := io.ReadAtLeast(r, chunk, spoolChunk/2)
		if n > 0 {
			if _, werr := s.write(chunk[:n], true); werr != nil {
				return total, werr
			}
			total += int64(n)
		}
		switch err {
		case nil:
		case io.EOF, io.ErrUnexpectedEOF:
			return total, nil
		default:
			return total, err
		}
	}
}

func (s *spool) Write(p []byte) (int, error) {
	return s.write(p, false)
}

// write adds p, which the spool may keep when owned.
func (s *spool) write(p []byte, owned bool) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return 0, errSpoolClosed
	}
	defer s.cond.Signal()
	if s.file == nil && s.memSize+len(p) <= spoolMemory {
		if !owned {
			p = append([]byte(nil), p...)
		}
		s.mem = append(s.mem, p)
		s.memSize += len(p)
		return len(p), nil
	}
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, "git-dbrestore-copy-*")
		if err != nil {
			return 0, fmt.Errorf("[backup] tempdir: %w", err)
		}
		os.Remove(f.Name())
		s.file = f
	}
	n, err := s.file.WriteAt(p, s.written)
	s.written += int64(n)
	if err != nil {
		return n, fmt.Errorf("[backup] tempdir: %w", err)
	}
	return n, nil
}

// finish ends the data: the reader gets err, or io.EOF when nil.
func (s *spool) finish(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done, s.werr = true, err
	s.cond.Broadcast()
}

func (s *spool) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		switch {
		case len(s.mem) > 0:
			n := copy(p, s.mem[0])
			if s.mem[0] = s.mem[0][n:]; len(s.mem[0]) == 0 {
				s.mem = s.mem[1:]
			}
			s.memSize -= n
			return n, nil
		case s.read < s.written:
			n, err := s.file.ReadAt(p[:min(int64(len(p)), s.written-s.read)], s.read)
			s.read += int64(n)
			if err == io.EOF {
				err = nil
			}
			return n, err
		case s.done:
			if s.werr != nil {
				return 0, s.werr
			}
			return 0, io.EOF
		}
		s.cond.Wait()
	}
}

// stop is the reader giving up: writes fail from now on, and the data kept
// is let go.
func (s *spool) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	s.mem, s.memSize = nil, 0
	if s.file != nil {
		s.file.Close()
		s.file = nil
		s.read, s.written = 0, 0
	}
}
