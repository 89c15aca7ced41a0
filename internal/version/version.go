// Package version is what a release number is: dotted numbers read from
// tags, compared part by part, summed for meta packages, and found for a
// revision by walking its history.
package version

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Version is a dotted release number, most significant part first.
type Version []int

// Parse reads a dotted version such as "1.2" or "9.7.3.45.532.11". It needs at
// least two parts, each a non-negative decimal number.
func Parse(s string) (Version, error) {
	fields := strings.Split(s, ".")
	if len(fields) < 2 {
		return nil, fmt.Errorf("version %q: need at least two numbers (like 1.2)", s)
	}
	v := make(Version, len(fields))
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil || f == "" || f[0] == '+' || f[0] == '-' {
			return nil, fmt.Errorf("version %q: %q is not a number", s, f)
		}
		v[i] = n
	}
	return v, nil
}

// String is the dotted form, "1.2.4".
func (v Version) String() string {
	var b strings.Builder
	for i, n := range v {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// Tuple is the Python form, "(1, 2, 4)".
func (v Version) Tuple() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, n := range v {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(n))
	}
	if len(v) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// Compare orders versions numerically part by part; when one is a prefix of
// the other, the longer is higher (1.2.1 > 1.2, 1.10 > 1.9).
func (v Version) Compare(w Version) int {
	for i := 0; i < len(v) && i < len(w); i++ {
		switch {
		case v[i] < w[i]:
			return -1
		case v[i] > w[i]:
			return 1
		}
	}
	switch {
	case len(v) < len(w):
		return -1
	case len(v) > len(w):
		return 1
	}
	return 0
}

// With returns v followed by the build number n: tag 1.2 and 4 commits is 1.2.4.
func (v Version) With(n int) Version {
	out := make(Version, len(v), len(v)+1)
	copy(out, v)
	return append(out, n)
}

// ErrNegative is returned for a version with a negative part.
var ErrNegative = errors.New("negative numbers are not allowed in a version")

// Sum adds versions part by part, the longer extending the shorter:
// 0.1.0 + 1.0.59.1 + 2.0.12 = 3.1.71.1.
func Sum(versions ...Version) (Version, error) {
	var total Version
	for _, v := range versions {
		for i, n := range v {
			if n < 0 {
				return nil, fmt.Errorf("%s: %w", v, ErrNegative)
			}
			if i < len(total) {
				total[i] += n
			} else {
				total = append(total, n)
			}
		}
	}
	return total, nil
}
