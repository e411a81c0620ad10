package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tidwall/gjson"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// SQLiteFile is the embedded store's database, in its folder.
const SQLiteFile = "rts.db"

// lockFile is held (flock) by whichever rts process opened the folder
// first, and says who it is.
const lockFile = "rts.lock"

// The embedded store keeps Appsmith's documents as they are, one row
// each, readable with the sqlite3 tool:
//
//	sqlite3 rts-data/rts.db "select coll, id, length(doc) from documents where app = '…'"
//
// app is the document's applicationId (an application's own id; ” for a
// library), uid a library's uidString, rev the document's revision (+1 on
// every write), updated its updatedAt in milliseconds.
var sqliteSchema = []string{
	`CREATE TABLE IF NOT EXISTS documents (
		coll    TEXT NOT NULL,
		id      TEXT NOT NULL,
		app     TEXT NOT NULL,
		uid     TEXT,
		rev     INTEGER NOT NULL,
		updated INTEGER NOT NULL,
		doc     TEXT NOT NULL,
		UNIQUE (coll, id)
	)`,
	`CREATE INDEX IF NOT EXISTS documents_by_app ON documents (app, coll, id)`,
	`CREATE INDEX IF NOT EXISTS documents_by_uid ON documents (uid) WHERE uid IS NOT NULL`,
	`CREATE INDEX IF NOT EXISTS documents_by_updated ON documents (updated)`,
	`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
	`INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '1')`,
}

// SQLite is the embedded store: SQLite in WAL mode under one folder, no
// network port. Each write (a rename, an import) is one transaction, so it
// is all-or-nothing across a crash. rts is its only writer, so nothing is
// followed: Watch answers ErrOnlyWriter.
type SQLite struct {
	dir    string
	log    *slog.Logger
	read   *sql.DB // deferred transactions, several connections
	write  *sql.DB // BEGIN IMMEDIATE, one connection: writers queue here, not in SQLite's busy loop
	lock   *os.File
	shared string // who else had the folder open when this store opened it
}

// SQLiteOptions configure OpenSQLite.
type SQLiteOptions struct {
	Logger *slog.Logger
	// Owner describes this process in the folder's lock file (for
	// instance "rts serve, pid 42, http://127.0.0.1:8091").
	Owner string
}

// OpenSQLite opens (creating it if needed) the embedded store in dir. The
// folder is made 0700 and its files 0600. A folder written by the FerretDB
// default of earlier rts versions is migrated first (see migrateFerretDB).
func OpenSQLite(ctx context.Context, dir string, o SQLiteOptions) (*SQLite, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: data folder %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("store: data folder %q cannot be created: %w", abs, err)
	}
	if err := os.Chmod(abs, 0o700); err != nil {
		return nil, fmt.Errorf("store: data folder %q: %w", abs, err)
	}
	s := &SQLite{dir: abs, log: o.Logger.With("component", "store")}
	if err := s.claim(o.Owner); err != nil {
		return nil, err
	}
	path := filepath.Join(abs, SQLiteFile)
	fresh := false
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		fresh = true
		// SQLite gives its -wal and -shm files the main file's mode.
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			s.unlock()
			return nil, fmt.Errorf("store: data folder %q is not writable: %w", abs, err)
		}
		f.Close()
	}
	fail := func(err error) (*SQLite, error) {
		s.Close(ctx)
		if fresh {
			os.Remove(path)
		}
		return nil, err
	}
	dsn := func(lock string) string {
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "busy_timeout(30000)", "synchronous(FULL)", "mmap_size(1073741824)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", lock)
		return "file:" + path + "?" + q.Encode()
	}
	if s.write, err = sql.Open("sqlite", dsn("immediate")); err != nil {
		return fail(fmt.Errorf("store: %s: %w", path, err))
	}
	s.write.SetMaxOpenConns(1)
	if s.read, err = sql.Open("sqlite", dsn("deferred")); err != nil {
		return fail(fmt.Errorf("store: %s: %w", path, err))
	}
	s.read.SetMaxOpenConns(4)
	for _, q := range sqliteSchema {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			return fail(fmt.Errorf("store: %s is not an rts database (or cannot be written): %w", path, err))
		}
	}
	var schema string
	if err := s.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema'`).Scan(&schema); err != nil || schema != "1" {
		return fail(fmt.Errorf("store: %s has schema %q; this rts reads schema 1", path, schema))
	}
	if fresh {
		if err := migrateFerretDB(ctx, s); err != nil {
			return fail(err)
		}
	}
	return s, nil
}

// claim takes the folder's lock file if nobody holds it, recording owner;
// otherwise it remembers who holds it (two rts processes may share the
// database: SQLite serialises their writes).
func (s *SQLite) claim(owner string) error {
	f, err := os.OpenFile(filepath.Join(s.dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("store: data folder %q is not writable: %w", s.dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 512)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		s.shared = strings.TrimSpace(string(b[:n]))
		if s.shared == "" {
			s.shared = "another rts process"
		}
		return nil
	}
	if owner == "" {
		owner = fmt.Sprintf("rts, pid %d", os.Getpid())
	}
	f.Truncate(0)
	f.WriteAt([]byte(owner+"\n"), 0)
	s.lock = f
	return nil
}

func (s *SQLite) unlock() {
	if s.lock != nil {
		s.lock.Truncate(0)
		s.lock.Close() // releases the flock
		s.lock = nil
	}
}

// SharedWith names the rts process that had the folder open when this
// store opened it ("" when none).
func (s *SQLite) SharedWith() string { return s.shared }

// Dir is the store's folder.
func (s *SQLite) Dir() string { return s.dir }

func (s *SQLite) Info() Info {
	return Info{Kind: "sqlite", Where: s.dir, Atomic: "transaction"}
}

func (s *SQLite) Close(context.Context) error {
	var errs []error
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	if s.write != nil {
		// Checkpoints the WAL into the database file on the last close.
		errs = append(errs, s.write.Close())
	}
	s.unlock()
	return errors.Join(errs...)
}

func (s *SQLite) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "database is closed") {
		return ErrClosed
	}
	var ie *InputError
	if errors.As(err, &ie) || errors.Is(err, ErrNotFound) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func (s *SQLite) List(ctx context.Context) ([]AppInfo, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, doc FROM documents WHERE coll = ?`, CollApplication)
	if err != nil {
		return nil, s.fail("list", err)
	}
	defer rows.Close()
	var out []AppInfo
	for rows.Next() {
		var id, text string
		if err := rows.Scan(&id, &text); err != nil {
			return nil, s.fail("list", err)
		}
		if a, ok := appInfo(id, text); ok {
			out = append(out, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("list", err)
	}
	sortApps(out)
	return out, nil
}

func (s *SQLite) Load(ctx context.Context, appID string) (*AppDocs, error) {
	out := &AppDocs{}
	err := s.LoadEach(ctx, appID, func(d Doc) {
		switch {
		case d.Key.Coll == CollApplication:
			out.Application = d
		case d.Key.Coll == CollLibrary:
			out.Libraries = append(out.Libraries, d)
		default:
			out.Docs = append(out.Docs, d)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LoadEach is Load handing each document to each as soon as it is read,
// in Load's order: the application, its pages, actions and collections,
// then its libraries. A caller parses while SQLite reads (see Streamer).
// On an error some documents may have been handed over already.
func (s *SQLite) LoadEach(ctx context.Context, appID string, each func(Doc)) error {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return s.fail("load", err)
	}
	defer tx.Rollback()
	app, err := getOne(ctx, tx, Key{CollApplication, appID})
	if err != nil {
		return s.fail("load", err)
	}
	if app.Text == "" {
		return fmt.Errorf("%w: application %q", ErrNotFound, appID)
	}
	each(app)
	// One query per collection, each read in the order of the index by
	// (app, coll, id): one query sorting all three would copy every
	// document through SQLite's sorter (temporary files), half the time
	// of a load.
	for _, coll := range []string{CollPage, CollAction, CollCollection} {
		if err := loadColl(ctx, tx, appID, coll, each); err != nil {
			return s.fail("load", err)
		}
	}
	libs, err := libraries(ctx, tx, libraryUIDs(app.Text))
	if err != nil {
		return s.fail("load", err)
	}
	for _, l := range libs {
		each(l)
	}
	return nil
}

func loadColl(ctx context.Context, tx *sql.Tx, appID, coll string, each func(Doc)) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, rev, doc FROM documents WHERE app = ? AND coll = ? ORDER BY id`, appID, coll)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		d := Doc{AppID: appID, Key: Key{Coll: coll}}
		var rev int64
		if err := rows.Scan(&d.Key.ID, &rev, &d.Text); err != nil {
			return err
		}
		d.Rev = Rev(strconv.FormatInt(rev, 10))
		each(d)
	}
	return rows.Err()
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getOne(ctx context.Context, q querier, k Key) (Doc, error) {
	d := Doc{Key: k}
	var rev int64
	err := q.QueryRowContext(ctx, `SELECT app, rev, doc FROM documents WHERE coll = ? AND id = ?`, k.Coll, k.ID).Scan(&d.AppID, &rev, &d.Text)
	if errors.Is(err, sql.ErrNoRows) {
		return Doc{Key: k}, nil
	}
	if err != nil {
		return Doc{}, err
	}
	d.Rev = Rev(strconv.FormatInt(rev, 10))
	return d, nil
}

func libraries(ctx context.Context, q querier, uids []string) ([]Doc, error) {
	var out []Doc
	for _, u := range uids {
		rows, err := q.QueryContext(ctx, `SELECT id, rev, doc FROM documents WHERE uid = ? AND coll = ? ORDER BY id`, u, CollLibrary)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			d := Doc{Key: Key{Coll: CollLibrary}}
			var rev int64
			if err := rows.Scan(&d.Key.ID, &rev, &d.Text); err != nil {
				rows.Close()
				return nil, err
			}
			d.Rev = Rev(strconv.FormatInt(rev, 10))
			out = append(out, d)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *SQLite) Get(ctx context.Context, keys []Key) ([]Doc, error) {
	out := make([]Doc, 0, len(keys))
	for _, k := range keys {
		d, err := getOne(ctx, s.read, k)
		if err != nil {
			return nil, s.fail("get", err)
		}
		out = append(out, d)
	}
	return out, nil
}

func (s *SQLite) Libraries(ctx context.Context, uids []string) ([]Doc, error) {
	out, err := libraries(ctx, s.read, uids)
	return out, s.fail("libraries", err)
}

func (s *SQLite) Write(ctx context.Context, puts []Put) ([]Doc, error) {
	for _, p := range puts {
		if err := checkSize(p.Key, p.Text); err != nil {
			return nil, err
		}
	}
	at := time.Now()
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.fail("write", err)
	}
	defer tx.Rollback()
	out := make([]Doc, 0, len(puts))
	var changed []Key
	date := relaxedDate(at)
	for _, p := range puts {
		text := setUpdatedAt(p.Text, date)
		var res sql.Result
		if p.Rev == "" {
			res, err = tx.ExecContext(ctx, `INSERT INTO documents (coll, id, app, uid, rev, updated, doc) VALUES (?, ?, ?, ?, 1, ?, ?)
				ON CONFLICT (coll, id) DO NOTHING`,
				p.Key.Coll, p.Key.ID, appIDOf(p.Key, text), uidOf(p.Key, text), at.UnixMilli(), text)
		} else {
			rev, perr := strconv.ParseInt(string(p.Rev), 10, 64)
			if perr != nil {
				changed = append(changed, p.Key)
				continue
			}
			res, err = tx.ExecContext(ctx, `UPDATE documents SET doc = ?, rev = rev + 1, updated = ?, app = ?, uid = ? WHERE coll = ? AND id = ? AND rev = ?`,
				text, at.UnixMilli(), appIDOf(p.Key, text), uidOf(p.Key, text), p.Key.Coll, p.Key.ID, rev)
		}
		if err != nil {
			return nil, s.fail("write", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			changed = append(changed, p.Key)
			continue
		}
		next := int64(1)
		if p.Rev != "" {
			n, _ := strconv.ParseInt(string(p.Rev), 10, 64)
			next = n + 1
		}
		out = append(out, Doc{Key: p.Key, Rev: Rev(strconv.FormatInt(next, 10)), AppID: appIDOf(p.Key, text), Text: text})
	}
	if len(changed) > 0 {
		ce := &ConflictError{}
		for _, k := range changed {
			d, err := getOne(ctx, tx, k)
			if err != nil {
				return nil, s.fail("write", err)
			}
			ce.Changed = append(ce.Changed, d)
		}
		return nil, ce
	}
	if err := tx.Commit(); err != nil {
		return nil, s.fail("write", err)
	}
	return out, nil
}

// uidOf is a library's uidString (nil for other documents).
func uidOf(k Key, text string) any {
	if k.Coll != CollLibrary {
		return nil
	}
	return gjson.Get(text, "uidString").Str
}

func (s *SQLite) Import(ctx context.Context, set *ImportSet) (string, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return "", s.fail("import", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO documents (coll, id, app, uid, rev, updated, doc) VALUES (?, ?, ?, ?, 1, ?, ?)`)
	if err != nil {
		return "", s.fail("import", err)
	}
	defer stmt.Close()
	docs := append(append(append([]Doc(nil), set.Docs...), set.Libraries...), set.Application)
	for _, d := range docs {
		ms := dateOf(gjson.Get(d.Text, fieldUpdatedAt)).UnixMilli()
		if _, err := stmt.ExecContext(ctx, d.Key.Coll, d.Key.ID, d.AppID, uidOf(d.Key, d.Text), ms, d.Text); err != nil {
			return "", s.fail("import", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return "", s.fail("import", err)
	}
	return set.AppID, nil
}

func (s *SQLite) Watch(context.Context, Token) (Stream, error) { return nil, ErrOnlyWriter }

func (s *SQLite) ChangedSince(ctx context.Context, since time.Time) ([]Doc, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT coll, id, app, rev, doc FROM documents WHERE updated >= ? AND coll IN (?, ?, ?, ?) ORDER BY updated, coll, id`,
		since.UnixMilli(), CollApplication, CollPage, CollAction, CollCollection)
	if err != nil {
		return nil, s.fail("changes", err)
	}
	defer rows.Close()
	var out []Doc
	for rows.Next() {
		var d Doc
		var rev int64
		if err := rows.Scan(&d.Key.Coll, &d.Key.ID, &d.AppID, &rev, &d.Text); err != nil {
			return nil, s.fail("changes", err)
		}
		d.Rev = Rev(strconv.FormatInt(rev, 10))
		out = append(out, d)
	}
	return out, s.fail("changes", rows.Err())
}
