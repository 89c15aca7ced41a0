package version

import (
	"errors"
	"unicode/utf8"
)

// wildmatch matches name against a glob the way `git describe --match` does
// (git's wildmatch without WM_PATHNAME): '*' matches any run of characters,
// '/' included; '?' any one character; '[...]' a class, negated by '!' or '^',
// with ranges; '\' quotes the next character. The whole name must match.
func wildmatch(pattern, name string) bool {
	// Iterative matching with one backtrack point: the last '*'.
	px, nx := 0, 0
	starPx, starNx := -1, -1
	for nx < len(name) || px < len(pattern) {
		if px < len(pattern) {
			switch pattern[px] {
			case '*':
				for px < len(pattern) && pattern[px] == '*' {
					px++
				}
				starPx, starNx = px, nx
				continue
			case '?':
				if nx < len(name) {
					_, size := utf8.DecodeRuneInString(name[nx:])
					px++
					nx += size
					continue
				}
			case '[':
				if nx < len(name) {
					r, size := utf8.DecodeRuneInString(name[nx:])
					if ok, next := matchClass(pattern, px, r); ok {
						px = next
						nx += size
						continue
					}
				}
			default:
				c := pattern[px]
				step := 1
				if c == '\\' && px+1 < len(pattern) {
					c = pattern[px+1]
					step = 2
				}
				if nx < len(name) && name[nx] == c {
					px += step
					nx++
					continue
				}
			}
		}
		if starPx >= 0 && starNx < len(name) {
			_, size := utf8.DecodeRuneInString(name[starNx:])
			starNx += size
			px, nx = starPx, starNx
			continue
		}
		return false
	}
	return true
}

// matchClass matches r against the class that starts at pattern[start] ('[').
// It returns whether r is in it and where the pattern continues.
func matchClass(pattern string, start int, r rune) (bool, int) {
	i := start + 1
	negate := false
	if i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^') {
		negate = true
		i++
	}
	matched := false
	first := true
	for i < len(pattern) {
		if pattern[i] == ']' && !first {
			return matched != negate, i + 1
		}
		first = false
		lo, size := classRune(pattern, i)
		i += size
		hi := lo
		if i+1 < len(pattern) && pattern[i] == '-' && pattern[i+1] != ']' {
			hi, size = classRune(pattern, i+1)
			i += 1 + size
		}
		if lo <= r && r <= hi {
			matched = true
		}
	}
	return false, len(pattern) // unterminated class matches nothing
}

func classRune(pattern string, i int) (rune, int) {
	if pattern[i] == '\\' && i+1 < len(pattern) {
		r, size := utf8.DecodeRuneInString(pattern[i+1:])
		return r, size + 1
	}
	return utf8.DecodeRuneInString(pattern[i:])
}

// checkGlob rejects a glob that could never be meant: an unterminated class.
func checkGlob(pattern string) error {
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			i++
		case '[':
			j := i + 1
			if j < len(pattern) && (pattern[j] == '!' || pattern[j] == '^') {
				j++
			}
			if j < len(pattern) && pattern[j] == ']' {
				j++
			}
			for j < len(pattern) && pattern[j] != ']' {
				if pattern[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(pattern) {
				return errors.New("unterminated [ in glob")
			}
			i = j
		}
	}
	return nil
}
