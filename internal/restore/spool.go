package restore

import (
	"errors"
	"io"
	"sync"
)

// A spool holds up to spoolMemory of a table's COPY data, in chunks of
// spoolChunk.
const (
	spoolMemory = 32 << 20
	spoolChunk  = 256 << 10
)

var errSpoolClosed = errors.New("the COPY session stopped reading")

// chunks are the spools' buffers, used again and again: memory stays flat.
var chunks = sync.Pool{New: func() any { b := make([]byte, spoolChunk); return &b }}

// spool carries one table's COPY data from the dump to the session that
// loads it, up to spoolMemory ahead of that session, so that the dump is
// read on to the next table (loaded by another session) while this one's
// last part goes in. A temporary file would let the dump be read further
// ahead still, but writing and reading a big table's data once more cost a
// 2-core server more than the overlap gained.
type spool struct {
	mu      sync.Mutex
	cond    *sync.Cond
	mem     []*chunk // in order
	memSize int
	done    bool  // the writer is finished
	werr    error // and why, if it failed
	stopped bool  // the reader is gone
}

type chunk struct {
	buf  *[]byte
	data []byte // the unread part of *buf
}

func newSpool() *spool {
	s := &spool{}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// ReadFrom reads r to its end into the spool, straight into its chunks.
func (s *spool) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		buf := chunks.Get().(*[]byte)
		n, err := io.ReadAtLeast(r, *buf, spoolChunk/2)
		if n > 0 {
			if err := s.add(&chunk{buf: buf, data: (*buf)[:n]}); err != nil {
				return total, err
			}
			total += int64(n)
		} else {
			chunks.Put(buf)
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

// add appends c once the reader has left room for it.
func (s *spool) add(c *chunk) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.stopped && s.memSize > 0 && s.memSize+len(c.data) > spoolMemory {
		s.cond.Wait()
	}
	if s.stopped {
		chunks.Put(c.buf)
		return errSpoolClosed
	}
	s.mem = append(s.mem, c)
	s.memSize += len(c.data)
	s.cond.Broadcast()
	return nil
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
			c := s.mem[0]
			n := copy(p, c.data)
			if c.data = c.data[n:]; len(c.data) == 0 {
				s.mem = s.mem[1:]
				chunks.Put(c.buf)
			}
			s.memSize -= n
			s.cond.Broadcast()
			return n, nil
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
	for _, c := range s.mem {
		chunks.Put(c.buf)
	}
	s.mem, s.memSize = nil, 0
	s.cond.Broadcast()
}
