// Package layout owns the check that the README's layout table is true:
// every package of the module has a row, each imports only packages in
// rows below its own, and a row that lists its imports lists them all.
// The check is its test; the package has no code of its own.
package layout
