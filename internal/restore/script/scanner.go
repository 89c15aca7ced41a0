// Package script reads PostgreSQL's plain-format dumps (pg_dump's SQL) the
// way psql does: one statement at a time, meta-commands such as \connect and
// \restrict, and the data of COPY ... FROM stdin passed on untouched.
//
// The lexer follows psql's own (src/fe_utils/psqlscan.l): a ';' ends a
// statement only outside quotes (”, E”, "", $tag$), comments (-- and
// nested /* */), parentheses and the BEGIN ... END body of a
// CREATE FUNCTION/PROCEDURE ... BEGIN ATOMIC.
package script

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind tells what an Item is.
type Kind int

const (
	// Statement is one SQL statement, with its terminating ';'.
	Statement Kind = iota
	// Meta is a psql meta-command such as \connect.
	Meta
	// CopyIn is a COPY ... FROM stdin statement: its data follows, read
	// with Scanner.CopyData.
	CopyIn
)

// Item is one thing to execute.
type Item struct {
	Kind Kind
	// Text is the statement as written; for Meta, the command's name
	// without the backslash ("connect").
	Text string
	// Args is the rest of a meta-command's line.
	Args string
	// Line is the line on which the item starts, counting from 1.
	Line int
	// TOCType is the "Type:" of the pg_dump header comment ("-- Name: …;
	// Type: INDEX; …") that precedes the item, if any.
	TOCType string
}

// ErrTruncated is wrapped by the errors for a dump that ends in the middle of
// something: a statement, a quoted string, a comment or a COPY block.
var ErrTruncated = errors.New("the dump is truncated")

const bufferSize = 1 << 20

// Scanner splits a dump into Items.
type Scanner struct {
	r    io.Reader
	buf  []byte
	pos  int
	end  int
	rerr error // the reader's error, returned once the buffer is drained

	line int // the current line, from 1

	// StandardStrings is standard_conforming_strings: when false,
	// backslashes escape in every '' string, not only in E''. The caller
	// keeps it in step with the server (pg_dump sets it on).
	StandardStrings bool

	stmt    []byte
	tocType string
	copy    *copyReader
}

// NewScanner reads a dump from r.
func NewScanner(r io.Reader) *Scanner {
	return &Scanner{r: r, buf: make([]byte, bufferSize), line: 1, StandardStrings: true}
}

// Line is the line the scanner has reached.
func (s *Scanner) Line() int { return s.line }

// fill reads more data, keeping what is unread. It returns false at the end
// of the input or on a read error (kept in s.rerr).
func (s *Scanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	if s.pos > 0 {
		copy(s.buf, s.buf[s.pos:s.end])
		s.end -= s.pos
		s.pos = 0
	}
	for s.end < len(s.buf) {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	return true
}

// readErr is the reason the input ended: nil at a clean end of file.
func (s *Scanner) readErr() error {
	if s.rerr == io.EOF {
		return nil
	}
	return s.rerr
}

// lexer states
const (
	stNormal = iota
	stSingle
	stEscape // inside E'' (or '' without standard strings)
	stDouble
	stDollar
	stLineComment
	stBlockComment
)

// Next returns the next item; io.EOF at the clean end of the dump. After a
// CopyIn item its data must be read to the end (or skipped with SkipCopy)
// before Next is called again.
func (s *Scanner) Next() (Item, error) {
	if s.copy != nil && !s.copy.done {
		return Item{}, errors.New("script: Next called before the COPY data was read")
	}
	s.copy = nil
	s.stmt = s.stmt[:0]
	var (
		state      = stNormal
		depth      int // parentheses
		comment    int // nesting of /* */
		tag        []byte
		bodyStart  int // where the body of a dollar quote starts in s.stmt
		word       []byte
		inWord     bool
		inNumber   bool
		startLine  int
		quoteLine  int
		words      wordTracker
		headerLine []byte
	)
	started := func() bool { return len(s.stmt) > 0 }
	for {
		if s.pos >= s.end && !s.fill() {
			if err := s.readErr(); err != nil {
				return Item{}, fmt.Errorf("reading the dump at line %d: %w", s.line, err)
			}
			switch {
			case state == stSingle || state == stEscape:
				return Item{}, fmt.Errorf("line %d: %w: it ends inside the quoted string that starts here", quoteLine, ErrTruncated)
			case state == stDouble:
				return Item{}, fmt.Errorf("line %d: %w: it ends inside the quoted identifier that starts here", quoteLine, ErrTruncated)
			case state == stDollar:
				return Item{}, fmt.Errorf("line %d: %w: it ends inside the dollar-quoted string that starts here", quoteLine, ErrTruncated)
			case state == stBlockComment:
				return Item{}, fmt.Errorf("line %d: %w: it ends inside the /* comment */ that starts here", quoteLine, ErrTruncated)
			case started():
				return Item{}, fmt.Errorf("line %d: %w: it ends inside the statement that starts here (no closing ';')", startLine, ErrTruncated)
			}
			return Item{}, io.EOF
		}
		c := s.buf[s.pos]
		s.pos++
		if c == '\n' {
			s.line++
		}
		switch state {
		case stLineComment:
			if started() {
				s.stmt = append(s.stmt, c)
			} else {
				headerLine = append(headerLine, c)
			}
			if c == '\n' {
				state = stNormal
				if !started() {
					if t := tocType(headerLine); t != "" {
						s.tocType = t
					}
					headerLine = headerLine[:0]
				}
			}
			continue
		case stBlockComment:
			if started() {
				s.stmt = append(s.stmt, c)
			}
			if c == '*' && s.peek() == '/' {
				s.take(started())
				comment--
				if comment == 0 {
					state = stNormal
				}
			} else if c == '/' && s.peek() == '*' {
				s.take(started())
				comment++
			}
			continue
		case stSingle, stEscape:
			s.stmt = append(s.stmt, c)
			if c == '\\' && state == stEscape {
				if s.pos >= s.end {
					s.fill()
				}
				if s.pos < s.end {
					if s.buf[s.pos] == '\n' {
						s.line++
					}
					s.stmt = append(s.stmt, s.buf[s.pos])
					s.pos++
				}
			} else if c == '\'' {
				if s.peek() == '\'' {
					s.take(true)
				} else {
					state = stNormal
				}
			}
			continue
		case stDouble:
			s.stmt = append(s.stmt, c)
			if c == '"' {
				if s.peek() == '"' {
					s.take(true)
				} else {
					state = stNormal
				}
			}
			continue
		case stDollar:
			s.stmt = append(s.stmt, c)
			if c == '$' && len(s.stmt)-len(tag) >= bodyStart && bytes.HasSuffix(s.stmt, tag) {
				state = stNormal
			}
			continue
		}

		// stNormal
		if inNumber {
			if isIdentCont(c) {
				s.stmt = append(s.stmt, c)
				continue
			}
			inNumber = false
		}
		if inWord {
			if isIdentCont(c) {
				word = append(word, c)
				s.stmt = append(s.stmt, c)
				continue
			}
			inWord = false
			words.add(word, depth)
			if c == '\'' && len(word) == 1 && (word[0] == 'E' || word[0] == 'e') {
				s.stmt = append(s.stmt, c)
				state, quoteLine = stEscape, s.line
				continue
			}
		}
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			if started() {
				s.stmt = append(s.stmt, c)
			}
		case c == '-' && s.peek() == '-':
			if started() {
				s.stmt = append(s.stmt, c)
			}
			s.take(started())
			if !started() {
				headerLine = append(headerLine[:0], '-', '-')
			}
			state = stLineComment
		case c == '/' && s.peek() == '*':
			if started() {
				s.stmt = append(s.stmt, c)
			}
			s.take(started())
			state, comment, quoteLine = stBlockComment, 1, s.line
		case c == '\\' && !started():
			return s.meta()
		case c == '\\':
			return Item{}, fmt.Errorf("line %d: a psql meta-command (\\%s) inside the statement that starts on line %d", s.line, s.peekWord(), startLine)
		default:
			if !started() {
				startLine = s.line
			}
			s.stmt = append(s.stmt, c)
			switch {
			case c == '\'':
				state, quoteLine = stSingle, s.line
				if !s.StandardStrings {
					state = stEscape
				}
			case c == '"':
				state, quoteLine = stDouble, s.line
			case c == '$':
				if t := s.dollarTag(); t != nil {
					tag = append(append(tag[:0], '$'), t...)
					s.stmt = append(s.stmt, t...)
					bodyStart = len(s.stmt)
					state, quoteLine = stDollar, s.line
				}
			case c == '(':
				depth++
			case c == ')':
				if depth > 0 {
					depth--
				}
			case c == ';':
				if depth == 0 && words.beginDepth == 0 {
					return s.finish(startLine)
				}
			case isIdentStart(c):
				inWord = true
				word = append(word[:0], c)
			case c >= '0' && c <= '9':
				// a number: its digits and letters (1e5) are no keyword
				inNumber = true
			}
		}
	}
}

// peek returns the next byte without consuming it, 0 at the end.
func (s *Scanner) peek() byte {
	if s.pos >= s.end && !s.fill() {
		return 0
	}
	return s.buf[s.pos]
}

// take consumes the byte peek returned, adding it to the statement when keep.
func (s *Scanner) take(keep bool) {
	c := s.buf[s.pos]
	s.pos++
	if c == '\n' {
		s.line++
	}
	if keep {
		s.stmt = append(s.stmt, c)
	}
}

// peekWord is the letters that follow, for messages.
func (s *Scanner) peekWord() string {
	var w []byte
	for s.pos < s.end && len(w) < 20 && isIdentCont(s.buf[s.pos]) {
		w = append(w, s.buf[s.pos])
		s.pos++
	}
	return string(w)
}

// dollarTag reads the rest of an opening dollar quote after its first '$':
// "tag$" or "$". It returns nil, consuming nothing, when the '$' opens no
// quote ($1 is a parameter).
func (s *Scanner) dollarTag() []byte {
	for i := 0; ; i++ {
		if s.pos+i >= s.end {
			if s.end-s.pos == len(s.buf) || !s.fill() {
				return nil
			}
		}
		c := s.buf[s.pos+i]
		switch {
		case c == '$':
			t := append([]byte(nil), s.buf[s.pos:s.pos+i+1]...)
			s.pos += i + 1
			return t
		case i == 0 && isIdentStart(c), i > 0 && isIdentCont(c) && c != '$':
		default:
			return nil
		}
	}
}

func (s *Scanner) finish(line int) (Item, error) {
	text := string(s.stmt)
	item := Item{Kind: Statement, Text: text, Line: line, TOCType: s.tocType}
	if IsCopyFromStdin(text) {
		item.Kind = CopyIn
		if err := s.skipRestOfLine(); err != nil {
			return Item{}, fmt.Errorf("line %d: %w", s.line, err)
		}
		s.copy = &copyReader{s: s, atLineStart: true, startLine: line}
	}
	return item, nil
}

// skipRestOfLine moves past the newline that ends a COPY statement: its data
// starts on the next line.
func (s *Scanner) skipRestOfLine() error {
	for {
		if s.pos >= s.end && !s.fill() {
			return s.readErr()
		}
		c := s.buf[s.pos]
		s.pos++
		switch c {
		case '\n':
			s.line++
			return nil
		case ' ', '\t', '\r':
		default:
			return fmt.Errorf("text after COPY ... FROM stdin; on the same line (its data must start on the next line)")
		}
	}
}

// meta reads a backslash meta-command to the end of its line.
func (s *Scanner) meta() (Item, error) {
	line := s.line
	var text []byte
	for {
		if s.pos >= s.end && !s.fill() {
			if err := s.readErr(); err != nil {
				return Item{}, fmt.Errorf("reading the dump at line %d: %w", s.line, err)
			}
			break
		}
		c := s.buf[s.pos]
		s.pos++
		if c == '\n' {
			s.line++
			break
		}
		text = append(text, c)
	}
	cmd := strings.TrimRight(string(text), "\r")
	name, args, _ := strings.Cut(cmd, " ")
	return Item{Kind: Meta, Text: name, Args: strings.TrimSpace(args), Line: line, TOCType: s.tocType}, nil
}

// tocType extracts X from pg_dump's "-- Name: …; Type: X; Schema: …" and
// "-- Data for Name: …; Type: X; …" header lines.
func tocType(line []byte) string {
	text := string(line)
	if !strings.HasPrefix(text, "-- Name: ") && !strings.HasPrefix(text, "-- Data for Name: ") {
		return ""
	}
	_, rest, ok := strings.Cut(text, "; Type: ")
	if !ok {
		return ""
	}
	t, _, _ := strings.Cut(rest, ";")
	return t
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

// wordTracker follows psql's heuristic for the body of
// CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC ... END, in which
// ';' does not end the statement.
type wordTracker struct {
	count      int
	first      [4]byte
	beginDepth int
}

func (w *wordTracker) add(word []byte, parenDepth int) {
	lower := strings.ToLower(string(word))
	if w.count < len(w.first) {
		switch lower {
		case "create", "function", "procedure", "or", "replace":
			w.first[w.count] = lower[0]
		}
	}
	w.count++
	f := w.first
	routine := f[0] == 'c' && (f[1] == 'f' || f[1] == 'p' || f[1] == 'o' && f[2] == 'r' && (f[3] == 'f' || f[3] == 'p'))
	if !routine || parenDepth != 0 {
		return
	}
	switch lower {
	case "begin":
		w.beginDepth++
	case "case":
		if w.beginDepth >= 1 {
			w.beginDepth++
		}
	case "end":
		if w.beginDepth > 0 {
			w.beginDepth--
		}
	}
}
