package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/kong"
)

// ManFlag prints the manual page generated from the command's kong model.
// install.sh writes it to share/man/man1, because git turns
// `git metaversion --help` into `man git-metaversion`.
type ManFlag bool

// BeforeReset prints the page and exits before any other flag is checked.
func (ManFlag) BeforeReset(app *kong.Kong) error {
	WriteMan(app.Stdout, app.Model)
	app.Exit(0)
	return nil
}

// WriteMan writes app as a roff manual page in section 1.
func WriteMan(w io.Writer, app *kong.Application) {
	name := app.Name
	summary, rest, _ := strings.Cut(app.Help, "\n")
	fmt.Fprintf(w, ".TH %s 1 \"\" \"citools %s\" \"citools manual\"\n", strings.ToUpper(roff(name)), roff(Version))
	fmt.Fprintf(w, ".SH NAME\n%s \\- %s\n", roff(name), roff(strings.TrimSuffix(summary, ".")))

	fmt.Fprintf(w, ".SH SYNOPSIS\n")
	writeSynopsis(w, name, app.Node)
	for _, cmd := range visibleChildren(app.Node) {
		writeSynopsis(w, name+" "+cmd.Name, cmd)
	}

	if text := strings.TrimSpace(rest + "\n" + app.Detail); text != "" {
		fmt.Fprintf(w, ".SH DESCRIPTION\n")
		writeParagraphs(w, text)
	}
	if len(app.Positional) > 0 {
		fmt.Fprintf(w, ".SH ARGUMENTS\n")
		writePositionals(w, app.Positional)
	}
	fmt.Fprintf(w, ".SH OPTIONS\n")
	writeFlags(w, app.Flags)
	if children := visibleChildren(app.Node); len(children) > 0 {
		fmt.Fprintf(w, ".SH COMMANDS\n")
		for _, cmd := range children {
			fmt.Fprintf(w, ".SS %s\n", roff(name+" "+cmd.Name))
			writeParagraphs(w, strings.TrimSpace(cmd.Help+"\n\n"+cmd.Detail))
			writePositionals(w, cmd.Positional)
			writeFlags(w, cmd.Flags)
		}
	}
	fmt.Fprintf(w, ".SH EXIT STATUS\n0 on success, 1 when the command fails (the reason is one line on standard error), 129 for a usage error.\n")
	fmt.Fprintf(w, ".SH SEE ALSO\n.BR git-version (1),\n.BR git-metaversion (1),\n.BR git-dbrestore (1),\n.BR git (1)\n")
}

func visibleChildren(node *kong.Node) []*kong.Node {
	var out []*kong.Node
	for _, child := range node.Children {
		if !child.Hidden && child.Type == kong.CommandNode {
			out = append(out, child)
		}
	}
	return out
}

func writeSynopsis(w io.Writer, path string, node *kong.Node) {
	if node.Type == kong.CommandNode && node.Parent != nil && node.Parent.DefaultCmd == node {
		return // its synopsis is the parent's
	}
	fmt.Fprintf(w, ".B %s\n", roff(path))
	var parts []string
	for _, flag := range node.Flags {
		if flag.Hidden || flag.Name == "help" {
			continue
		}
		parts = append(parts, "["+flagUsage(flag)+"]")
	}
	for _, arg := range node.Positional {
		parts = append(parts, positionalUsage(arg))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "%s\n", roff(strings.Join(parts, " ")))
	}
	fmt.Fprintf(w, ".br\n")
}

func flagUsage(flag *kong.Flag) string {
	s := "--" + flag.Name
	if flag.Short != 0 {
		s = "-" + string(flag.Short) + "|" + s
	}
	if !flag.IsBool() && !flag.IsCounter() {
		s += " " + flag.FormatPlaceHolder()
	}
	return s
}

func positionalUsage(arg *kong.Positional) string {
	s := strings.ToUpper(arg.Name)
	if arg.IsCumulative() {
		s += "..."
	}
	if !arg.Required {
		s = "[" + s + "]"
	}
	return s
}

func writeFlags(w io.Writer, flags []*kong.Flag) {
	for _, flag := range flags {
		if flag.Hidden {
			continue
		}
		fmt.Fprintf(w, ".TP\n.B %s\n", roff(flagUsage(flag)))
		help := flag.Help
		if flag.HasDefault && flag.Default != "" && !flag.IsBool() {
			help += fmt.Sprintf(" Default: %s.", flag.Default)
		}
		fmt.Fprintf(w, "%s\n", roff(help))
	}
}

func writePositionals(w io.Writer, args []*kong.Positional) {
	for _, arg := range args {
		fmt.Fprintf(w, ".TP\n.B %s\n%s\n", roff(positionalUsage(arg)), roff(arg.Help))
	}
}

func writeParagraphs(w io.Writer, text string) {
	for i, para := range strings.Split(text, "\n\n") {
		if i > 0 {
			fmt.Fprintf(w, ".PP\n")
		}
		para = strings.TrimSpace(para)
		if strings.HasPrefix(para, "  ") || strings.Contains(para, "\n  ") {
			fmt.Fprintf(w, ".nf\n%s\n.fi\n", roff(para))
			continue
		}
		fmt.Fprintf(w, "%s\n", roff(para))
	}
}

// roff escapes text for a roff line: backslashes, and a leading dot or
// quote that would otherwise be read as a request.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'") {
			lines[i] = `\&` + line
		}
	}
	return strings.Join(lines, "\n")
}
