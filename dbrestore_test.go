// End-to-end tests of git-dbrestore: a real PostgreSQL started here, a real
// HTTP server with basic auth on 127.0.0.1, real archives made by the
// scripts in testdata/script/dbrestore.
package citools_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"testing"

	"github.com/citools/citools/internal/pgtest"
	"github.com/dsnet/compress/bzip2"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/ulikunitz/xz"
)

// Roles the scripts restore as: builder logs in with a UTF-8 password over
// TCP, firstman with none (password="").
const builderPassword = "koníček"

func TestDBRestore(t *testing.T) {
	ctx := context.Background()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatalf("starting PostgreSQL for the tests: %v", err)
	}
	t.Cleanup(srv.Stop)
	err = srv.Exec(ctx, "postgres", `
		CREATE ROLE builder LOGIN CREATEDB PASSWORD '`+builderPassword+`';
		CREATE ROLE firstman LOGIN CREATEDB IN ROLE `+pgtest.TrustedGroup+`;
		CREATE ROLE app NOLOGIN;`)
	if err != nil {
		t.Fatal(err)
	}
	params := scriptParams("dbrestore")
	setup := params.Setup
	params.Setup = func(env *testscript.Env) error {
		if err := setup(env); err != nil {
			return err
		}
		for _, kv := range srv.Env() {
			k, v, _ := strings.Cut(kv, "=")
			env.Setenv(k, v)
		}
		env.Setenv("PGSOCKET", srv.Socket)
		env.Setenv("BUILDER_PASSWORD", builderPassword)
		return nil
	}
	params.Cmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"sql":       sqlCmd(srv),
		"pgdump":    pgdumpCmd(srv),
		"httpserve": httpserveCmd,
		"compress":  compressCmd,
		"mktar":     mktarCmd,
		"truncate":  truncateCmd,
		"gendump":   gendumpCmd,
		"envsubst":  envsubstCmd,
		"intact":    intactCmd(srv),
	}
	params.Cmds["hold"], params.Cmds["held"] = holdCmds(srv)
	testscript.Run(t, params)
}

// sql [-wait] DB QUERY: runs QUERY as the superuser in DB and prints the rows,
// tab-separated, NULL as \N. -wait retries until the query returns a row.
func sqlCmd(srv *pgtest.Server) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		wait := len(args) > 0 && args[0] == "-wait"
		if wait {
			args = args[1:]
		}
		if len(args) != 2 {
			ts.Fatalf("usage: sql [-wait] DB QUERY")
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			rows, err := srv.Query(context.Background(), args[0], args[1])
			if neg {
				if err == nil {
					ts.Fatalf("sql succeeded unexpectedly")
				}
				fmt.Fprintln(ts.Stderr(), err)
				return
			}
			ts.Check(err)
			if wait && len(rows) == 0 {
				if time.Now().After(deadline) {
					ts.Fatalf("no row from %s within 30s", args[1])
				}
				time.Sleep(50 * time.Millisecond)
				continue
			}
			for _, row := range rows {
				cells := make([]string, len(row))
				for i, c := range row {
					if c == nil {
						cells[i] = `\N`
					} else {
						cells[i] = *c
					}
				}
				fmt.Fprintln(ts.Stdout(), strings.Join(cells, "\t"))
			}
			return
		}
	}
}

// hold NAME DB SQL opens a session (as the role NAME, over the unix socket)
// to DB, runs SQL in it and keeps it open for the rest of the script.
// held [-ended] NAME checks that the session is still open, or with -ended
// that the server ended it.
func holdCmds(srv *pgtest.Server) (hold, held func(ts *testscript.TestScript, neg bool, args []string)) {
	var mu sync.Mutex
	sessions := map[*testscript.TestScript]map[string]*pgconn.PgConn{}
	hold = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 3 {
			ts.Fatalf("usage: hold NAME DB SQL")
		}
		ctx := context.Background()
		conn, err := pgconn.Connect(ctx, srv.ConnString(args[0], args[1]))
		ts.Check(err)
		ts.Defer(func() { conn.Close(ctx) })
		_, err = conn.Exec(ctx, args[2]).ReadAll()
		ts.Check(err)
		mu.Lock()
		defer mu.Unlock()
		if sessions[ts] == nil {
			sessions[ts] = map[string]*pgconn.PgConn{}
		}
		sessions[ts][args[0]] = conn
	}
	held = func(ts *testscript.TestScript, neg bool, args []string) {
		ended := len(args) == 2 && args[0] == "-ended"
		if ended {
			args = args[1:]
		}
		if len(args) != 1 {
			ts.Fatalf("usage: held [-ended] NAME")
		}
		mu.Lock()
		conn := sessions[ts][args[0]]
		mu.Unlock()
		if conn == nil {
			ts.Fatalf("no session held as %s", args[0])
		}
		_, err := conn.Exec(context.Background(), "SELECT 1").ReadAll()
		switch {
		case ended && err == nil:
			ts.Fatalf("the session of %s is still open", args[0])
		case !ended && err != nil:
			ts.Fatalf("the session of %s was ended: %v", args[0], err)
		}
	}
	return hold, held
}

// pgdump DB FILE [ARGS...]: the real pg_dump, as the superuser.
func pgdumpCmd(srv *pgtest.Server) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 2 {
			ts.Fatalf("usage: pgdump DB FILE [ARGS...]")
		}
		cmdArgs := append([]string{"-h", srv.Socket, "-p", strconv.Itoa(srv.Port), "-U", pgtest.Superuser, "-f", ts.MkAbs(args[1])}, args[2:]...)
		out, err := exec.Command(filepath.Join(srv.BinDir, "pg_dump"), append(cmdArgs, args[0])...).CombinedOutput()
		if err != nil {
			ts.Fatalf("pg_dump: %v\n%s", err, out)
		}
	}
}

// httpserve [-auth USER:PASSWORD] [-realm REALM] DIR: serves DIR on
// 127.0.0.1 for the rest of the script, its address in $HTTPURL.
func httpserveCmd(ts *testscript.TestScript, neg bool, args []string) {
	var user, password, realm string
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-auth":
			user, password, _ = strings.Cut(args[1], ":")
		case "-realm":
			realm = args[1]
		}
		args = args[2:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: httpserve [-auth USER:PASSWORD] [-realm REALM] DIR")
	}
	files := http.FileServer(http.Dir(ts.MkAbs(args[0])))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user != "" {
			u, p, ok := r.BasicAuth()
			if !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf("Basic realm=%q", realm))
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		if target, ok := strings.CutPrefix(r.URL.Path, "/redirect/"); ok {
			http.Redirect(w, r, "/"+target, http.StatusFound)
			return
		}
		files.ServeHTTP(w, r)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	server := &http.Server{Handler: handler}
	go server.Serve(l)
	ts.Defer(func() { server.Close() })
	ts.Setenv("HTTPURL", "http://"+l.Addr().String())
}

// compress gz|bz2|xz|zst FILE: writes FILE.gz (and so on) beside FILE.
func compressCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: compress gz|bz2|xz|zst FILE")
	}
	data, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	var buf bytes.Buffer
	var w io.WriteCloser
	switch args[0] {
	case "gz":
		w = gzip.NewWriter(&buf)
	case "bz2":
		w, err = bzip2.NewWriter(&buf, nil)
	case "xz":
		w, err = xz.NewWriter(&buf)
	case "zst":
		w, err = zstd.NewWriter(&buf)
	default:
		ts.Fatalf("unknown compression %s", args[0])
	}
	ts.Check(err)
	_, err = w.Write(data)
	ts.Check(err)
	ts.Check(w.Close())
	ts.Check(os.WriteFile(ts.MkAbs(args[1]+"."+args[0]), buf.Bytes(), 0o644))
}

// mktar OUT ENTRY...: a tar archive (gzipped when OUT ends in .gz) of
// entries NAME=FILE, NAME->TARGET (a symbolic link) or NAME/ (a directory).
func mktarCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: mktar OUT NAME=FILE|NAME->TARGET|NAME/...")
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, entry := range args[1:] {
		switch {
		case strings.Contains(entry, "->"):
			name, target, _ := strings.Cut(entry, "->")
			ts.Check(tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}))
		case strings.HasSuffix(entry, "/"):
			ts.Check(tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: entry, Mode: 0o755}))
		default:
			name, file, _ := strings.Cut(entry, "=")
			data, err := os.ReadFile(ts.MkAbs(file))
			ts.Check(err)
			ts.Check(tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data))}))
			_, err = tw.Write(data)
			ts.Check(err)
		}
	}
	ts.Check(tw.Close())
	out := buf.Bytes()
	if strings.HasSuffix(args[0], ".gz") || strings.HasSuffix(args[0], ".tgz") {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		_, err := w.Write(out)
		ts.Check(err)
		ts.Check(w.Close())
		out = z.Bytes()
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), out, 0o644))
}

// truncate FILE N: keeps the first N bytes of FILE (N may be -K: all but K).
func truncateCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: truncate FILE N")
	}
	path := ts.MkAbs(args[0])
	info, err := os.Stat(path)
	ts.Check(err)
	n, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	if n < 0 {
		n += info.Size()
	}
	ts.Check(os.Truncate(path, n))
}

// gendump FILE ROWS: a plain dump of a table t(id, v) with ROWS rows, its
// primary key, an index and a table referencing it.
func gendumpCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: gendump FILE ROWS")
	}
	rows, err := strconv.Atoi(args[1])
	ts.Check(err)
	var b strings.Builder
	b.WriteString("SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\nSELECT pg_catalog.set_config('search_path', '', false);\n\n")
	b.WriteString("CREATE TABLE public.t (id integer NOT NULL, v text);\nCREATE TABLE public.r (id integer NOT NULL, t_id integer);\n\n")
	b.WriteString("COPY public.t (id, v) FROM stdin;\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "%d\tvalue %d\n", i, i)
	}
	b.WriteString("\\.\n\nCOPY public.r (id, t_id) FROM stdin;\n1\t1\n\\.\n\n")
	b.WriteString("--\n-- Name: t t_pkey; Type: CONSTRAINT; Schema: public; Owner: -\n--\n\nALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n\n")
	b.WriteString("--\n-- Name: t_v_idx; Type: INDEX; Schema: public; Owner: -\n--\n\nCREATE INDEX t_v_idx ON public.t USING btree (v);\n\n")
	b.WriteString("--\n-- Name: r r_t_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -\n--\n\nALTER TABLE ONLY public.r\n    ADD CONSTRAINT r_t_fkey FOREIGN KEY (t_id) REFERENCES public.t(id);\n\n")
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o644))
}

// envsubst IN OUT: copies IN to OUT with $VAR and ${VAR} expanded.
func envsubstCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: envsubst IN OUT")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(os.Expand(string(data), ts.Getenv)), 0o644))
}

// intact DB TEMPDIR: DB still holds marker 'original', no other database's
// name starts with DB_ (nothing half-restored is left), TEMPDIR is empty.
func intactCmd(srv *pgtest.Server) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 2 {
			ts.Fatalf("usage: intact DB TEMPDIR")
		}
		ctx := context.Background()
		rows, err := srv.Query(ctx, args[0], "SELECT v FROM marker")
		ts.Check(err)
		if len(rows) != 1 || *rows[0][0] != "original" {
			ts.Fatalf("database %s changed: marker is %v", args[0], rows)
		}
		rows, err = srv.Query(ctx, "postgres", "SELECT datname FROM pg_database WHERE starts_with(datname, '"+args[0]+"_')")
		ts.Check(err)
		for _, row := range rows {
			ts.Fatalf("database %s was left behind", *row[0])
		}
		entries, err := os.ReadDir(ts.MkAbs(args[1]))
		ts.Check(err)
		for _, e := range entries {
			ts.Fatalf("%s was left in %s", e.Name(), args[1])
		}
	}
}
