// Package restore loads a pg_dump plain-format dump into PostgreSQL without
// ever losing the existing database: the dump goes into a new database, and
// only when all of it went in does that database take the old one's name.
package restore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/citools/citools/internal/config"
	"github.com/jackc/pgx/v5/pgconn"
)

// ConnConfig is how to reach the server for db: its section's host, port,
// sslmode and username, else the libpq environment (PGHOST, PGPORT,
// PGSSLMODE, PGUSER, ...), else localhost:5432. The password is the
// section's when it has one (password="" is an empty password), else
// PGPASSWORD or the password file (PGPASSFILE, ~/.pgpass). It never travels
// on a command line.
func ConnConfig(db config.Database) (*pgconn.Config, error) {
	var conninfo []string
	add := func(key, value string) {
		if value != "" {
			conninfo = append(conninfo, key+"="+quoteConninfo(value))
		}
	}
	host := db.Host
	if host == "" && os.Getenv("PGHOST") == "" {
		host = "localhost"
	}
	add("host", host)
	add("port", db.Port)
	add("sslmode", db.SSLMode)
	add("user", db.Username)
	add("application_name", "git-dbrestore")
	cfg, err := pgconn.ParseConfig(strings.Join(conninfo, " "))
	if err != nil {
		return nil, fmt.Errorf("[%s]: connection settings: %w", db.Section, err)
	}
	if db.HasPassword {
		cfg.Password = db.Password
	}
	return cfg, nil
}

func quoteConninfo(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// connect opens a session to database name, with errors on one line that say
// what to check.
func connect(ctx context.Context, base *pgconn.Config, name, section string) (*pgconn.PgConn, error) {
	cfg := base.Copy()
	cfg.Database = name
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err == nil {
		return conn, nil
	}
	where := fmt.Sprintf("connect to database %q as %q", name, cfg.User)
	if len(cfg.Host) > 0 {
		where += fmt.Sprintf(" on %s:%d", cfg.Host, cfg.Port)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		msg := fmt.Sprintf("%s: %s: %s (SQLSTATE %s)", where, pgErr.Severity, pgErr.Message, pgErr.Code)
		if pgErr.Code == "28P01" || pgErr.Code == "28000" {
			msg += fmt.Sprintf(" (check [%s] username/password)", section)
		}
		return nil, &connectError{msg: msg, err: err}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) && connErr.Unwrap() != nil {
		err = connErr.Unwrap()
	}
	return nil, &connectError{msg: where + ": " + oneLine(err.Error()), err: err}
}

type connectError struct {
	msg string
	err error
}

func (e *connectError) Error() string { return e.msg }
func (e *connectError) Unwrap() error { return e.err }

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// exec runs one statement and discards its rows.
func exec(ctx context.Context, conn *pgconn.PgConn, sql string) error {
	mrr := conn.Exec(ctx, sql)
	for mrr.NextResult() {
		if _, err := mrr.ResultReader().Close(); err != nil {
			mrr.Close()
			return err
		}
	}
	return mrr.Close()
}

// queryRow runs a query with text parameters and returns its first row.
func queryRow(ctx context.Context, conn *pgconn.PgConn, sql string, args ...string) ([]string, error) {
	params := make([][]byte, len(args))
	for i, a := range args {
		params[i] = []byte(a)
	}
	result := conn.ExecParams(ctx, sql, params, nil, nil, nil).Read()
	if result.Err != nil {
		return nil, result.Err
	}
	if len(result.Rows) == 0 {
		return nil, nil
	}
	row := make([]string, len(result.Rows[0]))
	for i, v := range result.Rows[0] {
		row[i] = string(v)
	}
	return row, nil
}

// quoteIdent quotes a database name for SQL.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// quoteLiteral quotes a string for SQL (standard_conforming_strings on).
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
