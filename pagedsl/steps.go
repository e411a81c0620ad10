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
	20: step20,
	21: step21,
	22: step22,
	23: step23,
	24: step24,
	25: step25,
	26: step26,
	27: step27,
	28: step28,
	29: step29,
	30: step30,
	31: step31,
	32: step32,
	33: step33,
	34: step34,
	35: step35,
	36: step36,
	37: step37,
	38: step38,
	39: step39,
	40: step40,
	41: step41,
	42: step42,
	43: step43,
	44: step44,
	45: step45,
	46: step46,
	47: skipped,
	48: step48,
	49: step49,
	50: skipped,
	51: step51,
	52: step52,
	53: step53,
	54: step54,
	55: step55,
	56: step56,
}
