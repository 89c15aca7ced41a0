package restore

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/citools/citools/internal/restore/script"
	"github.com/jackc/pgx/v5/pgconn"
)

// postData loads the tables of a dump and builds the indexes and
// constraints of its post-data section in several sessions at once, as
// pg_restore -j does: psql does each in turn, and each keeps one core of
// the server busy at most.
//
// Consecutive COPY blocks load their tables at once, each table in one
// session, so its rows keep their order. Index and constraint builds each
// lock one table, so they cannot deadlock one another; one whose lock
// conflicts with a running build's (a primary key and an index of one
// table) waits for it rather than take a session to wait in. Foreign keys
// lock two tables and need the referenced table's keys, so they start only
// after every index and key is built, and two run together only when they
// share no table. Each kind of work waits for the kind before it to finish,
// and everything else waits for the work in flight and runs in the main
// session.
type postData struct {
	ctx    context.Context
	cancel context.CancelFunc
	open   func(context.Context) (statementRunner, error)
	jobs   int

	mu       sync.Mutex
	cond     *sync.Cond
	idle     []*session
	all      []*session
	running  int
	group    int
	busy     map[string]tableUse
	err      error
	settings []string
}

type session struct {
	conn    statementRunner
	applied int // how many of the settings it has run
}

// statementRunner is a session that runs statements one at a time.
type statementRunner interface {
	Exec(ctx context.Context, sql string) error
	// CopyFrom runs COPY … FROM STDIN with the data read from r.
	CopyFrom(ctx context.Context, r io.Reader, sql string) error
	Close()
}

// pgSession is a statementRunner on a server session.
type pgSession struct{ conn *pgconn.PgConn }

func (s pgSession) Exec(ctx context.Context, sql string) error { return exec(ctx, s.conn, sql) }
func (s pgSession) Close()                                     { s.conn.Close(context.Background()) }

func (s pgSession) CopyFrom(ctx context.Context, r io.Reader, sql string) error {
	_, err := s.conn.CopyFrom(ctx, r, sql)
	return err
}

// postTask is one statement for another session.
type postTask struct {
	sql   string
	line  int
	group int // groupData, groupKeys or groupForeignKeys
	// tables are the tables it locks; exclusive when no other task may work
	// on them meanwhile (ALTER TABLE takes an ACCESS EXCLUSIVE lock, a
	// foreign key a SHARE ROW EXCLUSIVE one on both tables), else only
	// other exclusive tasks are kept out (CREATE INDEX takes a SHARE lock).
	// A task is not started while it would wait for a lock: its session
	// would sit idle, as pg_restore -j avoids too.
	tables    []string
	exclusive bool
	// copy is the data of a COPY … FROM stdin.
	copy *spool
}

// tableUse is how the running tasks use one table.
type tableUse struct {
	shared    int
	exclusive bool
}

const (
	groupData = iota + 1
	groupKeys
	groupForeignKeys
)

// lineError is a failure that belongs to another line than the statement
// being executed: a post-data statement's, or the end of a COPY's data.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *lineError) Unwrap() error { return e.err }

// newPostData runs post-data work in up to jobs sessions, each opened by
// open when first needed.
func newPostData(ctx context.Context, jobs int, open func(context.Context) (statementRunner, error)) *postData {
	ctx, cancel := context.WithCancel(ctx)
	p := &postData{ctx: ctx, cancel: cancel, open: open, jobs: jobs, busy: map[string]tableUse{}}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// postDataTask recognises the statements another session may run: pg_dump's
// INDEX, CONSTRAINT and FK CONSTRAINT entries in their usual shapes.
func postDataTask(tocType, sql string) (postTask, bool) {
	switch tocType {
	case "INDEX":
		tokens := script.Tokens(sql, 16)
		i := 0
		if !word(tokens, &i, "CREATE") {
			return postTask{}, false
		}
		word(tokens, &i, "UNIQUE")
		if !word(tokens, &i, "INDEX") || word(tokens, &i, "CONCURRENTLY") {
			return postTask{}, false
		}
		if word(tokens, &i, "IF") && !(word(tokens, &i, "NOT") && word(tokens, &i, "EXISTS")) {
			return postTask{}, false
		}
		if _, ok := qualifiedName(tokens, &i); !ok || !word(tokens, &i, "ON") {
			return postTask{}, false
		}
		word(tokens, &i, "ONLY")
		table, ok := qualifiedName(tokens, &i)
		if !ok {
			return postTask{}, false
		}
		return postTask{sql: sql, group: groupKeys, tables: []string{table}}, true
	case "CONSTRAINT", "FK CONSTRAINT":
		tokens := script.Tokens(sql, 0)
		i := 0
		if !word(tokens, &i, "ALTER") || !word(tokens, &i, "TABLE") {
			return postTask{}, false
		}
		word(tokens, &i, "ONLY")
		table, ok := qualifiedName(tokens, &i)
		if !ok || !word(tokens, &i, "ADD") || !word(tokens, &i, "CONSTRAINT") || i+1 >= len(tokens) {
			return postTask{}, false
		}
		i++ // the constraint's name
		switch {
		case tocType == "CONSTRAINT" && (tokens[i].Word == "PRIMARY" || tokens[i].Word == "UNIQUE" || tokens[i].Word == "EXCLUDE" || tokens[i].Word == "CHECK"):
			return postTask{sql: sql, group: groupKeys, tables: []string{table}, exclusive: true}, true
		case tocType == "FK CONSTRAINT" && tokens[i].Word == "FOREIGN":
			for ; i < len(tokens); i++ {
				if tokens[i].Word == "REFERENCES" {
					i++
					if parent, ok := qualifiedName(tokens, &i); ok {
						return postTask{sql: sql, group: groupForeignKeys, tables: []string{table, parent}, exclusive: true}, true
					}
				}
			}
		}
	}
	return postTask{}, false
}

func word(tokens []script.Token, i *int, w string) bool {
	if *i < len(tokens) && tokens[*i].Word == w {
		*i++
		return true
	}
	return false
}

// qualifiedName reads name or schema.name, as written.
func qualifiedName(tokens []script.Token, i *int) (string, bool) {
	if *i >= len(tokens) || tokens[*i].Word == "" && tokens[*i].Text[0] != '"' {
		return "", false
	}
	name := identName(tokens[*i])
	*i++
	if *i+1 < len(tokens) && tokens[*i].Text == "." {
		name += "." + identName(tokens[*i+1])
		*i += 2
	}
	return name, true
}

// addSetting records a session setting the main session ran, for the other
// sessions to repeat before their next statement.
func (p *postData) addSetting(sql string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.settings); n > 0 && p.settings[n-1] == sql {
		return
	}
	p.settings = append(p.settings, sql)
}

// dispatch starts t in another session once one is free and t's group and
// tables allow it.
func (p *postData) dispatch(t postTask) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.group != p.group {
		for p.running > 0 {
			p.cond.Wait()
		}
		p.group = t.group
	}
	for p.err == nil && (p.running >= p.jobs || p.conflicts(t)) {
		p.cond.Wait()
	}
	if p.err != nil {
		return p.err
	}
	var s *session
	if n := len(p.idle); n > 0 {
		s, p.idle = p.idle[n-1], p.idle[:n-1]
	}
	p.running++
	for _, table := range t.tables {
		use := p.busy[table]
		if t.exclusive {
			use.exclusive = true
		} else {
			use.shared++
		}
		p.busy[table] = use
	}
	go p.run(s, t, len(p.settings))
	return nil
}

func (p *postData) conflicts(t postTask) bool {
	for _, table := range t.tables {
		if use := p.busy[table]; use.exclusive || t.exclusive && use.shared > 0 {
			return true
		}
	}
	return false
}

func (p *postData) run(s *session, t postTask, settings int) {
	err := p.runTask(&s, t, settings)
	if t.copy != nil {
		// Whatever became of the COPY, the dump is read on past its data.
		t.copy.stop()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running--
	for _, table := range t.tables {
		use := p.busy[table]
		if t.exclusive {
			use.exclusive = false
		} else {
			use.shared--
		}
		if use == (tableUse{}) {
			delete(p.busy, table)
		} else {
			p.busy[table] = use
		}
	}
	if s != nil {
		p.idle = append(p.idle, s)
	}
	if err != nil && p.err == nil {
		p.err = &lineError{line: t.line, err: err}
		p.cancel()
	}
	p.cond.Broadcast()
}

func (p *postData) runTask(sp **session, t postTask, settings int) error {
	if *sp == nil {
		conn, err := p.open(p.ctx)
		if err != nil {
			return err
		}
		*sp = &session{conn: conn}
		p.mu.Lock()
		p.all = append(p.all, *sp)
		p.mu.Unlock()
	}
	s := *sp
	p.mu.Lock()
	todo := p.settings[s.applied:settings]
	p.mu.Unlock()
	for _, sql := range todo {
		if err := s.conn.Exec(p.ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", excerpt(sql), err)
		}
	}
	s.applied = settings
	if t.copy != nil {
		if err := s.conn.CopyFrom(p.ctx, t.copy, t.sql); err != nil {
			return fmt.Errorf("%s: %w", excerpt(t.sql), err)
		}
		return nil
	}
	if err := s.conn.Exec(p.ctx, t.sql); err != nil {
		return fmt.Errorf("%s: %w", excerpt(t.sql), err)
	}
	return nil
}

// wait waits for the work in flight and returns the first failure.
func (p *postData) wait() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.running > 0 {
		p.cond.Wait()
	}
	return p.err
}

// close waits for the work in flight and ends the sessions.
func (p *postData) close() error {
	err := p.wait()
	for _, s := range p.all {
		s.conn.Close()
	}
	p.cancel()
	return err
}
