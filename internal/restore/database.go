package restore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
)

// Target is a database to restore into and the server that holds it.
type Target struct {
	// Name is the database; Section names its configuration in messages.
	Name    string
	Section string
	Config  *pgconn.Config
}

// admin opens a session to the server's maintenance database, from which
// databases are created, renamed and dropped.
func (t *Target) admin(ctx context.Context) (*pgconn.PgConn, error) {
	conn, err := connect(ctx, t.Config, "postgres", t.Section)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "3D000" { // no database "postgres"
		return connect(ctx, t.Config, "template1", t.Section)
	}
	return conn, err
}

// Create makes the empty database the dump goes into, named after the target
// with a random suffix, with the existing database's encoding and locale.
func (t *Target) Create(ctx context.Context) (string, error) {
	conn, err := t.admin(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	scratch := scratchName(t.Name, "restoring")
	sql := "CREATE DATABASE " + quoteIdent(scratch) + " TEMPLATE template0"
	row, err := queryRow(ctx, conn, `SELECT pg_encoding_to_char(encoding), datcollate, datctype
		FROM pg_database WHERE datname = $1`, t.Name)
	if err != nil {
		return "", fmt.Errorf("look up database %q: %w", t.Name, err)
	}
	if row != nil {
		sql += " ENCODING " + quoteLiteral(row[0]) + " LC_COLLATE " + quoteLiteral(row[1]) + " LC_CTYPE " + quoteLiteral(row[2])
	}
	if err := exec(ctx, conn, sql); err != nil {
		return "", fmt.Errorf("create database %q: %w", scratch, err)
	}
	return scratch, nil
}

// Drop removes a database this restore created, ending any session in it.
// It runs even after ctx was cancelled (Ctrl-C), within a time limit.
func (t *Target) Drop(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	conn, err := t.admin(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return dropDatabase(ctx, conn, name)
}

func dropDatabase(ctx context.Context, conn *pgconn.PgConn, name string) error {
	force := ""
	if v, _ := strconv.Atoi(conn.ParameterStatus("server_version_num")); v >= 130000 || v == 0 {
		force = " WITH (FORCE)"
	} else if err := terminate(ctx, conn, name); err != nil {
		return err
	}
	if err := exec(ctx, conn, "DROP DATABASE IF EXISTS "+quoteIdent(name)+force); err != nil {
		return fmt.Errorf("drop database %q: %w", name, err)
	}
	return nil
}

// terminate ends the other sessions connected to database name.
func terminate(ctx context.Context, conn *pgconn.PgConn, name string) error {
	_, err := queryRow(ctx, conn, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid()`, name)
	if err != nil {
		return fmt.Errorf("end the sessions connected to %q: %w", name, err)
	}
	return nil
}

// Swap gives the restored database scratch the target's name. The existing
// database, if any, has its sessions ended and is renamed away in the same
// transaction, then dropped, or kept (its name returned) when keep is set.
func (t *Target) Swap(ctx context.Context, scratch string, keep bool) (kept string, err error) {
	conn, err := t.admin(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	row, err := queryRow(ctx, conn, `SELECT 1 FROM pg_database WHERE datname = $1`, t.Name)
	if err != nil {
		return "", fmt.Errorf("look up database %q: %w", t.Name, err)
	}
	if row == nil {
		if err := exec(ctx, conn, "ALTER DATABASE "+quoteIdent(scratch)+" RENAME TO "+quoteIdent(t.Name)); err != nil {
			return "", fmt.Errorf("rename database %q to %q: %w", scratch, t.Name, err)
		}
		return "", nil
	}
	old := scratchName(t.Name, "old")
	swap := "BEGIN; ALTER DATABASE " + quoteIdent(t.Name) + " RENAME TO " + quoteIdent(old) +
		"; ALTER DATABASE " + quoteIdent(scratch) + " RENAME TO " + quoteIdent(t.Name) + "; COMMIT"
	for attempt := 1; ; attempt++ {
		if err := terminate(ctx, conn, t.Name); err != nil {
			return "", err
		}
		err = exec(ctx, conn, swap)
		if err == nil {
			break
		}
		_ = exec(ctx, conn, "ROLLBACK")
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" || attempt == 5 { // 55006: in use by other sessions
			return "", fmt.Errorf("replace database %q: %w", t.Name, err)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	if keep {
		return old, nil
	}
	// The restored database is in place: failing to drop the old one now
	// loses nothing, so it is reported with the name to drop by hand.
	ctx = context.WithoutCancel(ctx)
	if err := dropDatabase(ctx, conn, old); err != nil {
		return old, fmt.Errorf("restored, but the old database was kept as %q: %w", old, err)
	}
	return "", nil
}

// scratchName is name_<what>_<random>, within PostgreSQL's 63 bytes.
func scratchName(name, what string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	suffix := "_" + what + "_" + hex.EncodeToString(b[:])
	for len(name)+len(suffix) > 63 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name + suffix
}
