package pagedsl

// step migrates a page DSL from version N to N+1 (N = its index in
// steps) and returns the root, which may be a new object. The runner sets
// the root's version afterwards, as migrateDSL does.
type step func(m *migration, root *Object) *Object

// steps is the chain, indexed by the version each step starts from; 0 is
// the step for a DSL without a version. Adding step 94 is one entry here
// (and LatestVersion). A nil entry is a step not ported yet: Migrate
// returns ErrNotPorted when the chain reaches it.
var steps = [LatestVersion]step{
	0:  unversioned,
	1:  step1,
	2:  step2,
	3:  step3,
	4:  step4,
	5:  step5,
	6:  step6,
	7:  step7,
	8:  step8,
	9:  step9,
	10: step10,
	11: step11,
	12: step12,
	13: step13,
	14: step14,
	15: step15,
	16: step16,
	17: step17,
	18: step18,
	19: step19,
}
