// Package store owns rts's view of Appsmith's MongoDB: the documents of the
// collections application, newPage, newAction, actionCollection and
// customJSLib with Appsmith's field names; the embedded FerretDB (SQLite)
// that stands in for MongoDB when no URI is given; the import of an app
// (git folder or export) as Appsmith would store it; one live in-memory model
// and dependency graph per loaded app, kept up to date with what others write
// (change streams where the server has them, polling otherwise); and renames
// written back in one guarded bulk write per collection.
//
// # Documents as text
//
// Each document is kept as its relaxed extended JSON text. appmodel reads
// that text with the same code it reads exports with, so every binding's
// Location is a byte range in one document's text; a rename's byte edits
// apply to that text, which is parsed back to BSON and written. Only the
// top-level fields an edit touched are written ($set), so the BSON types of
// everything else stay as they were (relaxed JSON would turn an int64 that
// fits into 32 bits into an int32).
//
// refactor.PlanRename edits the texts its Locations name; before planning,
// the texts of the page being renamed on are given to the model
// (App.SetFileText) under the names its Locations use.
//
// # Versions and conflicts
//
// A document's version is the pair (updatedAt, rtsVersion): Appsmith bumps
// updatedAt on every save, and the store bumps both on its own writes. A
// rename first re-reads every document it will write and compares the whole
// text with the one it planned on, then writes each with a filter on the
// version it read; a filter that matches nothing is a conflict, and what was
// already written is put back. MongoDB transactions would close the window
// between the check and the write; FerretDB has none, so the window stays
// (see Rename).
//
// # The embedded server
//
// Without a URI the store starts FerretDB v1 over SQLite files in DataDir,
// in this process, and talks to it through the same driver. FerretDB has no
// change streams (the store polls) and no transactions (the guarded write
// above); it refuses arrays nested in arrays and keys with dots, which
// Appsmith's documents have (they are stored encoded, see compat.go); and
// its SQLite backend filters on nothing but _id itself: any other query
// decodes every document of the collection. So documents are read by _id
// where the ids are known, one poll covers every loaded app, and polling
// slows down as the database grows (see pollLoop).
//
// # Locks
//
// Lock order: an app's mutex, then Store.mu, then the event queue's mutex.
// Each loaded app has a mutex that guards its model, its graph and its
// documents; it is held across the I/O of loading and renaming that app, so
// the model never moves under a plan (polls and change events read without
// it and take it only to apply). Store.mu guards only the map of apps: it is
// held briefly, never while waiting for an app's mutex or doing I/O. Events
// are queued while an app's mutex is held, so that they leave in the order
// the changes were made, and one goroutine delivers them with no store lock
// held, so a subscriber may call back into the store.
package store
