package script

import (
	"bytes"
	"fmt"
	"io"
)

// copyReader yields the data of a COPY ... FROM stdin block as written, up
// to (not including) its terminating line "\.".
type copyReader struct {
	s           *Scanner
	atLineStart bool
	startLine   int
	done        bool
	err         error
}

// CopyData is the data of the CopyIn item Next just returned. It reads
// io.EOF at the block's "\." line, and an error wrapping ErrTruncated when
// the dump ends first.
func (s *Scanner) CopyData() io.Reader {
	if s.copy == nil {
		return bytes.NewReader(nil)
	}
	return s.copy
}

// SkipCopy discards the rest of the current COPY block (after the server
// refused it), so that the dump can be read on, or reports why it could not.
func (s *Scanner) SkipCopy() error {
	if s.copy == nil || s.copy.done {
		return nil
	}
	_, err := io.Copy(io.Discard, s.copy)
	return err
}

var terminatorCandidate = []byte("\n\\.")

func (c *copyReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.done {
		return 0, io.EOF
	}
	s := c.s
	for {
		data := s.buf[s.pos:s.end]
		eof := s.rerr != nil // nothing more will come than what is buffered
		safe, term := c.scan(data, eof)
		if safe > 0 {
			n := copy(p, data[:safe])
			s.line += bytes.Count(data[:n], []byte{'\n'})
			c.atLineStart = data[n-1] == '\n'
			s.pos += n
			return n, nil
		}
		if term > 0 {
			s.pos += term
			s.line++
			c.done = true
			return 0, io.EOF
		}
		if eof {
			if err := s.readErr(); err != nil {
				c.err = fmt.Errorf("reading the dump: %w", err)
			} else {
				c.err = fmt.Errorf("%w: it ends inside the COPY data that starts after line %d (no \\. line)", ErrTruncated, c.startLine)
			}
			return 0, c.err
		}
		s.fill()
	}
}

// scan looks at buffered data: safe is how many bytes can go to the server
// as COPY data; term > 0 says a terminator line of that length starts at
// data[0]. Both zero means more data is needed to decide.
func (c *copyReader) scan(data []byte, eof bool) (safe, term int) {
	off := 0
	if !c.atLineStart {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return len(data), 0
		}
		off = j + 1
	}
	for {
		switch t := terminatorAt(data[off:], eof); {
		case t > 0:
			if off == 0 {
				return 0, t
			}
			return off, 0
		case t < 0: // undecided
			return off, 0
		}
		j := bytes.Index(data[off:], terminatorCandidate)
		if j < 0 {
			// A candidate may straddle the end of the buffer.
			switch {
			case bytes.HasSuffix(data, []byte("\n\\")):
				return len(data) - 1, 0
			}
			return len(data), 0
		}
		off += j + 1
	}
}

// terminatorAt says whether line (at a line start) is "\.": its length with
// the newline, 0 when it is not, -1 when more data is needed.
func terminatorAt(line []byte, eof bool) int {
	switch {
	case len(line) == 0:
		if eof {
			return 0
		}
		return -1
	case line[0] != '\\':
		return 0
	case len(line) == 1:
		if eof {
			return 0
		}
		return -1
	case line[1] != '.':
		return 0
	case len(line) == 2:
		if eof {
			return 2
		}
		return -1
	case line[2] == '\n':
		return 3
	case line[2] != '\r':
		return 0
	case len(line) == 3:
		if eof {
			return 3
		}
		return -1
	case line[3] == '\n':
		return 4
	}
	return 0
}

// CopyErr is why the current COPY block's data could not be read (a read
// error or a dump cut off), if it could not.
func (s *Scanner) CopyErr() error {
	if s.copy == nil {
		return nil
	}
	return s.copy.err
}
