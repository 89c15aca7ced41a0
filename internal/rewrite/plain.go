package rewrite

// plainFile is a VERSION or version.txt file: the whole file is the version
// and a newline.
type plainFile struct{}

func (plainFile) Name() string { return "version file" }

func (plainFile) Places(content []byte) ([]Place, error) {
	return []Place{{Start: 0, End: len(content), Form: Line}}, nil
}
