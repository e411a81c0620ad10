// Package pagedsl owns Appsmith's page-DSL migrations: a JSON value model
// that behaves as JavaScript's JSON.parse/JSON.stringify and property
// access do (key order, undefined, number formatting), the chain of
// migration steps indexed by the version each step starts from, and
// Migrate, which runs that chain on a page DSL exactly as Appsmith's
// migrateDSL does (including its buggy steps and the inputs on which it
// throws), so that a current Appsmith backend can use rts for
// /rts-api/v1/dsl/migrate. It also owns the memory of decoded pages:
// Recycle hands a page's blocks to the next page decoded.
package pagedsl
