package rewrite

import (
	"bytes"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// debian/control has no version of its own: git-version leaves it alone, and
// git-metaversion pins the packages a meta package depends on to the exact
// versions it found ("library1 (= 1.0.59.1)") in its Depends fields.

// IsControl reports whether name (slash-separated, from the top of the
// repository) is a debian/control file.
func IsControl(name string) bool {
	return name == "debian/control" || strings.HasSuffix(name, "/debian/control")
}

// ControlFiles are the debian/control files among the configured files,
// cleaned as Targets cleans them.
func ControlFiles(files []string) []string {
	var out []string
	for _, name := range files {
		if clean := path.Clean(filepath.ToSlash(name)); IsControl(clean) {
			out = append(out, clean)
		}
	}
	return out
}

// field is one field of a control file; its value, content[valueStart:valueEnd],
// runs from after the colon over any continuation lines.
type field struct {
	name                 string
	valueStart, valueEnd int
}

// controlFields lists the fields of every paragraph of a control file.
// Comment lines ('#' in the first column) are skipped; a line that starts
// with a space or a tab continues the field above.
func controlFields(content []byte) []field {
	var fields []field
	offset := 0
	for _, line := range bytes.SplitAfter(content, []byte("\n")) {
		start := offset
		offset += len(line)
		trimmed := bytes.TrimRight(line, "\r\n")
		switch {
		case len(bytes.TrimSpace(line)) == 0, line[0] == '#':
			continue
		case line[0] == ' ' || line[0] == '\t':
			if n := len(fields); n > 0 {
				fields[n-1].valueEnd = start + len(trimmed)
			}
			continue
		}
		colon := bytes.IndexByte(trimmed, ':')
		if colon <= 0 {
			continue
		}
		fields = append(fields, field{
			name:       string(trimmed[:colon]),
			valueStart: start + colon + 1,
			valueEnd:   start + len(trimmed),
		})
	}
	return fields
}

// ControlPackages lists the binary packages a debian/control builds (its
// Package fields), in order.
func ControlPackages(content []byte) []string {
	var packages []string
	for _, f := range controlFields(content) {
		if strings.EqualFold(f.name, "Package") {
			if name := strings.TrimSpace(string(content[f.valueStart:f.valueEnd])); name != "" {
				packages = append(packages, name)
			}
		}
	}
	return packages
}

// PinDepends gives every relation on a package in pins, in every Depends
// field, the exact version pins maps it to: "library1" and
// "library1 (>= 1.0)" both become "library1 (= 1.0.59.1)". An architecture
// qualifier, restrictions and alternatives stay as they are, and so does
// every other byte. It returns the new content and the pinned packages that
// some Depends field names. Package names compare case-insensitively, as
// Debian's are lowercase.
func PinDepends(content []byte, pins map[string]string) ([]byte, map[string]bool) {
	lower := make(map[string]string, len(pins))
	for name, v := range pins {
		lower[strings.ToLower(name)] = v
	}
	found := map[string]bool{}
	var edits []edit
	for _, f := range controlFields(content) {
		if !strings.EqualFold(f.name, "Depends") {
			continue
		}
		for _, rel := range relations(content, f.valueStart, f.valueEnd) {
			v, ok := lower[strings.ToLower(rel.name)]
			if !ok {
				continue
			}
			found[strings.ToLower(rel.name)] = true
			if rel.constraintStart >= 0 {
				edits = append(edits, edit{rel.constraintStart, rel.constraintEnd, "(= " + v + ")"})
			} else {
				edits = append(edits, edit{rel.nameEnd, rel.nameEnd, " (= " + v + ")"})
			}
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var out []byte
	last := 0
	for _, e := range edits {
		out = append(out, content[last:e.start]...)
		out = append(out, e.text...)
		last = e.end
	}
	out = append(out, content[last:]...)
	// Report under the caller's spelling of each name.
	named := map[string]bool{}
	for name := range pins {
		if found[strings.ToLower(name)] {
			named[name] = true
		}
	}
	return out, named
}

type edit struct {
	start, end int
	text       string
}

// relation is one package in a relationship field: "name[:arch] [(op
// version)] [arch restriction] [<profiles>]".
type relation struct {
	name    string
	nameEnd int // after any :arch qualifier
	// constraintStart and constraintEnd span "(op version)"; -1 when absent.
	constraintStart, constraintEnd int
}

// relations parses the relations in content[start:end], a field value that
// may run over several lines. Substitution variables (${misc:Depends}) are
// skipped.
func relations(content []byte, start, end int) []relation {
	var out []relation
	i := start
	for i < end {
		c := content[i]
		if isSpace(c) || c == ',' || c == '|' {
			i++
			continue
		}
		if !isNameByte(c) {
			// A substitution variable or something unknown: not ours.
			i = nextSeparator(content, i, end)
			continue
		}
		nameStart := i
		for i < end && isNameByte(content[i]) {
			i++
		}
		rel := relation{name: string(content[nameStart:i]), constraintStart: -1, constraintEnd: -1}
		if i < end && content[i] == ':' {
			i++
			for i < end && isNameByte(content[i]) {
				i++
			}
		}
		rel.nameEnd = i
		j := i
		for j < end && isSpace(content[j]) {
			j++
		}
		if j < end && content[j] == '(' {
			if k := bytes.IndexByte(content[j:end], ')'); k >= 0 {
				rel.constraintStart, rel.constraintEnd = j, j+k+1
				i = j + k + 1
			}
		}
		out = append(out, rel)
		i = nextSeparator(content, i, end)
	}
	return out
}

// nextSeparator is the index of the next ',' or '|' outside brackets, or end.
func nextSeparator(content []byte, i, end int) int {
	depth := 0
	for ; i < end; i++ {
		switch content[i] {
		case '[', '<', '(', '{':
			depth++
		case ']', '>', ')', '}':
			if depth > 0 {
				depth--
			}
		case ',', '|':
			if depth == 0 {
				return i
			}
		}
	}
	return end
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// isNameByte is a byte of a Debian package or architecture name.
func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}
