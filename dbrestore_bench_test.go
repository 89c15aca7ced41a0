package citools_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/citools/citools/internal/pgtest"
)

// The benchmarks of issue 5, each against psql in the same run on the same
// server: go test -run '^$' -bench DBRestore -benchtime 5x .
// DBRESTORE_BENCH_ROWS sets the rows of the big table (default 1,000,000;
// 10,000,000 makes the 936 MB dump).

// BenchmarkDBRestoreSingleTable: one table of 8 columns with a primary key,
// an index and a foreign key, .sql.gz, against zcat | psql.
func BenchmarkDBRestoreSingleTable(b *testing.B) {
	benchRestore(b, "single", singleTableSQL, "gz", "zcat")
}

// BenchmarkDBRestoreFourTables: four tables with their indexes and a foreign
// key, .sql.gz, against zcat | psql.
func BenchmarkDBRestoreFourTables(b *testing.B) {
	benchRestore(b, "four", fourTablesSQL, "gz", "zcat")
}

// BenchmarkDBRestoreBzip2: the single-table dump as .sql.bz2, against
// bzip2 -dc | psql.
func BenchmarkDBRestoreBzip2(b *testing.B) {
	benchRestore(b, "single", singleTableSQL, "bz2", "bzip2 -dc")
}

func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("DBRESTORE_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

func singleTableSQL(rows int) string {
	return fmt.Sprintf(`CREATE TABLE big (id bigint PRIMARY KEY, a int, b int, c text, d text, e timestamptz, f numeric, parent bigint REFERENCES big(id));
INSERT INTO big SELECT i, i %% 1000, (i * 7919) %% 100003, md5(i::text), 'row ' || i, '2024-01-01'::timestamptz + i * interval '1 second', i / 7.0, CASE WHEN i > 1 THEN i / 2 END FROM generate_series(1, %d) i;
CREATE INDEX big_b ON big (b);`, rows)
}

func fourTablesSQL(rows int) string {
	quarter := rows / 4
	sql := ""
	for _, t := range []string{"t1", "t2", "t3", "t4"} {
		sql += fmt.Sprintf(`CREATE TABLE %[1]s (id bigint PRIMARY KEY, a int, b text, c timestamptz);
INSERT INTO %[1]s SELECT i, (i * 7919) %% %[2]d + 1, md5(i::text), '2024-01-01'::timestamptz + i * interval '1 second' FROM generate_series(1, %[2]d) i;
CREATE INDEX %[1]s_a ON %[1]s (a);
CREATE INDEX %[1]s_b ON %[1]s (b);
`, t, quarter)
	}
	return sql + "ALTER TABLE t2 ADD FOREIGN KEY (a) REFERENCES t1(id);"
}

func benchRestore(b *testing.B, name string, schema func(int) string, compression, decompress string) {
	ctx := context.Background()
	srv, err := pgtest.Start(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Stop()
	dir := b.TempDir()
	rows := benchRows()
	if err := srv.Exec(ctx, "postgres", "CREATE DATABASE src"); err != nil {
		b.Fatal(err)
	}
	if err := srv.Exec(ctx, "src", schema(rows)); err != nil {
		b.Fatal(err)
	}
	plain := filepath.Join(dir, name+".sql")
	if out, err := exec.Command(filepath.Join(srv.BinDir, "pg_dump"), "-h", srv.Socket, "-p", strconv.Itoa(srv.Port), "-U", pgtest.Superuser, "-f", plain, "src").CombinedOutput(); err != nil {
		b.Fatalf("pg_dump: %v\n%s", err, out)
	}
	info, _ := os.Stat(plain)
	size := info.Size()
	compressor := map[string]string{"gz": "gzip -1", "bz2": "bzip2 -9"}[compression]
	if out, err := exec.Command("sh", "-c", compressor+" "+plain).CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", compressor, err, out)
	}
	archive := plain + "." + compression
	config := filepath.Join(dir, "bench.ini")
	ini := fmt.Sprintf("[backup]\nuri = %s\n[database_bench]\nname = ours\nusername = %s\nhost = %s\nport = %d\n", archive, pgtest.Superuser, srv.Socket, srv.Port)
	if err := os.WriteFile(config, []byte(ini), 0o644); err != nil {
		b.Fatal(err)
	}
	psql := filepath.Join(srv.BinDir, "psql")
	conn := fmt.Sprintf("-h %s -p %d -U %s", srv.Socket, srv.Port, pgtest.Superuser)
	var ours, theirs []time.Duration
	var maxRSS int64
	b.ResetTimer()
	for range b.N {
		for _, sql := range []string{"DROP DATABASE IF EXISTS theirs", "CREATE DATABASE theirs"} {
			if err := srv.Exec(ctx, "postgres", sql); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		cmd := exec.Command("sh", "-c", fmt.Sprintf("%s %s | %s -X -q -v ON_ERROR_STOP=1 %s -d theirs >/dev/null", decompress, archive, psql, conn))
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("psql: %v\n%s", err, out)
		}
		theirs = append(theirs, time.Since(start))

		start = time.Now()
		cmd = exec.Command(filepath.Join(binDir, "git-dbrestore"), "-q", "-c", config)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git-dbrestore: %v\n%s", err, out)
		}
		ours = append(ours, time.Since(start))
		maxRSS = max(maxRSS, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	}
	b.StopTimer()
	median := func(d []time.Duration) time.Duration {
		s := slices.Clone(d)
		slices.Sort(s)
		return s[len(s)/2]
	}
	o, t := median(ours), median(theirs)
	b.ReportMetric(o.Seconds(), "s-median")
	b.ReportMetric(t.Seconds(), "psql-s-median")
	b.ReportMetric(o.Seconds()/t.Seconds(), "ratio")
	b.ReportMetric(float64(size)/1e6/o.Seconds(), "MB/s")
	b.ReportMetric(float64(size)/1e6/t.Seconds(), "psql-MB/s")
	b.ReportMetric(float64(maxRSS)/1024, "maxRSS-MB")
	b.Logf("%d runs, dump %.0f MB (%d rows): git-dbrestore median %v, psql median %v", b.N, float64(size)/1e6, rows, o, t)
}
