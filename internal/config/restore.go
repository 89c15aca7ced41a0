package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/ini.v1"
)

// Restore is git-dbrestore's configuration: where the backup is, and the
// databases to restore from it.
type Restore struct {
	// Path is the file read.
	Path      string
	Backup    Backup
	Databases []Database
}

// Backup is the [backup] section.
type Backup struct {
	// URI is https://, http://, file:// or a plain path.
	URI string
	// Username and Password are for HTTP basic authentication; Realm is the
	// realm the server is expected to ask for.
	Username string
	Password string
	Realm    string
	// TempDir is where temporary files go when the archive needs them.
	TempDir string
}

// Database is one [database…] section.
type Database struct {
	// Section is the section's name, for messages.
	Section string
	// File is the dump's path inside a tar archive.
	File string
	// Name is the database to restore into.
	Name     string
	Username string
	// Password is used when HasPassword; otherwise PGPASSWORD or the
	// password file apply. password="" is an empty password.
	Password    string
	HasPassword bool
	// Host, Port and SSLMode override the libpq environment when set.
	Host    string
	Port    string
	SSLMode string
	// NoOwner and NoPrivileges skip ALTER … OWNER TO and GRANT/REVOKE, as
	// pg_restore's --no-owner and --no-privileges do.
	NoOwner      bool
	NoPrivileges bool
}

// RestoreFile is the default configuration's name.
const RestoreFile = "citools.ini"

// DefaultRestorePath is /etc/<project>/citools.ini, where project is
// [version] project of the repository's .citools.ini, else the name of the
// repository's folder.
func DefaultRestorePath(project *Project, top string) string {
	name := project.Version.Project
	if name == "" {
		name = filepath.Base(top)
	}
	return filepath.Join("/etc", name, RestoreFile)
}

// LoadRestore reads a restore configuration file.
func LoadRestore(path string) (*Restore, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("configuration %s not found", path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading configuration: %w", err)
	}
	return ParseRestore(path, data)
}

var (
	backupKeys   = []string{"uri", "username", "password", "realm", "tempdir"}
	databaseKeys = []string{"name", "file", "username", "password", "host", "port", "sslmode", "no_owner", "no_privileges"}
)

// ParseRestore parses a restore configuration; path names it in errors.
func ParseRestore(path string, data []byte) (*Restore, error) {
	file, err := Load(path, data)
	if err != nil {
		return nil, err
	}
	r := &Restore{Path: path}
	haveBackup := false
	names := map[string]string{}
	for _, section := range file.Sections() {
		name := section.Name()
		switch {
		case name == ini.DefaultSection:
			if len(section.Keys()) > 0 {
				return nil, fmt.Errorf("%s: option %q is outside any section (put it under [backup] or a [database…] section)", path, section.Keys()[0].Name())
			}
		case name == "backup":
			if err := knownKeys(path, section, backupKeys...); err != nil {
				return nil, err
			}
			haveBackup = true
			r.Backup = Backup{
				URI:      section.Key("uri").String(),
				Username: section.Key("username").String(),
				Password: section.Key("password").String(),
				Realm:    section.Key("realm").String(),
				TempDir:  section.Key("tempdir").String(),
			}
			if r.Backup.URI == "" {
				return nil, fmt.Errorf("%s: [backup] uri is missing", path)
			}
		case strings.HasPrefix(name, "database"):
			db, err := parseDatabase(path, section)
			if err != nil {
				return nil, err
			}
			if other, ok := names[db.Name]; ok {
				return nil, fmt.Errorf("%s: [%s] and [%s] both restore into database %q", path, other, name, db.Name)
			}
			names[db.Name] = name
			r.Databases = append(r.Databases, db)
		default:
			return nil, fmt.Errorf("%s: unknown section [%s] (known: [backup], [database…])", path, name)
		}
	}
	if !haveBackup {
		return nil, fmt.Errorf("%s: the [backup] section is missing", path)
	}
	if len(r.Databases) == 0 {
		return nil, fmt.Errorf("%s: no [database…] section: nothing to restore", path)
	}
	return r, nil
}

func parseDatabase(file string, section *ini.Section) (Database, error) {
	if err := knownKeys(file, section, databaseKeys...); err != nil {
		return Database{}, err
	}
	where := fmt.Sprintf("%s: [%s]", file, section.Name())
	db := Database{
		Section:  section.Name(),
		Name:     section.Key("name").String(),
		File:     section.Key("file").String(),
		Username: section.Key("username").String(),
		Host:     section.Key("host").String(),
		Port:     section.Key("port").String(),
		SSLMode:  section.Key("sslmode").String(),
	}
	if section.HasKey("password") {
		db.Password, db.HasPassword = section.Key("password").String(), true
	}
	if db.Name == "" {
		return Database{}, fmt.Errorf("%s name is missing (the database to restore into)", where)
	}
	if db.File == "" {
		db.File = db.Name + ".sql"
	}
	clean := path.Clean(strings.TrimPrefix(db.File, "./"))
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return Database{}, fmt.Errorf("%s file %q must be a relative path inside the archive", where, db.File)
	}
	db.File = clean
	if db.Port != "" {
		if n, err := strconv.Atoi(db.Port); err != nil || n < 1 || n > 65535 {
			return Database{}, fmt.Errorf("%s port %q is not a port number", where, db.Port)
		}
	}
	switch db.SSLMode {
	case "", "disable", "allow", "prefer", "require", "verify-ca", "verify-full":
	default:
		return Database{}, fmt.Errorf("%s sslmode %q is not one of disable, allow, prefer, require, verify-ca, verify-full", where, db.SSLMode)
	}
	var err error
	if db.NoOwner, err = boolKey(where, section, "no_owner"); err != nil {
		return Database{}, err
	}
	if db.NoPrivileges, err = boolKey(where, section, "no_privileges"); err != nil {
		return Database{}, err
	}
	return db, nil
}

func boolKey(where string, section *ini.Section, key string) (bool, error) {
	if !section.HasKey(key) {
		return false, nil
	}
	switch v := strings.ToLower(strings.TrimSpace(section.Key(key).String())); v {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0", "":
		return false, nil
	default:
		return false, fmt.Errorf("%s %s = %q is not true or false", where, key, v)
	}
}
