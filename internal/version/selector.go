package version

import (
	"fmt"
	"regexp"
	"strings"
)

// A Selector decides which tags set a version, and which version.
type Selector struct {
	describe string // for messages: "tags matching proj-*"
	match    func(tag string) (Version, bool)
}

// Rules chooses a Selector. The first non-empty field wins, in this order.
type Rules struct {
	TagRegexp string // Go regexp with a named group "version"
	Match     string // git describe's glob
	Project   string // tags NAME-<version>
}

var (
	// dottedRun is a version inside a longer name.
	dottedRun = regexp.MustCompile(`[0-9]+(?:\.[0-9]+)+`)
	// defaultTag is a version with an optional prefix that ends in a
	// non-digit and an optional -suffix: v1.2, release/1.2, tools-0.7,
	// 0.1-lol. The lazy prefix keeps "0.7.3-x" whole and "1.2-rc.3.4" at 1.2.
	defaultTag = regexp.MustCompile(`^(?:.*?[^0-9])??([0-9]+(?:\.[0-9]+)+)(?:-.*)?$`)
	// projectTag is what follows "NAME-": the version at once, then an
	// optional -suffix.
	projectTag = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)+)(?:-.*)?$`)
)

// NewSelector builds the Selector for rules.
func NewSelector(rules Rules) (*Selector, error) {
	switch {
	case rules.TagRegexp != "":
		re, err := regexp.Compile(rules.TagRegexp)
		if err != nil {
			return nil, fmt.Errorf("tag_regexp %q: %w", rules.TagRegexp, err)
		}
		group := re.SubexpIndex("version")
		if group < 0 {
			return nil, fmt.Errorf("tag_regexp %q: needs a named group (?P<version>...) that captures the version", rules.TagRegexp)
		}
		return &Selector{
			describe: fmt.Sprintf("tags matching /%s/", rules.TagRegexp),
			match: func(tag string) (Version, bool) {
				m := re.FindStringSubmatch(tag)
				if m == nil {
					return nil, false
				}
				v, err := Parse(m[group])
				return v, err == nil
			},
		}, nil
	case rules.Match != "":
		glob := rules.Match
		if err := checkGlob(glob); err != nil {
			return nil, fmt.Errorf("match %q: %w", glob, err)
		}
		return &Selector{
			describe: fmt.Sprintf("tags matching %s", glob),
			match: func(tag string) (Version, bool) {
				if !wildmatch(glob, tag) {
					return nil, false
				}
				run := dottedRun.FindString(tag)
				if run == "" {
					return nil, false
				}
				v, err := Parse(run)
				return v, err == nil
			},
		}, nil
	case rules.Project != "":
		prefix := rules.Project + "-"
		return &Selector{
			describe: fmt.Sprintf("tags %s<version>", prefix),
			match: func(tag string) (Version, bool) {
				rest, ok := strings.CutPrefix(tag, prefix)
				if !ok {
					return nil, false
				}
				// The version follows the name directly: NAME-meta-1.0 is
				// another project's tag.
				m := projectTag.FindStringSubmatch(rest)
				if m == nil {
					return nil, false
				}
				v, err := Parse(m[1])
				return v, err == nil
			},
		}, nil
	default:
		return &Selector{
			describe: "version tags",
			match: func(tag string) (Version, bool) {
				m := defaultTag.FindStringSubmatch(tag)
				if m == nil {
					return nil, false
				}
				v, err := Parse(m[1])
				return v, err == nil
			},
		}, nil
	}
}

// Version is the version tag sets, and whether it sets one at all.
func (s *Selector) Version(tag string) (Version, bool) {
	return s.match(tag)
}

// String says which tags count, for messages.
func (s *Selector) String() string { return s.describe }
