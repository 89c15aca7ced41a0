package script

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// describe renders a script's items one per line: S for a statement, M for a
// meta-command, C for a COPY with its data, each with its line.
func describe(t testing.TB, r io.Reader) (string, error) {
	t.Helper()
	s := NewScanner(r)
	var b strings.Builder
	for {
		item, err := s.Next()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return b.String(), err
		}
		switch item.Kind {
		case Statement:
			fmt.Fprintf(&b, "S%d %q\n", item.Line, item.Text)
		case Meta:
			fmt.Fprintf(&b, "M%d %s %q\n", item.Line, item.Text, item.Args)
		case CopyIn:
			data, err := io.ReadAll(s.CopyData())
			fmt.Fprintf(&b, "C%d %q data %q\n", item.Line, item.Text, data)
			if err != nil {
				return b.String(), err
			}
		}
		if item.TOCType != "" {
			fmt.Fprintf(&b, "  toc %s\n", item.TOCType)
		}
	}
}

func TestScanner(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"simple", "SELECT 1;\nSELECT 2;", "S1 \"SELECT 1;\"\nS2 \"SELECT 2;\"\n"},
		{"quote with semicolon", "SELECT 'a;b''c';", "S1 \"SELECT 'a;b''c';\"\n"},
		{"E string with escaped quote", `SELECT E'it\'s;' , 'x\';`, "S1 \"SELECT E'it\\\\'s;' , 'x\\\\';\"\n"},
		{"e string lower", `SELECT e'\\';SELECT 2;`, "S1 \"SELECT e'\\\\\\\\';\"\nS1 \"SELECT 2;\"\n"},
		{"word ending in e is no prefix", `SELECT somee'a\';`, "S1 \"SELECT somee'a\\\\';\"\n"},
		{"identifier with semicolon", `CREATE TABLE "a;b" ("x""y;" int);`, "S1 \"CREATE TABLE \\\"a;b\\\" (\\\"x\\\"\\\"y;\\\" int);\"\n"},
		{"dollar quote", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;", "S1 \"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\"\n"},
		{"tagged dollar quote", "SELECT $_$ a $$ ; $_$;SELECT $x$;$x$;", "S1 \"SELECT $_$ a $$ ; $_$;\"\nS1 \"SELECT $x$;$x$;\"\n"},
		{"dollar in identifier and parameter", "PREPARE p AS SELECT a$b FROM t WHERE x = $1;SELECT 2;", "S1 \"PREPARE p AS SELECT a$b FROM t WHERE x = $1;\"\nS1 \"SELECT 2;\"\n"},
		{"line comment", "SELECT 1 -- not the end;\n;", "S1 \"SELECT 1 -- not the end;\\n;\"\n"},
		{"nested block comment", "SELECT /* a /* b; */ c; */ 1;", "S1 \"SELECT /* a /* b; */ c; */ 1;\"\n"},
		{"comments between statements dropped", "-- hello; \n/* x; */\nSELECT 1;", "S3 \"SELECT 1;\"\n"},
		{"rule with parentheses", "CREATE RULE r AS ON INSERT TO t DO ( INSERT INTO a VALUES (1); INSERT INTO b VALUES (2); );\nSELECT 1;",
			"S1 \"CREATE RULE r AS ON INSERT TO t DO ( INSERT INTO a VALUES (1); INSERT INTO b VALUES (2); );\"\nS2 \"SELECT 1;\"\n"},
		{"begin atomic", "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\n SELECT CASE WHEN true THEN 2 END;\nEND;\nSELECT 3;",
			"S1 \"CREATE FUNCTION f() RETURNS int LANGUAGE sql\\nBEGIN ATOMIC\\n SELECT 1;\\n SELECT CASE WHEN true THEN 2 END;\\nEND;\"\nS6 \"SELECT 3;\"\n"},
		{"create or replace procedure", "CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;BEGIN;",
			"S1 \"CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;\"\nS1 \"BEGIN;\"\n"},
		{"plain begin is a statement", "BEGIN;\nCOMMIT;", "S1 \"BEGIN;\"\nS2 \"COMMIT;\"\n"},
		{"meta commands", "\\restrict abc\nSELECT 1;\n\\connect -reuse-previous=on \"dbname='x y'\"\n\\unrestrict abc\r\n",
			"M1 restrict \"abc\"\nS2 \"SELECT 1;\"\nM3 connect \"-reuse-previous=on \\\"dbname='x y'\\\"\"\nM4 unrestrict \"abc\"\n"},
		{"backslash in quotes is no meta", "SELECT '\\connect x';\nSELECT \"\\x\";", "S1 \"SELECT '\\\\connect x';\"\nS2 \"SELECT \\\"\\\\x\\\";\"\n"},
		{"copy", "COPY t (a, b) FROM stdin;\n1\t\\N\n\\.\n2\t;\n\\.\nSELECT 1;\n",
			"C1 \"COPY t (a, b) FROM stdin;\" data \"1\\t\\\\N\\n\"\nS4 \"2\\t;\"\nM5 . \"\"\nS6 \"SELECT 1;\"\n"},
		{"copy empty and crlf", "COPY t FROM STDIN;\r\n\\.\r\nCOPY u FROM stdin;\n\\.x\n\\.", "C1 \"COPY t FROM STDIN;\" data \"\"\nC3 \"COPY u FROM stdin;\" data \"\\\\.x\\n\"\n"},
		{"copy data with quotes and dashes", "COPY t FROM stdin;\n'a\t\"b\t-- c\t/*\t$$\n\\.\nSELECT 1;", "C1 \"COPY t FROM stdin;\" data \"'a\\t\\\"b\\t-- c\\t/*\\t$$\\n\"\nS4 \"SELECT 1;\"\n"},
		{"copy to file is a statement", "COPY t FROM '/tmp/x';", "S1 \"COPY t FROM '/tmp/x';\"\n"},
		{"toc header", "--\n-- Name: t t_pkey; Type: CONSTRAINT; Schema: public; Owner: me\n--\n\nALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n",
			"S5 \"ALTER TABLE ONLY t ADD CONSTRAINT t_pkey PRIMARY KEY (id);\"\n  toc CONSTRAINT\n"},
		{"utf8", "SELECT 'koníček;', \"žluť\";", "S1 \"SELECT 'koníček;', \\\"žluť\\\";\"\n"},
		{"line numbers across strings", "SELECT 'a\nb';\n\nSELECT 2;", "S1 \"SELECT 'a\\nb';\"\nS4 \"SELECT 2;\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, reader := range []func(string) io.Reader{
				func(s string) io.Reader { return strings.NewReader(s) },
				func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
			} {
				got, err := describe(t, reader(tc.in))
				if err != nil {
					t.Fatalf("error %v after\n%s", err, got)
				}
				if got != tc.want {
					t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
				}
			}
		})
	}
}

func TestScannerErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		truncated      bool
	}{
		{"copy without terminator", "COPY t FROM stdin;\n1\t2\n", "ends inside the COPY data that starts after line 1", true},
		{"copy cut mid line", "COPY t FROM stdin;\n1\t2\n3\t", "ends inside the COPY data", true},
		{"unterminated statement", "SELECT 1;\nINSERT INTO t VALUES (1)", "line 2: the dump is truncated: it ends inside the statement", true},
		{"unterminated string", "SELECT 'abc;\n", "line 1: the dump is truncated: it ends inside the quoted string", true},
		{"unterminated dollar", "\nSELECT $$abc;\n", "line 2: the dump is truncated: it ends inside the dollar-quoted string", true},
		{"unterminated comment", "SELECT 1; /* x /* y */", "ends inside the /* comment */", true},
		{"meta inside statement", "SELECT 1\n\\g\n", "line 2: a psql meta-command (\\g) inside the statement that starts on line 1", false},
		{"text after copy", "COPY t FROM stdin; SELECT 1;\n", "text after COPY", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := describe(t, strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error %v, want one containing %q", err, tc.want)
			}
			if errors.Is(err, ErrTruncated) != tc.truncated {
				t.Fatalf("errors.Is(%v, ErrTruncated) = %v", err, !tc.truncated)
			}
		})
	}
}

// A read error from below (a corrupt archive) is reported, never taken for
// the end of the dump.
func TestScannerReadError(t *testing.T) {
	boom := errors.New("gzip: invalid checksum")
	r := io.MultiReader(strings.NewReader("COPY t FROM stdin;\n1\n"), iotest.ErrReader(boom))
	_, err := describe(t, r)
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
	r = io.MultiReader(strings.NewReader("SELECT 1;\n"), iotest.ErrReader(boom))
	if _, err := describe(t, r); !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
}

// COPY data larger than the buffer, with terminator candidates across the
// buffer's edges, arrives whole.
func TestCopyLarge(t *testing.T) {
	var data strings.Builder
	for i := 0; data.Len() < 3*bufferSize; i++ {
		fmt.Fprintf(&data, "%d\t\\\\.\t%s\n\\.x\n", i, strings.Repeat("y", i%97))
	}
	in := "COPY t FROM stdin;\n" + data.String() + "\\.\nSELECT 1;\n"
	s := NewScanner(strings.NewReader(in))
	if item, err := s.Next(); err != nil || item.Kind != CopyIn {
		t.Fatal(item, err)
	}
	got, err := io.ReadAll(s.CopyData())
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != data.String() {
		t.Fatalf("copy data differs: got %d bytes, want %d", len(got), data.Len())
	}
	item, err := s.Next()
	if err != nil || item.Text != "SELECT 1;" || item.Line != strings.Count(in, "\n") {
		t.Fatalf("after copy: %+v %v (want line %d)", item, err, strings.Count(in, "\n"))
	}
}

func TestSkipCopy(t *testing.T) {
	s := NewScanner(strings.NewReader("COPY t FROM stdin;\na\nb\n\\.\nSELECT 1;\n"))
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	if err := s.SkipCopy(); err != nil {
		t.Fatal(err)
	}
	if item, err := s.Next(); err != nil || item.Text != "SELECT 1;" || item.Line != 5 {
		t.Fatal(item, err)
	}
}

func TestStandardStringsOff(t *testing.T) {
	s := NewScanner(strings.NewReader(`SELECT 'a\';b';SELECT 2;`))
	s.StandardStrings = false
	item, err := s.Next()
	if err != nil || item.Text != `SELECT 'a\';b';` {
		t.Fatal(item, err)
	}
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"  -- c\n /* x */ alter TABLE ONLY public.t OWNER TO me;", 3, "ALTER TABLE ONLY"},
		{"SELECT pg_catalog.set_config('search_path', '', false);", 5, "SELECT PG_CATALOG"},
		{`GRANT ALL ON "t" TO x;`, 5, "GRANT ALL ON"},
	} {
		if got := strings.Join(Words(tc.in, tc.n), " "); got != tc.want {
			t.Errorf("Words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if !IsCopyFromStdin("copy \"from\" (a) FROM STDIN WITH (FORMAT text);") || IsCopyFromStdin("COPY t TO stdout;") || IsCopyFromStdin("SELECT 'COPY t FROM stdin';") {
		t.Error("IsCopyFromStdin")
	}
}

func FuzzScanner(f *testing.F) {
	for _, seed := range []string{
		"SELECT 1;", "COPY t FROM stdin;\n1\n\\.\n", "SELECT $a$;$a$;", "SELECT E'\\'';", "/* /* */ */;",
		"CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; END;", "\\connect x\n", "SELECT \"a\"\"b\";",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Whatever the split of the input into reads, the items are the same.
		whole, werr := describe(t, strings.NewReader(in))
		bytewise, berr := describe(t, iotest.OneByteReader(strings.NewReader(in)))
		if whole != bytewise || (werr == nil) != (berr == nil) {
			t.Fatalf("whole read:\n%s%v\nbyte by byte:\n%s%v", whole, werr, bytewise, berr)
		}
	})
}
