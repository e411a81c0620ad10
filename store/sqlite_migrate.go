package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidwall/gjson"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Earlier rts versions kept the embedded store in FerretDB v1 over SQLite:
// one file per database (<folder>/appsmith.sqlite), a table per collection
// listed in _ferretdb_collections, each document in one column as
// FerretDB's "SJSON" (JSON with a schema of BSON types under "$s"). On the
// first start over such a folder the documents of Appsmith's collections
// are copied into rts.db in one transaction, the encodings that store
// needed undone (compat.go), and the old files moved into
// ferretdb-backup/ — never deleted.

// ferretBackup is where the FerretDB files go once migrated.
const ferretBackup = "ferretdb-backup"

// ferretDatabase is the database the embedded FerretDB held Appsmith's
// collections in.
const ferretDatabase = "appsmith"

// migrateFerretDB copies a FerretDB folder's documents into s, which was
// just created in the same folder.
func migrateFerretDB(ctx context.Context, s *SQLite) error {
	src := filepath.Join(s.dir, ferretDatabase+".sqlite")
	if _, err := os.Stat(src); err != nil {
		return nil
	}
	docs, err := readFerretDB(ctx, src)
	if err != nil {
		return fmt.Errorf("store: %s was written by the FerretDB store of an earlier rts and cannot be read (%v): "+
			"move %s away and import your apps again with `rts import APP --data %s`", src, err, s.dir, s.dir)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	apps := 0
	for _, d := range docs {
		if d.Key.Coll == CollApplication {
			apps++
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO documents (coll, id, app, uid, rev, updated, doc) VALUES (?, ?, ?, ?, 1, ?, ?)`,
			d.Key.Coll, d.Key.ID, d.AppID, uidOf(d.Key, d.Text), dateOf(gjson.Get(d.Text, fieldUpdatedAt)).UnixMilli(), d.Text); err != nil {
			return fmt.Errorf("store: migrating %s: %w", d.Key, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migrating %s: %w", src, err)
	}
	backup := filepath.Join(s.dir, ferretBackup)
	if err := os.MkdirAll(backup, 0o700); err != nil {
		return err
	}
	olds, _ := filepath.Glob(filepath.Join(s.dir, "*.sqlite*"))
	for _, f := range olds {
		if err := os.Rename(f, filepath.Join(backup, filepath.Base(f))); err != nil {
			return fmt.Errorf("store: migrated, but %s could not be moved into %s: %w", f, backup, err)
		}
	}
	s.log.Info("migrated the FerretDB store of an earlier rts", "apps", apps, "documents", len(docs), "oldFiles", backup)
	return nil
}

// readFerretDB reads the documents of Appsmith's collections from a
// FerretDB v1 SQLite file.
func readFerretDB(ctx context.Context, path string) ([]Doc, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		return nil, fmt.Errorf("not a FerretDB database: %w", err)
	}
	tables := map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			rows.Close()
			return nil, err
		}
		tables[name] = table
	}
	rows.Close()
	var out []Doc
	for _, coll := range []string{CollApplication, CollPage, CollAction, CollCollection, CollLibrary} {
		table, ok := tables[coll]
		if !ok {
			continue
		}
		rows, err := db.QueryContext(ctx, `SELECT _ferretdb_sjson FROM "`+strings.ReplaceAll(table, `"`, `""`)+`"`)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var text string
			if err := rows.Scan(&text); err != nil {
				rows.Close()
				return nil, err
			}
			d, err := fromSJSON(coll, []byte(text))
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s: %w", coll, err)
			}
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

// fromSJSON turns one stored FerretDB document into a Doc.
func fromSJSON(coll string, data []byte) (Doc, error) {
	d, err := sjsonDocument(data)
	if err != nil {
		return Doc{}, err
	}
	raw, err := bson.Marshal(decodeD(d))
	if err != nil {
		return Doc{}, err
	}
	return toDoc(coll, raw)
}

type sjSchema struct {
	Props map[string]*sjElem `json:"p"`
	Keys  []string           `json:"$k"`
}

type sjElem struct {
	Type    string    `json:"t"`
	Schema  *sjSchema `json:"$s"`
	Options *string   `json:"o"`
	Items   []*sjElem `json:"i"`
	Subtype *byte     `json:"s"`
}

func sjsonDocument(data []byte) (bson.D, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	var sch sjSchema
	if err := json.Unmarshal(fields["$s"], &sch); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	delete(fields, "$s")
	return sjsonObject(fields, &sch)
}

func sjsonObject(fields map[string]json.RawMessage, sch *sjSchema) (bson.D, error) {
	if sch == nil || len(sch.Keys) != len(fields) {
		return nil, errors.New("schema and fields differ")
	}
	out := make(bson.D, 0, len(sch.Keys))
	for _, k := range sch.Keys {
		raw, ok := fields[k]
		if !ok {
			return nil, fmt.Errorf("missing field %q", k)
		}
		v, err := sjsonValue(raw, sch.Props[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out = append(out, bson.E{Key: k, Value: v})
	}
	return out, nil
}

func sjsonValue(raw json.RawMessage, e *sjElem) (any, error) {
	if bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	if e == nil {
		return nil, errors.New("no schema")
	}
	dec := func(v any) error {
		d := json.NewDecoder(bytes.NewReader(raw))
		return d.Decode(v)
	}
	switch e.Type {
	case "object":
		var fields map[string]json.RawMessage
		if err := dec(&fields); err != nil {
			return nil, err
		}
		return sjsonObject(fields, e.Schema)
	case "array":
		var items []json.RawMessage
		if err := dec(&items); err != nil {
			return nil, err
		}
		if len(items) != len(e.Items) {
			return nil, errors.New("array and schema differ")
		}
		out := make(bson.A, len(items))
		for i, it := range items {
			v, err := sjsonValue(it, e.Items[i])
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case "double":
		var f float64
		err := dec(&f)
		return f, err
	case "string":
		var s string
		err := dec(&s)
		return s, err
	case "binData":
		var b []byte
		if err := dec(&b); err != nil {
			return nil, err
		}
		sub := byte(0)
		if e.Subtype != nil {
			sub = *e.Subtype
		}
		return bson.Binary{Subtype: sub, Data: b}, nil
	case "objectId":
		var s string
		if err := dec(&s); err != nil {
			return nil, err
		}
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 12 {
			return nil, fmt.Errorf("objectId %q", s)
		}
		var oid bson.ObjectID
		copy(oid[:], b)
		return oid, nil
	case "bool":
		var b bool
		err := dec(&b)
		return b, err
	case "date":
		var ms int64
		err := dec(&ms)
		return bson.DateTime(ms), err
	case "regex":
		var p string
		err := dec(&p)
		opts := ""
		if e.Options != nil {
			opts = *e.Options
		}
		return bson.Regex{Pattern: p, Options: opts}, err
	case "int":
		var i int32
		err := dec(&i)
		return i, err
	case "timestamp":
		var t uint64
		if err := dec(&t); err != nil {
			return nil, err
		}
		return bson.Timestamp{T: uint32(t >> 32), I: uint32(t)}, nil
	case "long":
		var i int64
		err := dec(&i)
		return i, err
	}
	return nil, fmt.Errorf("unknown type %q", e.Type)
}
