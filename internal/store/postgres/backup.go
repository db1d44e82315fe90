package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
)

// Backup writes a consistent copy of the database to path with pg_dump in
// its custom format (restore with pg_restore). pg_dump reads one snapshot,
// so the servers carry on writing meanwhile. It needs the PostgreSQL client
// tools, of the server's major version or newer, on the PATH.
func (d *DB) Backup(ctx context.Context, path string) error {
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return errors.New("postgres: backup needs pg_dump: install the PostgreSQL client tools (Debian: postgresql-client) of the server's version")
	}
	conn, schemas, err := libpqConn(d.url)
	if err != nil {
		return err
	}
	args := []string{"--format=custom", "--file", path}
	for _, s := range schemas {
		args = append(args, "--schema", s)
	}
	args = append(args, "--dbname", conn)
	if out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("postgres: pg_dump: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// libpqConn turns the URL shebao was given into one libpq (and so pg_dump)
// accepts: pgx passes unknown parameters on as server settings, libpq
// refuses them. pool_max_conns is dropped; search_path becomes the schemas
// to dump, since that is where shebao's tables are.
func libpqConn(raw string) (conn string, schemas []string, err error) {
	var path string
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", nil, fmt.Errorf("postgres: database URL: %w", err)
		}
		q := u.Query()
		path = q.Get("search_path")
		q.Del("search_path")
		q.Del("pool_max_conns")
		u.RawQuery = q.Encode()
		conn = u.String()
	} else {
		// key=value form; values with spaces (quoted) are not rewritten.
		var kept []string
		for _, f := range strings.Fields(raw) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "search_path":
				path = v
			case "pool_max_conns":
			default:
				kept = append(kept, f)
			}
		}
		conn = strings.Join(kept, " ")
	}
	for _, s := range strings.Split(path, ",") {
		if s = strings.Trim(strings.TrimSpace(s), `"`); s != "" && s != "$user" {
			schemas = append(schemas, s)
		}
	}
	return conn, schemas, nil
}
