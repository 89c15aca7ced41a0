// git-dbrestore restores database backups for builds and tests: it fetches a
// backup, unpacks it and restores each configured database into PostgreSQL,
// replacing the existing database only once the whole dump has gone in.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/citools/citools/internal/cli"
	"github.com/citools/citools/internal/config"
	"github.com/citools/citools/internal/git"
	"github.com/citools/citools/internal/progress"
	"github.com/citools/citools/internal/restore"
	"golang.org/x/term"
)

const description = `Restore database backups for builds and tests.

Fetches the backup named by [backup] uri in the configuration (https://, http://, file:// or a path; .sql, .tar, each optionally .gz, .bz2, .xz or .zst), unpacks it and restores the dump of each [database…] section into PostgreSQL, several databases at once.

Each dump goes into a new database; only when all of it has gone in does that database take the configured name, and the existing one is dropped (or kept with --keep-old). Sessions still connected to the existing database are ended at that moment. On any failure, Ctrl-C included, the existing database is left as it was and the half-restored one is dropped; one left by a restore that was killed is dropped by the next restore of that database.

The default configuration is /etc/<project>/citools.ini, where <project> is [version] project of the repository's .citools.ini, else the repository folder's name.`

type command struct {
	cli.Flags
	Config       string `short:"c" placeholder:"FILE" help:"The configuration file (default: /etc/<project>/citools.ini)."`
	NoOwner      bool   `help:"Skip ALTER … OWNER TO in every dump, as pg_restore --no-owner (per database: no_owner = true)."`
	NoPrivileges bool   `help:"Skip GRANT and REVOKE in every dump, as pg_restore --no-privileges (per database: no_privileges = true)."`
	Jobs         int    `short:"j" default:"${jobs}" help:"Sessions per database that load tables, then build indexes and constraints, at once (1: one at a time, as psql)."`
	Parallel     int    `short:"p" default:"2" help:"Databases restored at once."`
	KeepOld      bool   `help:"Keep the replaced database, renamed to <name>_old_<random>, instead of dropping it."`
	Quiet        bool   `short:"q" help:"Print nothing but errors."`
}

func (c *command) Run(env *cli.Env) error {
	path := c.Config
	if path == "" {
		var err error
		if path, err = defaultConfig(env.Ctx); err != nil {
			return err
		}
	}
	cfg, err := config.LoadRestore(path)
	if err != nil {
		return err
	}
	mode := progress.Lines
	if c.Quiet {
		mode = progress.Quiet
	} else if f, ok := env.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		mode = progress.Bars
	}
	prog := progress.New(env.Stderr, mode, 10*time.Second)
	results := restore.Run(env.Ctx, restore.Plan{
		Config: cfg, NoOwner: c.NoOwner, NoPrivileges: c.NoPrivileges,
		Jobs: c.Jobs, Databases: c.Parallel, KeepOld: c.KeepOld,
	}, prog)
	prog.Close()
	return report(env, results)
}

// report prints one line per failed database (one line in all when they
// failed for the same reason) and the kept databases.
func report(env *cli.Env, results []restore.Result) error {
	var failed []restore.Result
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, r)
		} else if r.Kept != "" {
			fmt.Fprintf(env.Stdout, "%s\n", r.Describe())
		}
	}
	if len(failed) == 0 {
		return nil
	}
	if len(failed) == len(results) && len(results) > 1 && sameError(failed) {
		if errors.Is(failed[0].Err, context.Canceled) {
			return errors.New("interrupted; the existing databases are untouched")
		}
		return fmt.Errorf("%v (no database restored; the existing ones are untouched)", failed[0].Err)
	}
	if len(failed) == 1 {
		return errors.New(failed[0].Describe())
	}
	for _, r := range failed {
		fmt.Fprintf(env.Stderr, "git-dbrestore: %s\n", r.Describe())
	}
	return fmt.Errorf("%d of %d databases failed", len(failed), len(results))
}

func sameError(results []restore.Result) bool {
	for _, r := range results[1:] {
		if r.Err.Error() != results[0].Err.Error() {
			return false
		}
	}
	return true
}

func defaultConfig(ctx context.Context) (string, error) {
	repo, err := git.Open(ctx, ".")
	if err != nil || repo.Top == "" {
		return "", errors.New("no -c FILE given, and not in a git repository to name the default /etc/<project>/citools.ini")
	}
	project, err := config.LoadProject(repo.Top)
	if err != nil {
		return "", err
	}
	return config.DefaultRestorePath(project, repo.Top), nil
}

func main() {
	os.Exit(cli.Main("git-dbrestore", description, &command{}, cliVars()))
}
