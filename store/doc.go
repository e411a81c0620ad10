// Package store owns Appsmith's documents and nothing above them: the
// collections application, newPage, newAction, actionCollection and
// customJSLib with Appsmith's field names, behind one interface (Store):
// load an app's documents, list apps, a guarded all-or-nothing write
// (every document named at the revision it was read at, or a
// *ConflictError), a stream of changes by others (with resume) or an
// indexed poll, and the import of an app (git folder or export) as
// Appsmith would store it; in three implementations that pass one test
// suite (suite_test.go): SQLite, the embedded default; MongoDB, Appsmith's
// own database (transactions or the journal, journal.go; change streams or
// polling); and memory, for tests, which plays either kind of MongoDB
// server and can break or crash on purpose. It knows neither models nor
// graphs. docs/live-apps.md ("The store") describes documents as text,
// revisions, writes and what was tested against which server.
package store
