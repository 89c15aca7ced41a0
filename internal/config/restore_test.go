package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The seed's own file, byte for byte: an indented tempdir line and
// password="".
const seed = `[backup]
realm=backuprealm
username=blah
password=xxx
uri=https://my.backup.server.cz/my/dir/backup_archive.tar.gz
    tempdir=/if/you/need/bigger/tempdir/to/unpack/archive/

[database_first]
file=path/in/tarfile/database_first.sql
name=database_first
username=firstman
password=""
`

func TestParseRestoreSeed(t *testing.T) {
	r, err := ParseRestore("citools.ini", []byte(seed))
	if err != nil {
		t.Fatal(err)
	}
	want := &Restore{
		Path: "citools.ini",
		Backup: Backup{
			URI: "https://my.backup.server.cz/my/dir/backup_archive.tar.gz", Username: "blah", Password: "xxx",
			Realm: "backuprealm", TempDir: "/if/you/need/bigger/tempdir/to/unpack/archive/",
		},
		Databases: []Database{{
			Section: "database_first", File: "path/in/tarfile/database_first.sql", Name: "database_first",
			Username: "firstman", Password: "", HasPassword: true,
		}},
	}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("got  %+v\nwant %+v", r, want)
	}
}

func TestParseRestoreDatabases(t *testing.T) {
	r, err := ParseRestore("x.ini", []byte(`[backup]
uri = /backups/all.tar
[database_second]
name = second
password = koníček#1;x
host = db.example
port = 5433
sslmode = require
no_owner = true
no_privileges = yes
[database]
name = third
file = ./dumps/../dumps/third.sql
`))
	if err != nil {
		t.Fatal(err)
	}
	second, third := r.Databases[0], r.Databases[1]
	if second.File != "second.sql" || second.Password != "koníček#1;x" || !second.HasPassword ||
		second.Host != "db.example" || second.Port != "5433" || second.SSLMode != "require" || !second.NoOwner || !second.NoPrivileges {
		t.Errorf("second: %+v", second)
	}
	if third.File != "dumps/third.sql" || third.HasPassword || third.NoOwner {
		t.Errorf("third: %+v", third)
	}
}

func TestParseRestoreErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"[database_a]\nname=a\n", "c.ini: the [backup] section is missing"},
		{"[backup]\nuri=x\n", "c.ini: no [database…] section"},
		{"[backup]\nuri=x\nuser=me\n[database_a]\nname=a\n", `c.ini: [backup]: unknown option "user"`},
		{"[backup]\n[database_a]\nname=a\n", "c.ini: [backup] uri is missing"},
		{"[backup]\nuri=x\n[database_a]\nfile=a.sql\n", "c.ini: [database_a] name is missing"},
		{"[backup]\nuri=x\n[database_a]\nname=a\n[database_b]\nname=a\n", `[database_a] and [database_b] both restore into database "a"`},
		{"[backup]\nuri=x\n[database_a]\nname=a\nfile=../../etc/passwd\n", `[database_a] file "../../etc/passwd" must be a relative path`},
		{"[backup]\nuri=x\n[database_a]\nname=a\nfile=/etc/passwd\n", `must be a relative path`},
		{"[backup]\nuri=x\n[database_a]\nname=a\nport=54x\n", `[database_a] port "54x" is not a port number`},
		{"[backup]\nuri=x\n[database_a]\nname=a\nno_owner=sure\n", `[database_a] no_owner = "sure" is not true or false`},
		{"[backup]\nuri=x\n[database_a]\nname=a\nsslmode=maybe\n", `sslmode "maybe"`},
		{"[backup]\nuri=x\n[databases]\nname=a\n[other]\n", "unknown section [other]"},
		{"uri=x\n[backup]\nuri=x\n", `option "uri" is outside any section`},
	} {
		_, err := ParseRestore("c.ini", []byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestLoadRestoreMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "citools.ini")
	_, err := LoadRestore(path)
	if err == nil || err.Error() != "configuration "+path+" not found" {
		t.Fatalf("got %v", err)
	}
}

func TestDefaultRestorePath(t *testing.T) {
	if got := DefaultRestorePath(&Project{Version: VersionSection{Project: "shop"}}, "/src/web"); got != "/etc/shop/citools.ini" {
		t.Errorf("got %s", got)
	}
	if got := DefaultRestorePath(&Project{}, "/src/web"); got != "/etc/web/citools.ini" {
		t.Errorf("got %s", got)
	}
}
