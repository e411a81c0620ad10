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
	57: step57,
	58: step58,
	59: step59,
	60: step60,
	61: step61,
	62: step62,
	63: step63,
	64: step64,
	65: step65,
	66: step66,
	67: step67,
	68: step68,
	69: step69,
	70: step70,
	71: step71,
	72: step72,
	73: step73,
	74: step74,
	75: step75,
	76: step76,
	77: step77,
	78: step78,
	79: step79,
	80: step80,
	81: step81,
	82: step82,
	83: step83,
	84: step84,
	85: step85,
	86: step86,
	87: step87,
	88: step88,
	89: step89,
	90: step90,
	91: step91,
	92: step92,
	93: step93,
}
