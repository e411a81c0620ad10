package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Appsmith's collection names.
const (
	CollApplication = "application"
	CollPage        = "newPage"
	CollAction      = "newAction"
	CollCollection  = "actionCollection"
	CollLibrary     = "customJSLib"
)

// fieldUpdatedAt is Appsmith's modification time, which every write sets.
const fieldUpdatedAt = "updatedAt"

// AppCollections hold an app's documents, linked to it by applicationId.
var AppCollections = []string{CollPage, CollAction, CollCollection}

// followed are the collections whose changes by others matter to a loaded
// app.
var followed = []string{CollApplication, CollPage, CollAction, CollCollection}

// MaxDocumentBytes is MongoDB's limit on one document (BSON). Every
// document is checked against it before anything is written, whatever the
// store: an app that fits the embedded store must also fit Appsmith's.
const MaxDocumentBytes = 16 << 20

var (
	// ErrUnavailable: the database cannot be reached (or stopped answering
	// in time). Callers answer 503; the store keeps reconnecting.
	ErrUnavailable = errors.New("store: database unavailable")
	// ErrNotFound: no such application.
	ErrNotFound = errors.New("store: not found")
	// ErrBadInput: an app or document that cannot be stored.
	ErrBadInput = errors.New("store: bad input")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
	// ErrNoStream: the server has no change streams; follow it with
	// ChangedSince.
	ErrNoStream = errors.New("store: the server has no change streams")
	// ErrResumeLost: a stream cannot resume after the token given (it
	// fell out of the server's log): changes may have been missed, so
	// whatever depends on them must be compared in full.
	ErrResumeLost = errors.New("store: cannot resume the change stream: changes were missed")
	// ErrOnlyWriter: nobody but rts writes this store, so there is nothing
	// to follow (the embedded store).
	ErrOnlyWriter = errors.New("store: rts is the only writer of this store")
)

// Key names a document: its collection and its _id (hex for an ObjectID).
type Key struct{ Coll, ID string }

func (k Key) String() string { return k.Coll + "/" + k.ID }

// Rev is a document's revision, opaque to callers: two reads of a
// document give the same Rev exactly when nobody wrote it in between.
type Rev string

// Doc is one stored document, as the relaxed extended JSON text that
// appmodel reads (ObjectIDs as {"$oid": …}, dates as {"$date": …}).
type Doc struct {
	Key Key
	Rev Rev
	// AppID is the application the document belongs to (its own id for
	// an application document, "" for a library).
	AppID string
	Text  string
}

// AppInfo is one application of the store.
type AppInfo struct {
	ID        string
	Name      string
	Pages     int
	UpdatedAt time.Time
}

// AppDocs are an application's documents: the application, its pages,
// actions and JS objects (in that order, each collection by _id), and the
// custom JS libraries it installs.
type AppDocs struct {
	Application Doc
	Docs        []Doc
	Libraries   []Doc
}

// Put is one document of a guarded write: it is written only if it is
// still at Rev, the revision Old was read at. Old is the text the change
// was planned on (a MongoDB server writes only the top-level fields that
// differ from it, keeping the BSON types of the rest).
type Put struct {
	Key  Key
	Rev  Rev
	Old  string
	Text string
}

// ConflictError is a guarded write that found documents changed since
// they were read: nothing of the write is left. Changed holds their
// current state (Text "" for a document that is gone).
type ConflictError struct {
	Changed []Doc
}

func (e *ConflictError) Error() string {
	keys := make([]string, len(e.Changed))
	for i, d := range e.Changed {
		keys[i] = d.Key.String()
	}
	return "store: changed since read: " + strings.Join(keys, ", ")
}

// InputError is an import that cannot be stored: not an app, not valid
// JSON, or a document MongoDB cannot hold. It wraps ErrBadInput.
type InputError struct{ Err error }

func (e *InputError) Error() string   { return "store: bad input: " + e.Err.Error() }
func (e *InputError) Unwrap() []error { return []error{ErrBadInput, e.Err} }

// Change is one document written by someone else.
type Change struct {
	Key Key
	// AppID is the application the document belongs to, when known (a
	// deleted document's is not).
	AppID string
	// Doc is the document after the change; nil when it was deleted.
	Doc *Doc
}

// Token resumes a Stream after the last change it returned.
type Token []byte

// Stream is a server's change stream over Appsmith's collections.
type Stream interface {
	// Next waits for the next change. An error ends the stream (open
	// another after Token); ErrResumeLost says changes were missed.
	Next(ctx context.Context) (Change, error)
	// Token resumes after the last change Next returned, or where the
	// stream started (nil when the server has not said yet).
	Token() Token
	Close()
}

// Info says what a store is and offers.
type Info struct {
	// Kind is "sqlite", "mongodb" or "memory".
	Kind string
	// Where is the folder (embedded) or the server's hosts.
	Where string
	// Atomic says how a guarded write is made all-or-nothing:
	// "transaction" (one database transaction) or "journal" (the intent
	// is written first and finished or undone on the next start).
	Atomic string
}

// Store is Appsmith's documents. Implementations: the embedded SQLite
// store (OpenSQLite), MongoDB (OpenMongo) and memory (NewMemory), which
// pass one test suite. All are safe for concurrent use.
type Store interface {
	Info() Info
	// List lists the applications that are not deleted, by name.
	List(ctx context.Context) ([]AppInfo, error)
	// Load reads an application's documents; ErrNotFound when there is
	// no such application.
	Load(ctx context.Context, appID string) (*AppDocs, error)
	// Get reads documents by key; one that does not exist comes back with
	// Text "" and Rev "".
	Get(ctx context.Context, keys []Key) ([]Doc, error)
	// Libraries reads the custom JS libraries with these uidStrings.
	Libraries(ctx context.Context, uids []string) ([]Doc, error)
	// Write writes every Put or none: a document no longer at its Rev
	// fails the whole write with *ConflictError. The documents come back
	// as stored (new revisions, updatedAt set to the time of the write).
	Write(ctx context.Context, puts []Put) ([]Doc, error)
	// Import stores a new application's documents, all or none, and
	// returns its id.
	Import(ctx context.Context, set *ImportSet) (string, error)
	// Watch opens a change stream after token (nil: from now).
	// ErrNoStream: poll with ChangedSince; ErrOnlyWriter: nothing to
	// follow.
	Watch(ctx context.Context, after Token) (Stream, error)
	// ChangedSince lists the documents of Appsmith's followed collections
	// whose updatedAt is at or after since (an indexed query), for
	// polling. Hard deletes do not show: a full comparison finds them.
	ChangedSince(ctx context.Context, since time.Time) ([]Doc, error)
	// Close releases the store; calls then fail with ErrClosed.
	Close(ctx context.Context) error
}

// Streamer is a Store that can hand an app's documents over while it
// reads them, so that a caller parses the first ones while the store
// reads the rest (the embedded store: reading a large app is a fifth of
// loading it, and parsing it all of the rest).
type Streamer interface {
	// LoadEach is Load calling each with every document as soon as it is
	// read, in AppDocs' order: the application, Docs, Libraries. each is
	// called from one goroutine at a time.
	LoadEach(ctx context.Context, appID string, each func(Doc)) error
}

// unavailableError is a call that failed because the server did not
// answer.
type unavailableError struct {
	op  string
	err error
}

func (e *unavailableError) Error() string {
	return fmt.Sprintf("store: %s: database unavailable: %v", e.op, e.err)
}

func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }
