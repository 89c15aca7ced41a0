package version

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"1.2", "1.2", true},
		{"9.7.3.45.532.11", "9.7.3.45.532.11", true},
		{"0.10", "0.10", true},
		{"1", "", false},
		{"1.", "", false},
		{"1.x", "", false},
		{"1.-2", "", false},
		{"1.+2", "", false},
		{"", "", false},
	} {
		v, err := Parse(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("Parse(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && v.String() != tc.want {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, v, tc.want)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.10", "1.9", 1},
		{"1.2.1", "1.2", 1},
		{"1.2", "1.2", 0},
		{"0.9", "1.0", -1},
		{"2.0", "1.99.99", 1},
		{"1.2", "1.2.0", -1},
	} {
		a, _ := Parse(tc.a)
		b, _ := Parse(tc.b)
		if got := a.Compare(b); got != tc.want {
			t.Errorf("%s vs %s = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := b.Compare(a); got != -tc.want {
			t.Errorf("%s vs %s = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

func TestTupleAndWith(t *testing.T) {
	v, _ := Parse("1.2")
	w := v.With(4)
	if w.String() != "1.2.4" || w.Tuple() != "(1, 2, 4)" {
		t.Errorf("got %s %s", w, w.Tuple())
	}
	if v.String() != "1.2" {
		t.Errorf("With changed its receiver: %s", v)
	}
}

func TestSum(t *testing.T) {
	for _, tc := range []struct {
		in   []Version
		want string
		err  bool
	}{
		{[]Version{{0, 1, 0}, {1, 0, 59, 1}, {2, 0, 12}}, "3.1.71.1", false},
		{[]Version{{0, 1}, {0, 1}}, "0.2", false},
		{[]Version{{1, 2, 3}, {0, 1}}, "1.3.3", false},
		{[]Version{{1, 2, 3}, {0, -23}}, "", true},
		{[]Version{{-1, 2, 3}, {0, 128, 0}}, "", true},
	} {
		got, err := Sum(tc.in...)
		if tc.err {
			if !errors.Is(err, ErrNegative) {
				t.Errorf("Sum(%v) error = %v, want ErrNegative", tc.in, err)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("Sum(%v) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"story/123":          "story-123",
		"Feature/ABC_def--x": "feature-abc-def-x",
		"--master--":         "master",
		"":                   "",
		"release/1.2":        "release-1-2",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
