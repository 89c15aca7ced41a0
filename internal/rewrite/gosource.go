package rewrite

import "regexp"

// goSource is a Go file with const Version = "1.2.4" or var Version = "1.2.4"
// (a type between name and '=' is allowed).
type goSource struct{}

func (goSource) Name() string { return "Go file" }

var goVersion = regexp.MustCompile(`(?m)^[ \t]*(?:const|var)[ \t]+Version(?:[ \t]+string)?[ \t]*=[ \t]*"([^"\\\n]*)"[ \t]*(?://[^\n]*)?\r?$`)

func (goSource) Places(content []byte) ([]Place, error) {
	var places []Place
	for _, m := range goVersion.FindAllSubmatchIndex(content, -1) {
		places = append(places, Place{Start: m[2], End: m[3], Form: Dotted})
	}
	return places, nil
}
