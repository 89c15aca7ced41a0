package script

import "strings"

// Token is a lexical element of a statement, for classifying it.
type Token struct {
	// Text as written; Word is it upper-cased when it is a plain word
	// (keyword or unquoted identifier), else empty.
	Text string
	Word string
	// Start and End are its byte offsets in the statement.
	Start, End int
}

// Tokens splits a statement into words, quoted identifiers, strings and
// punctuation, skipping whitespace and comments; at most max tokens when
// max > 0.
func Tokens(stmt string, max int) []Token {
	var out []Token
	i := 0
	for i < len(stmt) && (max <= 0 || len(out) < max) {
		c := stmt[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '-' && i+1 < len(stmt) && stmt[i+1] == '-':
			for i < len(stmt) && stmt[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(stmt) && stmt[i+1] == '*':
			depth := 0
			for i < len(stmt) {
				if strings.HasPrefix(stmt[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(stmt[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
			continue
		case c == '"':
			i = closeQuote(stmt, i+1, '"', false)
		case c == '\'':
			i = closeQuote(stmt, i+1, '\'', false)
		case c == '$':
			i++
			j := i
			for j < len(stmt) && isIdentCont(stmt[j]) && stmt[j] != '$' && !(j == i && stmt[j] >= '0' && stmt[j] <= '9') {
				j++
			}
			if j < len(stmt) && stmt[j] == '$' {
				tag := stmt[start : j+1]
				if k := strings.Index(stmt[j+1:], tag); k >= 0 {
					i = j + 1 + k + len(tag)
				} else {
					i = len(stmt)
				}
			}
		case isIdentStart(c):
			for i < len(stmt) && isIdentCont(stmt[i]) {
				i++
			}
			if i < len(stmt) && stmt[i] == '\'' && i-start == 1 && (c == 'E' || c == 'e') {
				i = closeQuote(stmt, i+1, '\'', true)
				break
			}
			out = append(out, Token{Text: stmt[start:i], Word: strings.ToUpper(stmt[start:i]), Start: start, End: i})
			continue
		case c >= '0' && c <= '9':
			for i < len(stmt) && (isIdentCont(stmt[i]) || stmt[i] == '.') {
				i++
			}
		default:
			i++
		}
		out = append(out, Token{Text: stmt[start:i], Start: start, End: i})
	}
	return out
}

func closeQuote(s string, i int, q byte, backslash bool) int {
	for i < len(s) {
		switch s[i] {
		case '\\':
			if backslash {
				i++
			}
		case q:
			if i+1 < len(s) && s[i+1] == q {
				i++
			} else {
				return i + 1
			}
		}
		i++
	}
	return len(s)
}

// Words is the statement's leading plain words, upper-cased, up to n; it
// stops at the first token that is not a plain word.
func Words(stmt string, n int) []string {
	var out []string
	for _, t := range Tokens(stmt, n) {
		if t.Word == "" {
			break
		}
		out = append(out, t.Word)
	}
	return out
}

// IsCopyFromStdin reports whether stmt is COPY ... FROM STDIN, whose data
// follows in the script.
func IsCopyFromStdin(stmt string) bool {
	if w := Words(stmt, 1); len(w) == 0 || w[0] != "COPY" {
		return false
	}
	tokens := Tokens(stmt, 0)
	for i := 1; i+1 < len(tokens); i++ {
		if tokens[i].Word == "FROM" && tokens[i+1].Word == "STDIN" {
			return true
		}
	}
	return false
}
