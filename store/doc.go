// Package store owns Appsmith's documents and nothing above them: the
// collections application, newPage, newAction, actionCollection and
// customJSLib with Appsmith's field names, behind one interface (Store):
// load an app's documents, list apps, a guarded all-or-nothing write, a
// stream of changes by others (with resume) or an indexed poll, and the
// import of an app (git folder or export) as Appsmith would store it. It
// knows neither models nor graphs: the live-apps package above it does.
//
// Three implementations pass one test suite (suite_test.go):
//
//   - SQLite, the embedded default (OpenSQLite): one table of documents in
//     a folder, WAL, one transaction per write or import. rts is its only
//     writer, so nothing is followed.
//   - MongoDB (OpenMongo), Appsmith's own database: a change stream where
//     the server has them, else polling by an indexed updatedAt; a write is
//     one multi-document transaction where the server has them, else it goes
//     through the journal (journal.go). Tested against FerretDB, the real
//     MongoDB wire server, which has neither: the journal and polling paths
//     run against a real server here, transactions and change streams do
//     not.
//   - Memory (NewMemory), for tests: it plays a replica set (change
//     streams with resume tokens and a bounded log, transactions) or a
//     standalone server (polling, journal), can be another writer, break
//     its streams and crash in the middle of a write, so those paths are
//     tested where FerretDB lacks them.
//
// # Documents as text
//
// A document travels as its relaxed extended JSON text (Doc.Text), the
// text appmodel reads; an import renders each document once through BSON
// so that every store gives back the same text, and checks it against
// MongoDB's 16 MB limit. A MongoDB write sets only the top-level fields
// that changed, so the BSON types of everything else stay as stored.
//
// # Revisions
//
// Every document has a revision (Rev) that changes on every write: a
// counter in SQLite, (updatedAt, rtsVersion) in MongoDB, where Appsmith
// bumps updatedAt on every save and rts bumps both. A write names the
// revision each document was read at; one that moved fails the whole write
// with *ConflictError carrying the documents as they are now.
package store
