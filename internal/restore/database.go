package restore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
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

// Scratch is the new database a dump is restored into, and the session to
// the server's maintenance database that marks it as being restored: that
// session holds an advisory lock on it until the restore ends, so that a
// later run can tell a database left by a killed restore from one a
// concurrent restore is still filling.
type Scratch struct {
	Name  string
	admin *pgconn.PgConn
}

// Comments on a scratch database start with scratchMark; the rest says who
// made it: `git-dbrestore: restoring "shop", pid 123 on ci-4 since …`.
const scratchMark = "git-dbrestore: restoring "

// lockKey is the advisory lock that a restore holds on its scratch database,
// named in $1: a constant ("dbrs") and a hash of the name. A collision only
// keeps a leftover until the other restore ends. dropLeftovers looks for it
// in pg_locks as classid, objid and objsubid 2.
const lockKey = `x'64627273'::int, hashtext($1)`

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
// First it drops the scratch databases of this target that earlier restores
// left when they were killed; note is told about each.
func (t *Target) Create(ctx context.Context, note func(string)) (*Scratch, error) {
	conn, err := t.admin(ctx)
	if err != nil {
		return nil, err
	}
	s := &Scratch{Name: scratchName(t.Name, "restoring"), admin: conn}
	if err := t.dropLeftovers(ctx, conn, note); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	// Locked before it exists, marked once it does: a database with the
	// mark and no lock is a leftover.
	if _, err := queryRow(ctx, conn, `SELECT pg_advisory_lock(`+lockKey+`)`, s.Name); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("create database %q: %w", s.Name, err)
	}
	sql := "CREATE DATABASE " + quoteIdent(s.Name) + " TEMPLATE template0"
	row, err := queryRow(ctx, conn, `SELECT pg_encoding_to_char(encoding), datcollate, datctype
		FROM pg_database WHERE datname = $1`, t.Name)
	if err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("look up database %q: %w", t.Name, err)
	}
	if row != nil {
		sql += " ENCODING " + quoteLiteral(row[0]) + " LC_COLLATE " + quoteLiteral(row[1]) + " LC_CTYPE " + quoteLiteral(row[2])
	}
	if err := exec(ctx, conn, sql); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("create database %q: %w", s.Name, err)
	}
	if err := s.mark(ctx, t.Name); err != nil {
		_ = t.Drop(ctx, s)
		return nil, fmt.Errorf("create database %q: %w", s.Name, err)
	}
	return s, nil
}

// mark comments the scratch database as ours, saying who is restoring it.
func (s *Scratch) mark(ctx context.Context, target string) error {
	host, _ := os.Hostname()
	comment := fmt.Sprintf("%s%q, pid %d on %s since %s", scratchMark, target, os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	return exec(ctx, s.admin, "COMMENT ON DATABASE "+quoteIdent(s.Name)+" IS "+quoteLiteral(comment))
}

// dropLeftovers drops the scratch databases of this target that no running
// restore holds: named <name>_restoring_<8 hex digits>, commented by
// git-dbrestore, their advisory lock held by no session. The name is its
// restore's alone, and that restore holds the lock from before the
// database exists until it is renamed or dropped.
func (t *Target) dropLeftovers(ctx context.Context, conn *pgconn.PgConn, note func(string)) error {
	result := conn.ExecParams(ctx, `SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '')
		FROM pg_database WHERE datname LIKE '%\_restoring\_%'`, nil, nil, nil, nil).Read()
	if result.Err != nil {
		return fmt.Errorf("look for databases left by earlier restores of %q: %w", t.Name, result.Err)
	}
	for _, row := range result.Rows {
		name, comment := string(row[0]), string(row[1])
		if !isScratchOf(name, t.Name, "restoring") {
			continue
		}
		// Held from any database: a restore that could not use "postgres"
		// holds it from template1.
		held, err := queryRow(ctx, conn, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
			AND classid = x'64627273'::int::oid AND objid = hashtext($1)::oid AND objsubid = 2)`, name)
		if err != nil {
			return fmt.Errorf("look for databases left by earlier restores of %q: %w", t.Name, err)
		}
		if held[0] != "f" {
			continue // a restore running now
		}
		switch {
		case !strings.HasPrefix(comment, scratchMark):
			note(fmt.Sprintf("warning: database %q looks left by an unfinished restore, but git-dbrestore did not make it: left alone", name))
		default:
			if err := dropDatabase(ctx, conn, name); err != nil {
				note(fmt.Sprintf("warning: could not drop %q, left by an unfinished restore (%s): %v", name, comment, err))
			} else {
				note(fmt.Sprintf("dropped %q, left by a restore that did not finish (%s)", name, strings.TrimPrefix(comment, "git-dbrestore: ")))
			}
		}
	}
	return nil
}

// Drop removes a database this restore created, ending any session in it,
// and releases it. It runs even after ctx was cancelled (Ctrl-C), within a
// time limit.
func (t *Target) Drop(ctx context.Context, s *Scratch) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	conn := s.admin
	if conn == nil || conn.IsClosed() {
		var err error
		if conn, err = t.admin(ctx); err != nil {
			return err
		}
	}
	defer conn.Close(context.Background())
	return dropDatabase(ctx, conn, s.Name)
}

func dropDatabase(ctx context.Context, conn *pgconn.PgConn, name string) error {
	force := ""
	if v, _ := strconv.Atoi(conn.ParameterStatus("server_version_num")); v >= 130000 || v == 0 {
		force = " WITH (FORCE)"
	} else if _, err := terminate(ctx, conn, name); err != nil {
		return err
	}
	if err := exec(ctx, conn, "DROP DATABASE IF EXISTS "+quoteIdent(name)+force); err != nil {
		return fmt.Errorf("drop database %q: %w", name, err)
	}
	return nil
}

// terminate ends the other sessions connected to database name that this
// user may end, and describes those it may not.
func terminate(ctx context.Context, conn *pgconn.PgConn, name string) (others []string, err error) {
	// The rules of pg_terminate_backend: a superuser ends any session;
	// anyone else, not a superuser's, and only those of roles whose
	// privileges they have, or any with pg_signal_backend.
	result := conn.ExecParams(ctx, `SELECT usename, application_name, coalesce(host(client_addr), 'local'),
		CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
			OR NOT coalesce((SELECT rolsuper FROM pg_roles r WHERE r.oid = a.usesysid), false)
			AND (pg_has_role(a.usesysid, 'USAGE') OR pg_has_role('pg_signal_backend', 'USAGE'))
		THEN pg_terminate_backend(pid) END
		FROM pg_stat_activity a
		WHERE datname = $1 AND pid <> pg_backend_pid() AND usesysid IS NOT NULL`, [][]byte{[]byte(name)}, nil, nil, nil).Read()
	if result.Err != nil {
		return nil, fmt.Errorf("end the sessions connected to %q: %w", name, result.Err)
	}
	for _, row := range result.Rows {
		if row[3] == nil {
			session := fmt.Sprintf("%q from %s", row[0], row[2])
			if len(row[1]) > 0 {
				session += fmt.Sprintf(" (%s)", row[1])
			}
			others = append(others, session)
		}
	}
	return others, nil
}

// Swap gives the restored database its target's name, and the comment
// setComment gives it (the dump's COMMENT ON DATABASE, or none). The
// existing database, if any, has its sessions ended and is renamed away in
// the same transaction, then dropped, or kept (its name returned) when keep
// is set. The scratch database's lock is released.
func (t *Target) Swap(ctx context.Context, s *Scratch, setComment string, keep bool) (kept string, err error) {
	conn := s.admin
	defer conn.Close(context.Background())
	if setComment == "" {
		setComment = "COMMENT ON DATABASE " + quoteIdent(s.Name) + " IS NULL"
	}
	row, err := queryRow(ctx, conn, `SELECT 1 FROM pg_database WHERE datname = $1`, t.Name)
	if err != nil {
		return "", fmt.Errorf("look up database %q: %w", t.Name, err)
	}
	into := "ALTER DATABASE " + quoteIdent(s.Name) + " RENAME TO " + quoteIdent(t.Name)
	if row == nil {
		if err := exec(ctx, conn, "BEGIN; "+setComment+"; "+into+"; COMMIT"); err != nil {
			_ = exec(ctx, conn, "ROLLBACK")
			return "", fmt.Errorf("rename database %q to %q: %w", s.Name, t.Name, err)
		}
		return "", nil
	}
	old := scratchName(t.Name, "old")
	swap := "BEGIN; " + setComment + "; ALTER DATABASE " + quoteIdent(t.Name) + " RENAME TO " + quoteIdent(old) + "; " + into + "; COMMIT"
	for attempt := 1; ; attempt++ {
		others, err := terminate(ctx, conn, t.Name)
		if err != nil {
			return "", err
		}
		err = exec(ctx, conn, swap)
		if err == nil {
			break
		}
		_ = exec(ctx, conn, "ROLLBACK")
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" { // 55006: in use by other sessions
			return "", fmt.Errorf("replace database %q: %w", t.Name, err)
		}
		// The server has waited 5 seconds for the sessions to go before
		// giving up; sessions we may not end are not going to.
		if attempt == 3 || attempt == 2 && len(others) > 0 {
			if len(others) > 0 {
				return "", fmt.Errorf("replace database %q: sessions of other roles are connected to it and %q may not end them: %s (end them, or make [%s] username a member of pg_signal_backend)",
					t.Name, t.Config.User, strings.Join(others, ", "), t.Section)
			}
			return "", fmt.Errorf("replace database %q: %w (new sessions kept connecting)", t.Name, err)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
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
	return scratchPrefix(name, what) + hex.EncodeToString(b[:])
}

// scratchPrefix is name_<what>_, name shortened to leave room for the
// random part.
func scratchPrefix(name, what string) string {
	suffix := "_" + what + "_"
	for len(name)+len(suffix)+8 > 63 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name + suffix
}

// isScratchOf reports whether db is named as scratchName(name, what) names.
func isScratchOf(db, name, what string) bool {
	random, ok := strings.CutPrefix(db, scratchPrefix(name, what))
	if !ok || len(random) != 8 {
		return false
	}
	_, err := hex.DecodeString(random)
	return err == nil && strings.ToLower(random) == random
}
