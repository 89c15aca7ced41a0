package rewrite

import (
	"bytes"
	"regexp"
)

// changelog is debian/changelog: the version in the first entry's header,
// "pkg (1.2.4) unstable; urgency=low". An epoch ("1:") and a Debian
// revision ("-1") around the upstream version are kept.
type changelog struct{}

func (changelog) Name() string { return "debian/changelog" }

var changelogHeader = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*[ \t]+\(([^()\s]*)\)`)

func (changelog) Places(content []byte) ([]Place, error) {
	offset := 0
	for _, line := range bytes.SplitAfter(content, []byte("\n")) {
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 || line[0] == ' ' || line[0] == '\t' {
			offset += len(line)
			continue
		}
		m := changelogHeader.FindSubmatchIndex(line)
		if m == nil {
			return nil, nil // the first entry is not a header: nowhere to write
		}
		start, end := m[2], m[3]
		full := line[start:end]
		if i := bytes.IndexByte(full, ':'); i >= 0 {
			start += i + 1
		}
		if i := bytes.LastIndexByte(line[start:end], '-'); i >= 0 {
			end = start + i
		}
		return []Place{{Start: offset + start, End: offset + end, Form: Dotted}}, nil
	}
	return nil, nil
}
