package rewrite

import (
	"encoding/json"
	"errors"
	"fmt"
)

// packageJSON is an npm package.json: the top-level "version" string. The
// file is not re-encoded; only the bytes of that string change.
type packageJSON struct{}

func (packageJSON) Name() string { return "package.json" }

func (packageJSON) Places(content []byte) ([]Place, error) {
	if !json.Valid(content) {
		return nil, errors.New("not valid JSON")
	}
	s := jsonScanner{data: content}
	s.space()
	if s.pos >= len(content) || content[s.pos] != '{' {
		return nil, errors.New("not a JSON object")
	}
	s.pos++
	for {
		s.space()
		if content[s.pos] == '}' {
			return nil, nil
		}
		keyStart := s.pos
		s.skipString()
		var key string
		if err := json.Unmarshal(content[keyStart:s.pos], &key); err != nil {
			return nil, fmt.Errorf("key at byte %d: %w", keyStart, err)
		}
		s.space()
		s.pos++ // ':'
		s.space()
		valueStart := s.pos
		s.skipValue()
		if key == "version" {
			if content[valueStart] != '"' {
				return nil, errors.New(`"version" is not a string`)
			}
			return []Place{{Start: valueStart + 1, End: s.pos - 1, Form: Dotted}}, nil
		}
		s.space()
		if content[s.pos] == ',' {
			s.pos++
		}
	}
}

// jsonScanner steps over valid JSON (json.Valid has checked it).
type jsonScanner struct {
	data []byte
	pos  int
}

func (s *jsonScanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *jsonScanner) skipString() {
	s.pos++ // opening quote
	for s.data[s.pos] != '"' {
		if s.data[s.pos] == '\\' {
			s.pos++
		}
		s.pos++
	}
	s.pos++
}

func (s *jsonScanner) skipValue() {
	switch s.data[s.pos] {
	case '"':
		s.skipString()
	case '{', '[':
		depth := 0
		for {
			switch s.data[s.pos] {
			case '"':
				s.skipString()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.pos++
			if depth == 0 {
				return
			}
		}
	default: // number, true, false, null
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			s.pos++
		}
	}
}
