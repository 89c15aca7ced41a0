package restore

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRewrite(t *testing.T) {
	type step struct {
		in   string
		want string // "" when skipped
	}
	for _, tc := range []struct {
		name    string
		opts    Options
		steps   []step
		comment string
	}{
		{"owners kept by default", Options{}, []step{
			{"ALTER TABLE public.t OWNER TO app;", "ALTER TABLE public.t OWNER TO app;"},
			{"SET SESSION AUTHORIZATION app;", "SET SESSION AUTHORIZATION app;"},
			{"GRANT SELECT ON TABLE public.t TO app;", "GRANT SELECT ON TABLE public.t TO app;"},
		}, ""},
		{"no owner", Options{NoOwner: true}, []step{
			{"ALTER TABLE public.t OWNER TO app;", ""},
			{"ALTER FUNCTION public.f(integer) OWNER TO \"App Role\";", ""},
			{"alter schema s owner to app;", ""},
			{"SET SESSION AUTHORIZATION app;", ""},
			{"RESET SESSION AUTHORIZATION;", ""},
			// a column or table named owner is no ownership statement
			{"ALTER TABLE public.t RENAME COLUMN a TO owner;", "ALTER TABLE public.t RENAME COLUMN a TO owner;"},
			{"ALTER TABLE public.owner ADD COLUMN x int;", "ALTER TABLE public.owner ADD COLUMN x int;"},
			{"GRANT SELECT ON TABLE public.t TO app;", "GRANT SELECT ON TABLE public.t TO app;"},
			{"SET search_path = public;", "SET search_path = public;"},
		}, ""},
		{"no privileges", Options{NoPrivileges: true}, []step{
			{"GRANT SELECT ON TABLE public.t TO app;", ""},
			{"REVOKE ALL ON SCHEMA public FROM PUBLIC;", ""},
			{"ALTER DEFAULT PRIVILEGES FOR ROLE app GRANT SELECT ON TABLES TO ro;", ""},
			{"ALTER TABLE public.t OWNER TO app;", "ALTER TABLE public.t OWNER TO app;"},
		}, ""},
		{"pg_dump -C --clean", Options{}, []step{
			{`DROP DATABASE "Prod Db";`, ""},
			{`CREATE DATABASE "Prod Db" WITH TEMPLATE = template0 ENCODING = 'UTF8';`, ""},
			{`ALTER DATABASE "Prod Db" OWNER TO app;`, `ALTER DATABASE "prod_restoring_1" OWNER TO app;`},
			// held back for the swap: the comment marks the database as ours
			{`COMMENT ON DATABASE "Prod Db" IS 'the shop';`, ""},
			{`ALTER DATABASE "Prod Db" SET work_mem TO '8MB';`, `ALTER DATABASE "prod_restoring_1" SET work_mem TO '8MB';`},
			{`GRANT CONNECT ON DATABASE "Prod Db" TO app;`, `GRANT CONNECT ON DATABASE "prod_restoring_1" TO app;`},
			// another database is left alone
			{`COMMENT ON DATABASE other IS 'x';`, `COMMENT ON DATABASE other IS 'x';`},
		}, `COMMENT ON DATABASE "prod_restoring_1" IS 'the shop'`},
		{"unquoted name folds to lower case", Options{}, []step{
			{`CREATE DATABASE Shop WITH TEMPLATE = template0;`, ""},
			{`ALTER DATABASE shop SET search_path TO app;`, `ALTER DATABASE "prod_restoring_1" SET search_path TO app;`},
		}, ""},
		{"database statements before a CREATE DATABASE are untouched", Options{}, []step{
			{`ALTER DATABASE shop SET x.y TO 1;`, `ALTER DATABASE shop SET x.y TO 1;`},
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &loader{opts: tc.opts, scratch: "prod_restoring_1"}
			for _, s := range tc.steps {
				got, skip := l.rewrite(s.in)
				if skip {
					got = ""
				}
				if got != s.want {
					t.Errorf("rewrite(%q) = %q, want %q", s.in, got, s.want)
				}
			}
			if want := tc.comment; l.dbComment != want {
				t.Errorf("database comment %q, want %q", l.dbComment, want)
			}
		})
	}
}

func TestConnectTarget(t *testing.T) {
	for _, tc := range []struct{ args, want, err string }{
		{`shop`, "shop", ""},
		{`"Prod Db"`, "Prod Db", ""},
		{`-reuse-previous=on "dbname='Prod Db'"`, "Prod Db", ""},
		{`-reuse-previous=on "dbname='it\'s'"`, "it's", ""},
		{`"dbname=plain host=x"`, "plain", ""},
		{`"we""ird"`, `we"ird`, ""},
		{``, "", "no database named"},
		{`-`, "", "no database named"},
		{`"host=x"`, "", "no dbname"},
	} {
		got, err := connectTarget(tc.args)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("connectTarget(%q) = %q, %v; want an error with %q", tc.args, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("connectTarget(%q) = %q, %v; want %q", tc.args, got, err, tc.want)
		}
	}
}

func TestIsSessionSetting(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want bool
	}{
		{"SET statement_timeout = 0;", true},
		{"SET search_path = public, pg_catalog;", true},
		{"RESET ALL;", true},
		{"SELECT pg_catalog.set_config('search_path', '', false);", true},
		{"SELECT set_config('search_path', '', false);", true},
		{"SET LOCAL work_mem = '1MB';", false},
		{"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;", false},
		{"SET CONSTRAINTS ALL DEFERRED;", false},
		{"SELECT pg_catalog.setval('public.s', 1, true);", false},
		{"CREATE TABLE t (a int);", false},
	} {
		if got := isSessionSetting(tc.sql); got != tc.want {
			t.Errorf("isSessionSetting(%q) = %v, want %v", tc.sql, got, tc.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	long := "INSERT INTO t VALUES ('" + strings.Repeat("ž", 40) + "');"
	got := excerpt(long)
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "...") || len(got) > 60 {
		t.Errorf("excerpt = %q: want at most 60 bytes of valid UTF-8 ending in ...", got)
	}
	if got := excerpt("SELECT\n  1;"); got != "SELECT 1;" {
		t.Errorf("excerpt = %q, want it on one line", got)
	}
}

func TestScratchName(t *testing.T) {
	for _, name := range []string{"shop", strings.Repeat("a", 63), strings.Repeat("ž", 31) + "x"} {
		got := scratchName(name, "restoring")
		if len(got) > 63 || !utf8.ValidString(got) {
			t.Errorf("scratchName(%q) = %q: want at most 63 bytes of valid UTF-8", name, got)
		}
		if !isScratchOf(got, name, "restoring") {
			t.Errorf("scratchName(%q) = %q is not recognised as its scratch database", name, got)
		}
	}
	if a, b := scratchName("shop", "old"), scratchName("shop", "old"); a == b {
		t.Errorf("two scratch names are both %q", a)
	}
	for _, other := range []string{"shop", "shop_restoring_", "shop_restoring_0123456", "shop_restoring_0123456g", "shop_restoring_01234567x", "shopx_restoring_01234567", "shop_old_01234567"} {
		if isScratchOf(other, "shop", "restoring") {
			t.Errorf("%q taken for a scratch database of shop", other)
		}
	}
}

func TestMetaArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`a b`, []string{"a", "b"}},
		{`"a b" 'c''d'`, []string{"a b", "c'd"}},
		{`  x  `, []string{"x"}},
		{``, nil},
	} {
		if got := metaArgs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("metaArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
