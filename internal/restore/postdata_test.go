package restore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPostDataTask(t *testing.T) {
	for _, tc := range []struct {
		toc, sql  string
		ok        bool
		group     int
		tables    []string
		exclusive bool
	}{
		{"INDEX", "CREATE INDEX t_a ON public.t USING btree (a);", true, groupKeys, []string{"public.t"}, false},
		{"INDEX", "CREATE UNIQUE INDEX t_b ON ONLY public.t USING btree (b);", true, groupKeys, []string{"public.t"}, false},
		{"INDEX", `CREATE INDEX "Idx" ON "S"."T" (a);`, true, groupKeys, []string{"S.T"}, false},
		{"INDEX", "CREATE INDEX CONCURRENTLY t_a ON public.t (a);", false, 0, nil, false},
		{"INDEX", "ALTER INDEX public.t_a ATTACH PARTITION public.p_a;", false, 0, nil, false},
		{"CONSTRAINT", "ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);", true, groupKeys, []string{"public.t"}, true},
		{"CONSTRAINT", "ALTER TABLE ONLY public.t ADD CONSTRAINT t_u UNIQUE (a);", true, groupKeys, []string{"public.t"}, true},
		{"CONSTRAINT", "ALTER TABLE public.t ADD CONSTRAINT t_x EXCLUDE USING gist (r WITH &&);", true, groupKeys, []string{"public.t"}, true},
		{"CONSTRAINT", "ALTER TABLE public.t ADD CONSTRAINT t_c CHECK (a > 0) NOT VALID;", true, groupKeys, []string{"public.t"}, true},
		{"CONSTRAINT", "ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT nextval('s');", false, 0, nil, false},
		{"FK CONSTRAINT", "ALTER TABLE ONLY public.r\n    ADD CONSTRAINT r_t_fkey FOREIGN KEY (t_id) REFERENCES public.t(id);", true, groupForeignKeys, []string{"public.r", "public.t"}, true},
		{"FK CONSTRAINT", `ALTER TABLE ONLY "S"."Child" ADD CONSTRAINT c FOREIGN KEY (p) REFERENCES "S"."Parent"(id) ON DELETE CASCADE;`, true, groupForeignKeys, []string{"S.Child", "S.Parent"}, true},
		{"FK CONSTRAINT", "ALTER TABLE ONLY r ADD CONSTRAINT c FOREIGN KEY (p) REFERENCES r(id);", true, groupForeignKeys, []string{"r", "r"}, true},
		{"TRIGGER", "CREATE TRIGGER tr AFTER INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION f();", false, 0, nil, false},
		{"", "CREATE INDEX t_a ON public.t (a);", false, 0, nil, false},
	} {
		task, ok := postDataTask(tc.toc, tc.sql)
		if ok != tc.ok || task.group != tc.group || !slices.Equal(task.tables, tc.tables) || task.exclusive != tc.exclusive {
			t.Errorf("postDataTask(%q, %q) = group %d tables %q exclusive %v, %v; want group %d tables %q exclusive %v, %v",
				tc.toc, tc.sql, task.group, task.tables, task.exclusive, ok, tc.group, tc.tables, tc.exclusive, tc.ok)
		}
	}
}

// fakeSessions records what post-data sessions run, and when.
type fakeSessions struct {
	mu      sync.Mutex
	opened  int
	running map[string]bool
	events  []string // "start X" and "end X"
	ran     map[int][]string
	fail    string // a statement that fails
	overlap []string
}

type fakeSession struct {
	f  *fakeSessions
	id int
}

func (f *fakeSessions) open(context.Context) (statementRunner, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened++
	return &fakeSession{f: f, id: f.opened}, nil
}

func (s *fakeSession) Exec(ctx context.Context, sql string) error {
	f := s.f
	f.mu.Lock()
	f.ran[s.id] = append(f.ran[s.id], sql)
	if strings.HasPrefix(sql, "SET") {
		f.mu.Unlock()
		return nil
	}
	for other := range f.running {
		f.overlap = append(f.overlap, other+" | "+sql)
	}
	f.running[sql] = true
	f.events = append(f.events, "start "+sql)
	f.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.running, sql)
	f.events = append(f.events, "end "+sql)
	if sql == f.fail {
		return errors.New("boom")
	}
	return nil
}

func (s *fakeSession) CopyFrom(ctx context.Context, r io.Reader, sql string) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return s.Exec(ctx, fmt.Sprintf("%s %q", sql, data))
}

func (s *fakeSession) Close() {}

func TestPostDataOrder(t *testing.T) {
	f := &fakeSessions{running: map[string]bool{}, ran: map[int][]string{}}
	p := newPostData(context.Background(), 2, f.open)
	p.addSetting("SET search_path = s;")
	keys := []postTask{
		{sql: "k1 pkey t", group: groupKeys, tables: []string{"t"}, exclusive: true},
		{sql: "k2 pkey u", group: groupKeys, tables: []string{"u"}, exclusive: true},
		{sql: "k3 index t", group: groupKeys, tables: []string{"t"}},
		{sql: "k4 index t", group: groupKeys, tables: []string{"t"}},
	}
	for _, k := range keys {
		if err := p.dispatch(k); err != nil {
			t.Fatal(err)
		}
	}
	fks := []postTask{
		{sql: "fk r->t", group: groupForeignKeys, tables: []string{"r", "t"}, exclusive: true},
		{sql: "fk s->t", group: groupForeignKeys, tables: []string{"s", "t"}, exclusive: true},
		{sql: "fk u->v", group: groupForeignKeys, tables: []string{"u", "v"}, exclusive: true},
	}
	for _, fk := range fks {
		if err := p.dispatch(fk); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.close(); err != nil {
		t.Fatal(err)
	}

	if f.opened > 2 {
		t.Errorf("%d sessions opened, want at most -j 2", f.opened)
	}
	// Every foreign key starts after every key has ended.
	lastKeyEnd, firstFKStart := -1, len(f.events)
	for i, e := range f.events {
		if strings.HasPrefix(e, "end k") {
			lastKeyEnd = i
		}
		if strings.HasPrefix(e, "start fk") && i < firstFKStart {
			firstFKStart = i
		}
	}
	if firstFKStart < lastKeyEnd {
		t.Errorf("a foreign key started before the keys were built: %q", f.events)
	}
	// Keys overlap each other (that is the point), foreign keys sharing a
	// table never do.
	together := map[string]bool{}
	for _, o := range f.overlap {
		together[o] = true
		if strings.Contains(o, "fk r->t") && strings.Contains(o, "fk s->t") {
			t.Errorf("foreign keys on one table ran together: %s", o)
		}
		if strings.Contains(o, "pkey t") && strings.Contains(o, "index t") {
			t.Errorf("a key and an index of one table ran together: %s", o)
		}
	}
	ran := func(a, b string) bool { return together[a+" | "+b] || together[b+" | "+a] }
	if !ran("k1 pkey t", "k2 pkey u") || !ran("k3 index t", "k4 index t") {
		t.Errorf("keys of two tables, or two indexes of one, did not run together: %q", f.overlap)
	}
	// Each session ran the setting first.
	for id, sqls := range f.ran {
		if sqls[0] != "SET search_path = s;" {
			t.Errorf("session %d ran %q before the session's settings", id, sqls[0])
		}
	}
}

func TestPostDataError(t *testing.T) {
	f := &fakeSessions{running: map[string]bool{}, ran: map[int][]string{}, fail: "k2"}
	p := newPostData(context.Background(), 2, f.open)
	var err error
	for i := range 20 {
		if err = p.dispatch(postTask{sql: fmt.Sprintf("k%d", i), line: 100 + i, group: groupKeys}); err != nil {
			break
		}
	}
	if err == nil {
		err = p.wait()
	}
	var at *lineError
	if !errors.As(err, &at) || at.line != 102 || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("got %v, want the failure of line 102", err)
	}
	p.close()
	if n := len(f.events) / 2; n > 6 {
		t.Errorf("%d statements ran after the failure was known", n)
	}
}
