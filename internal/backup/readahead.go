package backup

import (
	"io"
	"sync"
)

// Read-ahead: how much decompressed data waits for the reader at most.
const (
	readAheadBlock  = 256 << 10
	readAheadBlocks = 8
)

// readAhead reads src in its own goroutine, a few blocks ahead of its
// reader, so that decompressing the backup overlaps the work downstream
// (scanning the dump, the server's COPY) instead of taking turns with it,
// as `zcat | psql` does with two processes. Memory stays bounded.
type readAhead struct {
	src  io.ReadCloser
	full chan []byte // blocks read, in order; closed after the last
	free chan []byte
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	block []byte // the block being read out
	cur   []byte // its unread rest
	// err is why the blocks ended (io.EOF at the end); it is set before
	// full is closed.
	err error
}

func newReadAhead(src io.ReadCloser) *readAhead {
	r := &readAhead{
		src:  src,
		full: make(chan []byte, readAheadBlocks),
		free: make(chan []byte, readAheadBlocks),
		stop: make(chan struct{}),
	}
	for range readAheadBlocks {
		r.free <- make([]byte, readAheadBlock)
	}
	r.wg.Go(r.fill)
	return r
}

func (r *readAhead) fill() {
	defer close(r.full)
	for {
		var buf []byte
		select {
		case buf = <-r.free:
		case <-r.stop:
			r.err = io.ErrClosedPipe
			return
		}
		n, err := readBlock(r.src, buf)
		if n > 0 {
			r.full <- buf[:n]
		} else {
			r.free <- buf
		}
		if err != nil {
			r.err = err
			return
		}
	}
}

// readBlock fills buf unless src ends or fails first.
func readBlock(src io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := src.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (r *readAhead) Read(p []byte) (int, error) {
	if len(r.cur) == 0 {
		buf, ok := <-r.full
		if !ok {
			return 0, r.err
		}
		r.block, r.cur = buf, buf
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	if len(r.cur) == 0 {
		r.free <- r.block[:cap(r.block)]
		r.block, r.cur = nil, nil
	}
	return n, nil
}

// Close stops reading ahead and closes src.
func (r *readAhead) Close() error {
	r.once.Do(func() {
		// fill never waits to hand over a block (full has room for all
		// of them), only for a free one or for src.
		close(r.stop)
		r.wg.Wait()
	})
	return r.src.Close()
}
