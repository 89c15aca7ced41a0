// Package cli is what the three commands share on the command line: the
// tool's own version, kong's set-up, the manual page, signals and exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

// Version is the tool's own version. install.sh stamps it with
// -ldflags "-X github.com/citools/citools/internal/cli.Version=…".
var Version = "dev"

// Exit codes. Usage errors follow git's convention for bad options.
const (
	ExitFailure = 1
	ExitUsage   = 129
)

// Env is what every command's Run method gets: the context that Ctrl-C
// cancels and the streams to write to.
type Env struct {
	Ctx    context.Context
	Stdout io.Writer
	Stderr io.Writer
}

// Flags every command has besides --help.
type Flags struct {
	Version kong.VersionFlag `help:"Print the tool's own version and exit."`
	Man     ManFlag          `hidden:"" help:"Print the manual page (roff) and exit."`
}

// ExitError carries an exit status other than 1 with its message.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ErrSilent is an error whose message has already been printed; only the exit
// status is left to give.
var ErrSilent = errors.New("failed")

// Main parses os.Args into grammar, runs the selected command and returns the
// process's exit status. Errors print as one line: "name: message".
func Main(name, description string, grammar any, options ...kong.Option) int {
	options = append([]kong.Option{
		kong.Name(name),
		kong.Description(description),
		kong.Vars{"version": name + " " + Version},
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
	}, options...)
	parser, err := kong.New(grammar, options...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return ExitFailure
	}
	kctx, err := parser.Parse(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v (see %s --help)\n", name, err, name)
		return ExitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Ctx: ctx, Stdout: os.Stdout, Stderr: os.Stderr}
	err = kctx.Run(env)
	if err == nil {
		return 0
	}
	if !errors.Is(err, ErrSilent) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}
	if ctx.Err() != nil {
		return 130
	}
	return ExitFailure
}
