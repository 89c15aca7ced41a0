package rewrite

import "github.com/citools/citools/internal/version"

// Committed maps a working-tree file of kind k back to its committed form:
// at each place where the version stands in work, it puts back the text
// that stands at the same place (counted in order) of committed, the
// file's committed content. Every other byte of work, including real edits
// elsewhere in the file, stays as it is. A place committed lacks (the file
// is new, or the edit added a place) gets the placeholder 0.0.0 in that
// place's form, so a written version never reaches a commit.
func Committed(k Kind, work, committed []byte) ([]byte, error) {
	places, err := k.Places(work)
	if err != nil {
		return nil, err
	}
	var texts [][]byte
	if committed != nil {
		// A committed form that cannot be read has no text to give back;
		// the placeholder stands in for it.
		if was, err := k.Places(committed); err == nil {
			for _, p := range was {
				texts = append(texts, committed[p.Start:p.End])
			}
		}
	}
	out := make([]byte, 0, len(work))
	last := 0
	for i, p := range places {
		out = append(out, work[last:p.Start]...)
		if i < len(texts) {
			out = append(out, texts[i]...)
		} else {
			out = append(out, p.Form.Render(placeholder)...)
		}
		last = p.End
	}
	return append(out, work[last:]...), nil
}

// placeholder is the version a version file is committed with when it has
// no committed form of its own yet.
var placeholder = version.Version{0, 0, 0}
