package version

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"
)

// Fields is what --format json prints and what a template sees (under the
// JSON names: {{.version}}, {{.branch_suffix}}).
type Fields struct {
	Version      string  `json:"version"`
	Tuple        []int   `json:"tuple"`
	Tag          *string `json:"tag"`
	Distance     int     `json:"distance"`
	Commit       string  `json:"commit"`
	Branch       *string `json:"branch"`
	BranchSuffix *string `json:"branch_suffix"`
}

// Fields of the result, with null for a missing tag or branch.
func (r *Result) Fields() Fields {
	f := Fields{
		Version:  r.Version.String(),
		Tuple:    append([]int(nil), r.Version...),
		Distance: r.Distance,
		Commit:   r.Commit,
	}
	if r.Tag != "" {
		tag := r.Tag
		f.Tag = &tag
	}
	if r.Branch != "" {
		branch, suffix := r.Branch, r.BranchSuffix()
		f.Branch, f.BranchSuffix = &branch, &suffix
	}
	return f
}

// CheckFormat rejects a format that Write would refuse, before any work.
func CheckFormat(format string) error {
	switch format {
	case "", "plain", "tuple", "json":
		return nil
	}
	if !strings.Contains(format, "{{") {
		return fmt.Errorf("unknown --format %q (plain, tuple, json, or a Go template such as '{{.version}}')", format)
	}
	_, err := template.New("format").Option("missingkey=error").Parse(format)
	if err != nil {
		return fmt.Errorf("--format template: %w", err)
	}
	return nil
}

// Write prints v in format: plain "1.2.4", tuple "(1, 2, 4)", json (data as
// an indented object), or a Go text/template over data's JSON fields.
func Write(w io.Writer, format string, v Version, data any) error {
	switch format {
	case "", "plain":
		_, err := fmt.Fprintln(w, v.String())
		return err
	case "tuple":
		_, err := fmt.Fprintln(w, v.Tuple())
		return err
	case "json":
		out, err := json.MarshalIndent(data, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", out)
		return err
	}
	if err := CheckFormat(format); err != nil {
		return err
	}
	tmpl := template.Must(template.New("format").Option("missingkey=error").Parse(format))
	fields, err := templateData(data)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, fields); err != nil {
		return fmt.Errorf("--format template: %w", err)
	}
	if !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
		out.WriteByte('\n')
	}
	_, err = w.Write(out.Bytes())
	return err
}

// templateData is data under its JSON names, numbers kept exact and null as
// the empty string, so that {{.tag}} prints nothing rather than "<nil>".
func templateData(data any) (map[string]any, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil {
		return nil, err
	}
	blankNulls(fields)
	return fields, nil
}

// blankNulls turns null into the empty string at any depth, so that a
// dependency's {{.tag}} inside {{range .dependencies}} prints nothing too.
func blankNulls(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, item := range v {
			if item == nil {
				v[k] = ""
			} else {
				blankNulls(item)
			}
		}
	case []any:
		for i, item := range v {
			if item == nil {
				v[i] = ""
			} else {
				blankNulls(item)
			}
		}
	}
}
