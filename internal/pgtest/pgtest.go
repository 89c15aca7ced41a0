// Package pgtest starts a throwaway PostgreSQL server for tests and
// benchmarks: a fresh cluster in a temporary directory, listening on
// 127.0.0.1 on a free port and on a unix socket, run as an unprivileged user
// (initdb refuses root, and CI runs as root).
//
// When PostgreSQL is not installed and the process runs as root with apt-get
// at hand (a fresh CI machine), Start installs Debian's postgresql package.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Superuser is the cluster's superuser; it logs in without a password over
// the unix socket and with SuperPassword over TCP.
const (
	Superuser     = "postgres"
	SuperPassword = "pgtest-super"
)

// TrustedGroup is a role whose members log in over TCP without a password,
// for configurations that say password="".
const TrustedGroup = "pgtest_trusted"

// Server is a running cluster.
type Server struct {
	Host   string // 127.0.0.1
	Port   int
	Socket string // the unix socket's directory
	BinDir string

	dir  string
	cmd  *exec.Cmd
	done chan error
}

// Start creates and starts a cluster. Stop it with Stop.
func Start(ctx context.Context) (*Server, error) {
	binDir, err := findBinDir(ctx)
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "citools-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{Host: "127.0.0.1", BinDir: binDir, dir: dir, Socket: filepath.Join(dir, "socket"), done: make(chan error, 1)}
	if err := s.start(ctx, cred); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context, cred *syscall.Credential) error {
	data := filepath.Join(s.dir, "data")
	pwfile := filepath.Join(s.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(SuperPassword+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.Mkdir(s.Socket, 0o700); err != nil {
		return err
	}
	if cred != nil {
		for _, p := range []string{s.dir, pwfile, s.Socket} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return err
			}
		}
	}
	initdb := exec.CommandContext(ctx, filepath.Join(s.BinDir, "initdb"), "-D", data, "-U", Superuser,
		"--pwfile", pwfile, "-E", "UTF8", "--locale", "C", "--auth-local", "trust", "--auth-host", "scram-sha-256", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	hba := "local all all trust\n" +
		"host all +" + TrustedGroup + " 127.0.0.1/32 trust\n" +
		"host all all 127.0.0.1/32 scram-sha-256\n"
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return err
	}
	if cred != nil {
		if err := os.Chown(filepath.Join(data, "pg_hba.conf"), int(cred.Uid), int(cred.Gid)); err != nil {
			return err
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	s.Port = port
	// Durability is worthless for a throwaway cluster; speed is not.
	s.cmd = exec.Command(filepath.Join(s.BinDir, "postgres"), "-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+s.Socket,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=60", "-c", "shared_buffers=128MB", "-c", "max_wal_size=2GB")
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	logFile, err := os.Create(filepath.Join(s.dir, "server.log"))
	if err != nil {
		return err
	}
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("starting postgres: %w", err)
	}
	go func() {
		s.done <- s.cmd.Wait()
		logFile.Close()
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgconn.Connect(ctx, s.ConnString(Superuser, "postgres"))
		if err == nil {
			err = conn.Exec(ctx, "CREATE ROLE "+TrustedGroup+" NOLOGIN").Close()
			conn.Close(ctx)
			return err
		}
		select {
		case werr := <-s.done:
			s.done <- werr
			log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
			return fmt.Errorf("postgres exited: %v\n%s", werr, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within 30s: %w", err)
		}
	}
}

// ConnString connects as user to db over the unix socket (trusted).
func (s *Server) ConnString(user, db string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", quote(s.Socket), s.Port, quote(user), quote(db))
}

// quote quotes a keyword/value connection string value.
func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// Env is the libpq environment that points a client at the server over TCP.
func (s *Server) Env() []string {
	return []string{"PGHOST=" + s.Host, "PGPORT=" + strconv.Itoa(s.Port), "PGSSLMODE=disable"}
}

// Exec runs SQL as the superuser in db.
func (s *Server) Exec(ctx context.Context, db, sql string) error {
	conn, err := pgconn.Connect(ctx, s.ConnString(Superuser, db))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql).ReadAll()
	return err
}

// Query runs one query as the superuser in db and returns its rows as text;
// NULL is returned as nil.
func (s *Server) Query(ctx context.Context, db, sql string) ([][]*string, error) {
	conn, err := pgconn.Connect(ctx, s.ConnString(Superuser, db))
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	results, err := conn.Exec(ctx, sql).ReadAll()
	if err != nil {
		return nil, err
	}
	var rows [][]*string
	for _, result := range results {
		for _, row := range result.Rows {
			cells := make([]*string, len(row))
			for i, v := range row {
				if v != nil {
					text := string(v)
					cells[i] = &text
				}
			}
			rows = append(rows, cells)
		}
	}
	return rows, nil
}

// Stop shuts the server down at once and removes its files.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		// SIGQUIT is PostgreSQL's immediate shutdown; nothing here is worth keeping.
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.done
		}
	}
	os.RemoveAll(s.dir)
}

// findBinDir finds PostgreSQL's server binaries: Debian keeps them in
// /usr/lib/postgresql/<version>/bin, off PATH.
func findBinDir(ctx context.Context) (string, error) {
	if dir := lookBinDir(); dir != "" {
		return dir, nil
	}
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("apt-get"); err == nil {
			if err := aptInstall(ctx); err != nil {
				return "", fmt.Errorf("PostgreSQL is not installed and installing it failed: %w", err)
			}
			if dir := lookBinDir(); dir != "" {
				return dir, nil
			}
		}
	}
	return "", errors.New("PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or on PATH: install PostgreSQL (Debian: apt-get install postgresql)")
}

func lookBinDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		if isFile(filepath.Join(dir, "initdb")) && isFile(filepath.Join(dir, "postgres")) {
			return dir
		}
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(initdb); err == nil {
			dir := filepath.Dir(real)
			if isFile(filepath.Join(dir, "postgres")) {
				return dir
			}
		}
	}
	return ""
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

func aptInstall(ctx context.Context) error {
	for _, args := range [][]string{
		{"update"},
		{"install", "-y", "--no-install-recommends", "postgresql"},
	} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// runAs is the unprivileged user to run the server as when we are root: the
// postgres user Debian's package creates, else one of our own.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		if out, addErr := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "citools-pgtest").CombinedOutput(); addErr != nil && !strings.Contains(string(out), "already exists") {
			return nil, fmt.Errorf("creating a user to run PostgreSQL as: %w: %s", addErr, out)
		}
		if u, err = user.Lookup("citools-pgtest"); err != nil {
			return nil, err
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
