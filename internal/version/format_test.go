package version

import (
	"bytes"
	"testing"
)

func TestWriteTemplateNulls(t *testing.T) {
	type dep struct {
		Name string  `json:"name"`
		Tag  *string `json:"tag"`
	}
	data := struct {
		Tag  *string `json:"tag"`
		Deps []dep   `json:"dependencies"`
	}{Deps: []dep{{Name: "a"}, {Name: "b"}}}
	var out bytes.Buffer
	if err := Write(&out, "[{{.tag}}]{{range .dependencies}} {{.name}}=[{{.tag}}]{{end}}", Version{1, 2}, data); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "[] a=[] b=[]\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
