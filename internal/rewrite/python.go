package rewrite

import "regexp"

// python is a Python module: lines VERSION = (1, 2, 4), a tuple of integers,
// and __versionstr__ = "1.2.4" or __version__ = '1.2.4', either quote; the
// literal is the whole value (a comment may follow), so an expression such
// as __versionstr__ = ".".join(...) is left alone.
type python struct{}

func (python) Name() string { return "Python file" }

var (
	pyTuple  = regexp.MustCompile(`(?m)^VERSION[ \t]*=[ \t]*(\([ \t]*[0-9]+(?:[ \t]*,[ \t]*[0-9]+)*[ \t]*,?[ \t]*\))[ \t]*(?:#[^\n]*)?\r?$`)
	pyString = regexp.MustCompile(`(?m)^(?:__versionstr__|__version__)[ \t]*=[ \t]*(?:"([^"\\\n]*)"|'([^'\\\n]*)')[ \t]*(?:#[^\n]*)?\r?$`)
)

func (python) Places(content []byte) ([]Place, error) {
	var places []Place
	for _, m := range pyTuple.FindAllSubmatchIndex(content, -1) {
		places = append(places, Place{Start: m[2], End: m[3], Form: Tuple})
	}
	for _, m := range pyString.FindAllSubmatchIndex(content, -1) {
		start, end := m[2], m[3]
		if start < 0 {
			start, end = m[4], m[5]
		}
		places = append(places, Place{Start: start, End: end, Form: Dotted})
	}
	sortPlaces(places)
	return places, nil
}
