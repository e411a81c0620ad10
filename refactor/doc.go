// Package refactor owns renames: of an entity inside one script or JS
// object body (Script and Batch, compatible with Appsmith's entity-refactor)
// and across a whole app (PlanRename computes every byte edit, file move and
// conflict before anything is written; ApplyPlan writes all of it or none;
// Preview and UnifiedDiff show it). It finds what to rename with the
// analysis package's scope-aware scans; a Renamer keeps those scans for
// texts it sees again.
package refactor
