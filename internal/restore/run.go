package restore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/citools/citools/internal/backup"
	"github.com/citools/citools/internal/config"
	"github.com/citools/citools/internal/progress"
	"github.com/jackc/pgx/v5/pgconn"
)

// Plan is what to restore and how.
type Plan struct {
	Config *config.Restore
	// NoOwner and NoPrivileges apply to every database, on top of each
	// section's own no_owner and no_privileges.
	NoOwner      bool
	NoPrivileges bool
	// Jobs is the sessions per database for post-data work; Databases how
	// many databases restore at once.
	Jobs      int
	Databases int
	// KeepOld keeps the replaced database under a new name.
	KeepOld bool
}

// Result is how one database's restore went.
type Result struct {
	Database config.Database
	// Err is why it failed; the existing database is then untouched.
	Err error
	// Kept is the name the replaced database was kept under, if it was.
	Kept  string
	Bytes int64
	// Duration is the whole restore's, Phases its parts.
	Duration time.Duration
	Phases   Phases
}

// Run fetches the backup once and restores every configured database from
// it, several at once. Each database's result is reported whatever becomes
// of the others.
func Run(ctx context.Context, plan Plan, prog *progress.Reporter) []Result {
	cfg := plan.Config
	results := make([]Result, len(cfg.Databases))
	jobs := make([]*dbJob, 0, len(cfg.Databases))
	for i, db := range cfg.Databases {
		results[i].Database = db
		conn, err := ConnConfig(db)
		if err != nil {
			results[i].Err = err
			continue
		}
		conn.OnNotice = warnings(prog, db.Name)
		jobs = append(jobs, &dbJob{
			result: &results[i],
			target: Target{Name: db.Name, Section: db.Section, Config: conn},
			opts: Options{
				NoOwner:      plan.NoOwner || db.NoOwner,
				NoPrivileges: plan.NoPrivileges || db.NoPrivileges,
				Jobs:         plan.Jobs,
			},
		})
	}
	// Make every new database first: a wrong password or a missing right
	// shows before a long download.
	var live []*dbJob
	for _, job := range jobs {
		start := time.Now()
		scratch, err := job.target.Create(ctx, func(msg string) { prog.Printf("%s", msg) })
		if err != nil {
			job.result.Err = err
			continue
		}
		job.result.Phases.Create = time.Since(start)
		job.scratch = scratch
		live = append(live, job)
	}
	defer func() {
		for _, job := range live {
			if !job.swapped {
				if err := job.target.Drop(ctx, job.scratch); err != nil {
					prog.Printf("warning: could not drop the unfinished database %q: %v", job.scratch.Name, err)
				}
			}
		}
	}()
	if len(live) > 0 {
		r := &runner{plan: plan, prog: prog, jobs: live, slots: make(chan struct{}, max(plan.Databases, 1))}
		r.run(ctx)
	}
	return results
}

type dbJob struct {
	result  *Result
	target  Target
	opts    Options
	scratch *Scratch
	swapped bool
	failed  bool
}

type runner struct {
	plan  Plan
	prog  *progress.Reporter
	jobs  []*dbJob
	slots chan struct{} // databases loading at once

	mu       sync.Mutex
	failures int
	cancel   context.CancelFunc
	verified chan struct{}
	archive  error
}

func (r *runner) run(ctx context.Context) {
	fetchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.cancel = cancel
	r.verified = make(chan struct{})
	byMember := map[string][]*dbJob{}
	var wg sync.WaitGroup
	members, err := r.unpack(fetchCtx, byMember, func(d backup.Dump) {
		for k, job := range byMember[d.Member] {
			wg.Add(1)
			go func(rc io.ReadCloser) {
				defer wg.Done()
				r.restore(ctx, job, d, rc)
			}(d.Readers[k])
		}
	})
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	r.archive = err
	for _, m := range members {
		for _, job := range byMember[m.Member] {
			job.result.Err = m
		}
	}
	close(r.verified)
	wg.Wait()
	if err != nil {
		for _, job := range r.jobs {
			if job.result.Err == nil && !job.swapped {
				job.result.Err = err
			}
		}
	}
}

// unpack opens, decompresses and reads the backup, delivering the dumps.
func (r *runner) unpack(ctx context.Context, byMember map[string][]*dbJob, deliver func(backup.Dump)) ([]*backup.MemberError, error) {
	b := r.plan.Config.Backup
	dl, err := backup.Open(ctx, backup.Source{URI: b.URI, Username: b.Username, Password: b.Password, Realm: b.Realm})
	if err != nil {
		return nil, err
	}
	defer dl.Close()
	format, err := backup.FormatOf(dl.Name)
	if err != nil {
		return nil, err
	}
	want := map[string]int{}
	for _, job := range r.jobs {
		member := ""
		if format.Tar {
			member = job.result.Database.File
		}
		want[member]++
		byMember[member] = append(byMember[member], job)
	}
	task := r.prog.Start("download "+dl.Name, dl.Size)
	defer task.Finish()
	dec, err := backup.Decompress(task.Reader(dl), format, dl.Name)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	u := &backup.Unpacker{TempDir: b.TempDir, CanStream: func() bool {
		select {
		case r.slots <- struct{}{}:
			return true
		default:
			return false
		}
	}}
	defer u.Cleanup()
	name := dl.Name
	if !format.Tar {
		name = backup.DumpName(dl.Name)
	}
	for _, job := range byMember[""] {
		job.result.Database.File = name
	}
	return u.Unpack(ctx, dec, format, dl.Name, want, deliver)
}

// restore loads one dump into its new database and, once the whole backup
// has been read and found sound, swaps it in.
func (r *runner) restore(ctx context.Context, job *dbJob, d backup.Dump, rc io.ReadCloser) {
	defer rc.Close()
	if !d.Streamed {
		select {
		case r.slots <- struct{}{}:
		case <-ctx.Done():
			r.fail(job, ctx.Err())
			return
		}
	}
	release := sync.OnceFunc(func() { <-r.slots })
	defer release()
	db := job.result.Database
	task := r.prog.Start("restore "+db.Name, d.Size)
	loaded, err := Load(ctx, job.target.Config, db.Section, job.scratch.Name, db.File, task.Reader(rc), job.opts)
	loaded.Phases.Create = job.result.Phases.Create
	job.result.Bytes, job.result.Phases = task.Bytes(), loaded.Phases
	task.Finish()
	rc.Close()
	release()
	if err != nil {
		r.fail(job, err)
		return
	}
	select {
	case <-r.verified:
	case <-ctx.Done():
		r.fail(job, ctx.Err())
		return
	}
	if r.archive != nil {
		return // reported for all by run
	}
	start := time.Now()
	kept, err := job.target.Swap(ctx, job.scratch, loaded.DatabaseComment, r.plan.KeepOld)
	if err != nil && kept == "" {
		r.fail(job, err)
		return
	}
	job.swapped, job.result.Kept = true, kept
	if err != nil {
		r.prog.Printf("warning: %v", err)
	}
	res := job.result
	res.Phases.Swap = time.Since(start)
	p := res.Phases
	res.Duration = p.Create + p.Data + p.PostData + p.Swap
	r.prog.Printf("restored %q from %s: %s in %s (%s): create %s, data %s, indexes and constraints %s, swap %s",
		db.Name, db.File, progress.Bytes(res.Bytes), seconds(res.Duration), progress.Rate(res.Bytes, res.Duration),
		seconds(p.Create), seconds(p.Data), seconds(p.PostData), seconds(p.Swap))
}

func seconds(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// fail records a database's failure; when every database has failed there
// is no reason to read the backup on.
func (r *runner) fail(job *dbJob, err error) {
	if errors.Is(err, context.Canceled) && job.result.Err == nil {
		err = context.Canceled
	}
	job.result.Err = err
	r.mu.Lock()
	defer r.mu.Unlock()
	if !job.failed {
		job.failed = true
		r.failures++
	}
	if r.failures == len(r.jobs) {
		r.cancel()
	}
}

// warnings passes the server's warnings (not its notices) to the user.
func warnings(prog *progress.Reporter, db string) pgconn.NoticeHandler {
	return func(_ *pgconn.PgConn, n *pgconn.Notice) {
		if n.Severity == "WARNING" {
			prog.Printf("warning: %s: %s", db, n.Message)
		}
	}
}

// Describe says what became of a database's restore, on one line.
func (res Result) Describe() string {
	db := res.Database
	if res.Err == nil {
		s := fmt.Sprintf("restored %q", db.Name)
		if res.Kept != "" {
			s += fmt.Sprintf(" (the old database kept as %q)", res.Kept)
		}
		return s
	}
	if errors.Is(res.Err, context.Canceled) {
		return fmt.Sprintf("restore %q: interrupted; the existing database is untouched", db.Name)
	}
	return fmt.Sprintf("restore %q: %v", db.Name, res.Err)
}
