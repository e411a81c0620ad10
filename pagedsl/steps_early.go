package pagedsl

import "math"

// The first steps: the unversioned root, then versions 1 to 19 (old
// containers, charts, maps, tabs, path lists, canvas names, tables and the
// 16-column to 64-column layout).

// unversioned is migrateUnversionedDSL: the root becomes the main canvas
// with the defaults Appsmith computes for a 600 px high window (the RTS
// has no window object, so its fallback height is used).
func unversioned(_ *migration, root *Object) *Object {
	const rowHeight = 10
	// calculateDynamicHeight: floor((600 - (10 + 2*48 + 37)) / 10) * 10
	minHeight := math.Floor((600-(rowHeight+2*48+37))/rowHeight) * rowHeight
	root.Set("minHeight", minHeight)
	bottomRow := minHeight - rowHeight
	root.Set("bottomRow", bottomRow)
	root.Set("snapRows", math.Floor(bottomRow/rowHeight)-1)
	root.Set("rightColumn", 1224.0)
	root.Set("backgroundColor", "none")
	root.Set("containerStyle", "none")
	root.Set("type", "CANVAS_WIDGET")
	root.Set("detachFromLayout", true)
	root.Set("canExtend", true)
	root.Set("version", 1.0)
	return root
}
