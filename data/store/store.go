// Package store owns catchment's persistent state: a single SQLite file
// holding named scenarios (a data.Dataset plus metadata), the plans solved
// for them with their revision history, and per-scenario cache blobs.
//
// The schema is created and upgraded by numbered migrations embedded in the
// binary (migrations/NNNN_name.sql, recorded in the schema_migrations
// table). A database written by a newer binary is refused with
// ErrNewerSchema rather than misread.
//
// Durability and atomicity: every write method runs in exactly one SQLite
// transaction. A write that fails, is cancelled through its context, or
// whose process is killed (even with SIGKILL) leaves the database exactly as
// it was before the call; readers never see a half-written scenario or plan.
//
// Concurrency: a *Store is safe for concurrent use by many goroutines, e.g.
// an HTTP server. Write methods (ImportScenario, DeleteScenario, SavePlan,
// DeletePlan, PutBlob) are serialised: they take turns on one writer
// connection, and wait (up to the busy timeout) for writers in other
// processes. Read methods (Scenarios, LoadScenario, Checksum, Plan,
// LatestPlan, Plans, Blob) run in parallel with each other and with a
// write in progress (the journal is in WAL mode); each read sees one
// consistent snapshot of the last committed state.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// ErrNotFound is returned (wrapped) when a scenario, plan or blob does not
// exist. Test with errors.Is.
var ErrNotFound = errors.New("not found")

// ErrNewerSchema is returned (wrapped) by Open when the database was
// written by a newer catchment whose schema this binary does not know.
var ErrNewerSchema = errors.New("database schema is newer than this program supports")

//go:embed migrations/*.sql
var migrationFS embed.FS

// busyTimeout is how long a write waits for another process's write lock.
const busyTimeout = 5 * time.Second

// Store is an open catchment database. Create it with Open and release it
// with Close. See the package documentation for which methods may run
// concurrently.
type Store struct {
	path string
	// w is the writer pool: one connection, BEGIN IMMEDIATE transactions,
	// so writers queue in Go instead of failing with SQLITE_BUSY.
	w *sql.DB
	// r is the reader pool: query-only connections with deferred
	// transactions, reading WAL snapshots concurrently with the writer.
	r *sql.DB
	// hook, when set (tests only), is called at checkpoints inside write
	// transactions, e.g. to cancel a context or kill the process half way.
	hook func(stage string, done int)
}

// Open opens (creating if needed) the database at path and brings its
// schema up to date. The journal is WAL, synchronous is NORMAL (a committed
// transaction survives a process crash; an OS crash may lose only the last
// few commits, never consistency), foreign keys are enforced, and writes
// wait up to 5 s for a lock held by another process. Open fails with
// ErrNewerSchema for a database from a newer binary.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: open: empty database path")
	}
	w, err := sql.Open("sqlite3", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := migrate(ctx, w, migrationFS); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	n := max(2, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &Store{path: path, w: w, r: r}, nil
}

// Close closes the database. Calls in progress finish first; no method may
// be called after Close.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// Path returns the database file name given to Open.
func (s *Store) Path() string { return s.path }

// dsn builds a mattn/go-sqlite3 URI for path. The path is escaped so that
// names containing '?', '#' or '%' open the intended file.
func dsn(path string, writer bool) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	q := "_busy_timeout=" + strconv.Itoa(int(busyTimeout/time.Millisecond)) + "&_foreign_keys=on"
	if writer {
		q += "&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate"
	} else {
		q += "&_query_only=on&_txlock=deferred"
	}
	return "file:" + esc + "?" + q
}

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads NNNN_name.sql files from the migrations directory of
// fsys. Versions must be 1, 2, … without gaps or duplicates.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", base)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d (versions must be contiguous from 1)", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this binary writes: the number of
// the newest embedded migration.
func SchemaVersion() int {
	ms, err := loadMigrations(migrationFS)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate applies the pending migrations of fsys to db, each in its own
// IMMEDIATE transaction that re-reads the current version, so two processes
// opening the same new file cannot apply a step twice.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return err
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name    TEXT    NOT NULL,
		applied INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for {
		done, err := migrateStep(ctx, db, ms, latest)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next pending migration, reporting done when the
// schema is already at latest.
func migrateStep(ctx context.Context, db *sql.DB, ms []migration, latest int) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback()
	var cur int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	if cur > latest {
		return false, fmt.Errorf("%w: the database has schema version %d, this catchment knows versions up to %d; use a newer catchment", ErrNewerSchema, cur, latest)
	}
	if cur == latest {
		return true, nil
	}
	m := ms[cur]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("apply migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UnixNano()); err != nil {
		return false, fmt.Errorf("record migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit migration %s: %w", m.name, err)
	}
	slog.Debug("store: applied migration", "version", m.version, "name", m.name)
	return false, nil
}

// checkpoint calls the test hook, if any.
func (s *Store) checkpoint(stage string, done int) {
	if s.hook != nil {
		s.hook(stage, done)
	}
}

// writeTx runs fn inside one IMMEDIATE transaction on the writer
// connection, committing when fn returns nil and rolling back otherwise
// (including when ctx is cancelled).
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := ctx.Err(); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// readTx runs fn inside one read transaction (a consistent snapshot) on a
// reader connection.
func (s *Store) readTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}
