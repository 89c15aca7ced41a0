package restore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/citools/citools/internal/restore/script"
	"github.com/jackc/pgx/v5/pgconn"
)

// Options say how a dump is loaded.
type Options struct {
	// NoOwner skips ALTER … OWNER TO and SET SESSION AUTHORIZATION;
	// NoPrivileges skips GRANT, REVOKE and ALTER DEFAULT PRIVILEGES.
	NoOwner      bool
	NoPrivileges bool
	// Jobs is how many extra sessions load tables, and later build the
	// indexes and constraints of the dump's post-data section, at once; 0
	// or 1 does all in the main session, one at a time, as psql would.
	Jobs int
	// Warn receives the server's warnings.
	Warn func(string)
}

// loader executes one dump in one session, as psql -v ON_ERROR_STOP=1 -f
// would, into the database scratch.
type loader struct {
	opts    Options
	conn    *pgconn.PgConn
	scanner *script.Scanner
	name    string // the dump's source, for messages
	scratch string

	ownDB       string // the dump's own database, from its CREATE DATABASE
	restrictKey string
	post        *postData
	// postStart is when the post-data section began: the first index or
	// constraint.
	postStart time.Time
	// dbComment is the dump's COMMENT ON DATABASE, held back for the swap.
	dbComment string
}

// Loaded is how a dump went in.
type Loaded struct {
	// Phases has Data and PostData filled in.
	Phases Phases
	// DatabaseComment is the dump's COMMENT ON DATABASE (pg_dump -C), for
	// the swap to run: until then the new database's comment says that it
	// is being restored.
	DatabaseComment string
}

// Phases is where a restore's time went.
type Phases struct {
	// Create is making the new database.
	Create time.Duration
	// Data is the dump up to its first index or constraint: the schema and
	// the COPY data.
	Data time.Duration
	// PostData is the rest: indexes, constraints, triggers, grants.
	PostData time.Duration
	// Swap is giving the new database its name and dropping the old one.
	Swap time.Duration
}

// Load executes the dump read from r into database scratch. name is the
// dump's name in messages ("database_first.sql").
func Load(ctx context.Context, cfg *pgconn.Config, section, scratch, name string, r io.Reader, opts Options) (loaded Loaded, err error) {
	start := time.Now()
	cfg = restoreSession(cfg)
	conn, err := connect(ctx, cfg, scratch, section)
	if err != nil {
		return loaded, err
	}
	defer conn.Close(context.Background())
	l := &loader{opts: opts, conn: conn, scanner: script.NewScanner(r), name: name, scratch: scratch}
	defer func() {
		end := time.Now()
		if l.postStart.IsZero() {
			l.postStart = end
		}
		loaded.Phases.Data, loaded.Phases.PostData = l.postStart.Sub(start), end.Sub(l.postStart)
		loaded.DatabaseComment = l.dbComment
	}()
	if opts.Jobs > 1 {
		l.post = newPostData(ctx, opts.Jobs, func(ctx context.Context) (statementRunner, error) {
			conn, err := connect(ctx, cfg, scratch, section)
			if err != nil {
				return nil, err
			}
			return pgSession{conn}, nil
		})
		defer func() {
			if perr := l.post.close(); err == nil {
				err = perr
			}
		}()
	}
	return loaded, l.run(ctx)
}

// restoreSession is cfg for the sessions that restore into the new
// database. They commit without waiting for the disk
// (synchronous_commit=off): should the server crash, the half-restored
// database is dropped anyway, and a dump of many small statements no longer
// waits for a flush after each.
func restoreSession(cfg *pgconn.Config) *pgconn.Config {
	cfg = cfg.Copy()
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["synchronous_commit"] = "off"
	return cfg
}

func (l *loader) run(ctx context.Context) error {
	for {
		item, err := l.scanner.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		if err := l.execute(ctx, item); err != nil {
			return l.lineError(ctx, item.Line, err)
		}
	}
	if l.restrictKey != "" {
		return fmt.Errorf("%s: %w: it ends before the \\unrestrict that matches its \\restrict", l.name, script.ErrTruncated)
	}
	if err := l.barrier(); err != nil {
		return l.lineError(ctx, l.scanner.Line(), err)
	}
	return nil
}

// lineError names the dump and the line of the statement that failed: the
// one being executed, a post-data statement run in another session, or
// where the data of a COPY broke off.
func (l *loader) lineError(ctx context.Context, line int, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var at *lineError
	if errors.As(err, &at) {
		line, err = at.line, at.err
	}
	return fmt.Errorf("%s:%d: %w", l.name, line, err)
}

// rewrite adapts a statement to restoring into the scratch database; skip
// says to leave it out.
func (l *loader) rewrite(sql string) (_ string, skip bool) {
	words := script.Words(sql, 3)
	if len(words) < 2 {
		return sql, false
	}
	switch {
	case words[0] == "CREATE" && words[1] == "DATABASE":
		// pg_dump -C: the database exists already, made by us.
		l.ownDB = nameAfterDatabase(sql)
		return "", true
	case words[0] == "DROP" && words[1] == "DATABASE":
		// pg_dump -C --clean: never; the swap replaces the database.
		return "", true
	}
	if l.opts.NoOwner && (isOwnerTo(sql) || words[0] == "SET" && words[1] == "SESSION" && len(words) > 2 && words[2] == "AUTHORIZATION" ||
		words[0] == "RESET" && words[1] == "SESSION") {
		return "", true
	}
	if l.opts.NoPrivileges && (words[0] == "GRANT" || words[0] == "REVOKE" ||
		words[0] == "ALTER" && words[1] == "DEFAULT" && len(words) > 2 && words[2] == "PRIVILEGES") {
		return "", true
	}
	switch words[0] {
	case "ALTER", "COMMENT", "GRANT", "REVOKE", "SECURITY":
		if l.ownDB == "" {
			break
		}
		renamed := renameDatabase(sql, l.ownDB, l.scratch)
		if renamed != sql && words[0] == "COMMENT" {
			// The scratch database's comment marks it as being restored.
			l.dbComment = strings.TrimSuffix(strings.TrimSpace(renamed), ";")
			return "", true
		}
		return renamed, false
	}
	return sql, false
}

// nameAfterDatabase is the name that follows the keyword DATABASE.
func nameAfterDatabase(sql string) string {
	tokens := script.Tokens(sql, 0)
	for i := 0; i+1 < len(tokens); i++ {
		if tokens[i].Word == "DATABASE" {
			return identName(tokens[i+1])
		}
	}
	return ""
}

// identName is what an identifier token names: folded to lower case unless
// quoted.
func identName(t script.Token) string {
	if t.Word != "" {
		return strings.ToLower(t.Text)
	}
	if strings.HasPrefix(t.Text, `"`) && strings.HasSuffix(t.Text, `"`) && len(t.Text) >= 2 {
		return strings.ReplaceAll(t.Text[1:len(t.Text)-1], `""`, `"`)
	}
	return t.Text
}

// renameDatabase points "DATABASE own" in sql at the scratch database.
func renameDatabase(sql, own, scratch string) string {
	tokens := script.Tokens(sql, 0)
	for i := len(tokens) - 2; i >= 0; i-- {
		if tokens[i].Word == "DATABASE" && identName(tokens[i+1]) == own {
			next := tokens[i+1]
			sql = sql[:next.Start] + quoteIdent(scratch) + sql[next.End:]
		}
	}
	return sql
}

// isOwnerTo reports ALTER … OWNER TO role.
func isOwnerTo(sql string) bool {
	tokens := script.Tokens(sql, 0)
	if len(tokens) > 0 && tokens[len(tokens)-1].Text == ";" {
		tokens = tokens[:len(tokens)-1]
	}
	n := len(tokens)
	if n < 5 || tokens[0].Word != "ALTER" || tokens[n-3].Word != "OWNER" || tokens[n-2].Word != "TO" {
		return false
	}
	for _, t := range tokens {
		if t.Word == "RENAME" {
			return false
		}
	}
	return true
}

// isSessionSetting reports statements that change the session's settings,
// which the post-data sessions repeat: SET, RESET and set_config(…, false).
func isSessionSetting(sql string) bool {
	tokens := script.Tokens(sql, 4)
	if len(tokens) < 2 {
		return false
	}
	switch tokens[0].Word {
	case "SET":
		switch tokens[1].Word {
		case "TRANSACTION", "LOCAL", "CONSTRAINTS":
			return false
		}
		return true
	case "RESET":
		return true
	case "SELECT":
		return tokens[1].Word == "SET_CONFIG" || len(tokens) > 3 && tokens[1].Word == "PG_CATALOG" && tokens[3].Word == "SET_CONFIG"
	}
	return false
}

func (l *loader) execute(ctx context.Context, item script.Item) error {
	switch item.Kind {
	case script.Meta:
		return l.meta(ctx, item)
	case script.CopyIn:
		if l.post != nil && l.conn.TxStatus() == 'I' {
			return l.copyElsewhere(item)
		}
		if err := l.barrier(); err != nil {
			return err
		}
		_, err := l.conn.CopyFrom(ctx, l.scanner.CopyData(), item.Text)
		if err == nil {
			return nil
		}
		// The data could not be read: a corrupt archive, a dump cut off.
		if readErr := l.scanner.CopyErr(); readErr != nil {
			return &lineError{line: l.scanner.Line(), err: readErr}
		}
		// The server refused the COPY: read past its data before saying so,
		// as psql does.
		_ = l.scanner.SkipCopy()
		return fmt.Errorf("%s: %w", excerpt(item.Text), err)
	}
	if l.postStart.IsZero() {
		switch item.TOCType {
		case "INDEX", "CONSTRAINT", "FK CONSTRAINT":
			l.postStart = time.Now()
		}
	}
	sql, skip := l.rewrite(item.Text)
	if skip {
		return nil
	}
	if l.post != nil && l.conn.TxStatus() == 'I' {
		if task, ok := postDataTask(item.TOCType, sql); ok {
			task.line = item.Line
			return l.post.dispatch(task)
		}
	}
	if err := l.barrier(); err != nil {
		return err
	}
	if err := exec(ctx, l.conn, sql); err != nil {
		return fmt.Errorf("%s: %w", excerpt(sql), err)
	}
	if isSessionSetting(sql) {
		l.scanner.StandardStrings = l.conn.ParameterStatus("standard_conforming_strings") != "off"
		if l.post != nil {
			l.post.addSetting(sql)
		}
	}
	return nil
}

// copyElsewhere loads a table in another session, through a spool, and
// reads the dump on to the end of its data, up to the spool's size ahead of
// that session: the next table can start loading in yet another session
// meanwhile. A failure of the COPY shows at the next barrier, or at once if
// it comes before the data is read.
func (l *loader) copyElsewhere(item script.Item) error {
	data := newSpool()
	if err := l.post.dispatch(postTask{sql: item.Text, line: item.Line, group: groupData, copy: data}); err != nil {
		return err
	}
	_, err := data.ReadFrom(l.scanner.CopyData())
	if readErr := l.scanner.CopyErr(); readErr != nil {
		data.finish(readErr)
		return &lineError{line: l.scanner.Line(), err: readErr}
	}
	if errors.Is(err, errSpoolClosed) {
		// The COPY failed (or was interrupted): say why once the work in
		// flight is done, without reading the rest of its data.
		if err := l.post.wait(); err != nil {
			return err
		}
		return errSpoolClosed
	}
	data.finish(err)
	return err
}

// barrier waits for the post-data work in flight, which later statements
// may depend on.
func (l *loader) barrier() error {
	if l.post == nil {
		return nil
	}
	return l.post.wait()
}

func (l *loader) meta(ctx context.Context, item script.Item) error {
	if l.restrictKey != "" && item.Text != "unrestrict" {
		return fmt.Errorf(`\%s is not allowed while restricted by \restrict (psql refuses it too)`, item.Text)
	}
	switch item.Text {
	case "restrict":
		if item.Args == "" {
			return errors.New(`\restrict needs a key`)
		}
		l.restrictKey = item.Args
	case "unrestrict":
		if l.restrictKey == "" {
			return errors.New(`\unrestrict without a \restrict before it`)
		}
		if item.Args != l.restrictKey {
			return errors.New(`\unrestrict's key does not match the \restrict before it`)
		}
		l.restrictKey = ""
	case "connect", "c":
		db, err := connectTarget(item.Args)
		if err != nil {
			return err
		}
		if l.ownDB == "" || db != l.ownDB {
			return fmt.Errorf(`\connect %s: only a \connect to the dump's own database, after its CREATE DATABASE, is supported (it restores into the configured database)`, item.Args)
		}
		return l.barrier()
	case "encoding":
		if item.Args == "" {
			return nil
		}
		if err := l.barrier(); err != nil {
			return err
		}
		sql := "SET client_encoding TO " + quoteLiteral(item.Args)
		if err := exec(ctx, l.conn, sql); err != nil {
			return fmt.Errorf(`\encoding %s: %w`, item.Args, err)
		}
		if l.post != nil {
			l.post.addSetting(sql)
		}
	default:
		return fmt.Errorf(`unsupported psql meta-command \%s`, item.Text)
	}
	return nil
}

// connectTarget is the database a \connect names: "\connect db",
// "\connect "Db"" or "\connect -reuse-previous=on "dbname='my db'"".
func connectTarget(args string) (string, error) {
	fields := metaArgs(args)
	if len(fields) > 0 && strings.HasPrefix(fields[0], "-reuse-previous") {
		fields = fields[1:]
	}
	if len(fields) == 0 || fields[0] == "-" {
		return "", fmt.Errorf(`\connect %s: no database named`, args)
	}
	target := fields[0]
	if !strings.Contains(target, "=") {
		return target, nil
	}
	for _, kv := range conninfoPairs(target) {
		if kv[0] == "dbname" {
			return kv[1], nil
		}
	}
	return "", fmt.Errorf(`\connect %s: no dbname in the connection string`, args)
}

// metaArgs splits psql meta-command arguments: "…" keeps its content as
// written ("" is a quote), '…' its content with ” for a quote.
func metaArgs(s string) []string {
	var out []string
	var cur strings.Builder
	inArg := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inArg {
				out = append(out, cur.String())
				cur.Reset()
				inArg = false
			}
		case c == '"' || c == '\'':
			inArg = true
			for i++; i < len(s); i++ {
				if s[i] == c {
					if i+1 < len(s) && s[i+1] == c {
						cur.WriteByte(c)
						i++
						continue
					}
					break
				}
				cur.WriteByte(s[i])
			}
		default:
			inArg = true
			cur.WriteByte(c)
		}
	}
	if inArg {
		out = append(out, cur.String())
	}
	return out
}

// conninfoPairs parses libpq's keyword=value form, values optionally in
// single quotes with backslash escapes.
func conninfoPairs(s string) [][2]string {
	var out [][2]string
	i := 0
	for i < len(s) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 {
			break
		}
		key := strings.TrimSpace(s[i : i+eq])
		i += eq + 1
		var val strings.Builder
		if i < len(s) && s[i] == '\'' {
			for i++; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			i++
		} else {
			for ; i < len(s) && s[i] != ' '; i++ {
				val.WriteByte(s[i])
			}
		}
		out = append(out, [2]string{key, val.String()})
	}
	return out
}

// excerpt is the start of a statement, on one line, for messages.
func excerpt(sql string) string {
	s := oneLine(sql)
	if len(s) > 60 {
		cut := 57
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}
