package geo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"catchment/data"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// DefaultCellMeters is the side of the automatic grid cells households fall
// into when neither a unit_id nor a unit polygon places them (FORMATS.md).
const DefaultCellMeters = 250.0

// Aggregator turns a stream of household points into residential units,
// following FORMATS.md "Household points". A household goes
//
//  1. to the unit named by its UnitID, if it has one;
//  2. else to the unit polygon that contains its location, boundary
//     included; when several do (shared edges, overlaps) the unit with the
//     lowest index wins;
//  3. else to a square grid cell of cellMeters in a LocalProjection: a new
//     point unit with ID "cell_<i>_<j>" (i east, j north: the floor of the
//     projected coordinate over the cell size), Name "grid cell <i>/<j>",
//     Loc the mean of its households' locations (taken in the projection),
//     Area urban and no outline. Should a given unit already use that ID,
//     "_grid" is appended until it is unique.
//
// Only Polygon and MultiPolygon units match by location; point units
// receive households through UnitID only. Containment is tested in the
// data's own coordinates (degrees or metres), which at unit scale is exact
// enough and keeps the test identical to what a map shows.
//
// Counting rule: when households are supplied they are the only source of
// pupils. NewAggregator resets every unit's Pupils, Migrants and Households
// to zero, and each household adds its children per stage to Pupils, all of
// them to Migrants as well when it is a migrant household, and 1 to
// Households. A unit no household maps to therefore ends with zero pupils.
//
// The grid is anchored at a LocalProjection centred on the bounds of the
// units' locations and outlines, or, without units, on the first household
// location seen; the same households in the same order always give the same
// cells. Memory grows with the number of units and cells, not households.
// An Aggregator is not safe for concurrent use.
type Aggregator struct {
	units    []data.Unit
	byID     map[string]int
	polys    rtree.RTreeG[int32]
	hasPolys bool
	planar   bool
	cellSize float64
	proj     LocalProjection
	projSet  bool
	cells    map[[2]int64]int32
	acc      []cellAcc
	stats    AggregateStats
}

// cellAcc accumulates one grid cell.
type cellAcc struct {
	i, j       int64
	sx, sy     float64 // sums of projected household locations
	pupils     [data.NumStages]int
	migrants   [data.NumStages]int
	households int
}

// AggregateStats counts how the households accepted so far were placed;
// ByUnitID + ByPolygon + ByCell is the number of successful Adds.
type AggregateStats struct {
	// ByUnitID counts households placed by their unit_id, ByPolygon those
	// placed by a containing unit polygon, ByCell those put in grid cells.
	ByUnitID, ByPolygon, ByCell int
	// Cells is the number of grid cells created.
	Cells int
}

// NewAggregator prepares to aggregate households into copies of units
// (WGS-84 degrees, or planar metres when planar is true). cellMeters is the
// grid cell side; ≤ 0, NaN or infinite means DefaultCellMeters. Units with
// duplicate IDs are kept, and a UnitID names the first of them.
func NewAggregator(units []data.Unit, planar bool, cellMeters float64) *Aggregator {
	if !(cellMeters > 0) || math.IsInf(cellMeters, 0) {
		cellMeters = DefaultCellMeters
	}
	a := &Aggregator{
		units:    slices.Clone(units),
		byID:     make(map[string]int, len(units)),
		planar:   planar,
		cellSize: cellMeters,
		cells:    make(map[[2]int64]int32),
	}
	bound := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for i := range a.units {
		u := &a.units[i]
		u.Pupils = [data.NumStages]int{}
		u.Migrants = [data.NumStages]int{}
		u.Households = 0
		if _, dup := a.byID[u.ID]; !dup {
			a.byID[u.ID] = i
		}
		if finitePoint(u.Loc) {
			bound = bound.Extend(u.Loc)
		}
		switch u.Geom.(type) {
		case orb.Polygon, orb.MultiPolygon:
			b := u.Geom.Bound()
			if finitePoint(b.Min) && finitePoint(b.Max) {
				a.polys.Insert(b.Min, b.Max, int32(i))
				a.hasPolys = true
				bound = bound.Union(b)
			}
		}
	}
	if bound.Min[0] <= bound.Max[0] {
		a.setProjection(bound.Center())
	}
	return a
}

func (a *Aggregator) setProjection(center orb.Point) {
	a.proj = NewLocalProjection(center, a.planar)
	a.projSet = true
}

// Projection returns the projection the grid is laid out in, and whether it
// has been fixed yet (it is fixed by NewAggregator when units are given,
// else by the first household placed in a cell).
func (a *Aggregator) Projection() (LocalProjection, bool) { return a.proj, a.projSet }

// Add places one household. It fails, leaving every count unchanged, on
// negative children, an unknown UnitID, a location that is not finite when
// no UnitID is given, or a count overflow.
func (a *Aggregator) Add(h data.Household) error {
	if h.Primary < 0 || h.Junior < 0 {
		return fmt.Errorf("household at %v: negative children (primary %d, junior %d)", h.Loc, h.Primary, h.Junior)
	}
	kids := [data.NumStages]int{h.Primary, h.Junior}
	if h.UnitID != "" {
		i, ok := a.byID[h.UnitID]
		if !ok {
			return fmt.Errorf("household at %v: unknown unit_id %q", h.Loc, h.UnitID)
		}
		u := &a.units[i]
		if err := add(&u.Pupils, &u.Migrants, &u.Households, kids, h.Migrant); err != nil {
			return fmt.Errorf("household at %v, unit %q: %w", h.Loc, h.UnitID, err)
		}
		a.stats.ByUnitID++
		return nil
	}
	if !finitePoint(h.Loc) {
		return fmt.Errorf("household at %v: location is not a finite number and no unit_id is given", h.Loc)
	}
	if i := a.containing(h.Loc); i >= 0 {
		u := &a.units[i]
		if err := add(&u.Pupils, &u.Migrants, &u.Households, kids, h.Migrant); err != nil {
			return fmt.Errorf("household at %v, unit %q: %w", h.Loc, u.ID, err)
		}
		a.stats.ByPolygon++
		return nil
	}
	if !a.projSet {
		a.setProjection(h.Loc)
	}
	q := a.proj.Forward(h.Loc)
	ci, cj := math.Floor(q[0]/a.cellSize), math.Floor(q[1]/a.cellSize)
	if !(math.Abs(ci) < 1<<53 && math.Abs(cj) < 1<<53) {
		return fmt.Errorf("household at %v: too far from the grid origin %v", h.Loc, a.proj.Center())
	}
	key := [2]int64{int64(ci), int64(cj)}
	k, ok := a.cells[key]
	if !ok {
		k = int32(len(a.acc))
		a.acc = append(a.acc, cellAcc{i: key[0], j: key[1]})
	}
	c := &a.acc[k]
	if err := add(&c.pupils, &c.migrants, &c.households, kids, h.Migrant); err != nil {
		if !ok {
			a.acc = a.acc[:k]
		}
		return fmt.Errorf("household at %v, grid cell %d,%d: %w", h.Loc, key[0], key[1], err)
	}
	if !ok {
		a.cells[key] = k
		a.stats.Cells++
	}
	c.sx += q[0]
	c.sy += q[1]
	a.stats.ByCell++
	return nil
}

var errOverflow = errors.New("children count overflows")

// add adds one household to counters, all or nothing.
func add(pupils, migrants *[data.NumStages]int, households *int, kids [data.NumStages]int, migrant bool) error {
	for st := range data.NumStages {
		if pupils[st] > math.MaxInt-kids[st] {
			return errOverflow
		}
	}
	for st := range data.NumStages {
		pupils[st] += kids[st]
		if migrant {
			migrants[st] += kids[st]
		}
	}
	*households++
	return nil
}

// containing returns the lowest index of a polygon unit containing p
// (boundary included), or -1.
func (a *Aggregator) containing(p orb.Point) int {
	if !a.hasPolys {
		return -1
	}
	best := int32(-1)
	a.polys.Search(p, p, func(_, _ [2]float64, i int32) bool {
		if (best < 0 || i < best) && polygonalContains(a.units[i].Geom, p) {
			best = i
		}
		return true
	})
	return int(best)
}

// Stats reports how the households added so far were placed.
func (a *Aggregator) Stats() AggregateStats { return a.stats }

// Units returns the aggregated units: copies of the units given to
// NewAggregator, in their order, with counts from the households, followed
// by one point unit per grid cell, ordered by cell (i, then j). It may be
// called at any time; later Adds do not change a returned slice.
func (a *Aggregator) Units() []data.Unit {
	out := make([]data.Unit, 0, len(a.units)+len(a.acc))
	out = append(out, a.units...)
	cells := slices.Clone(a.acc)
	slices.SortFunc(cells, func(x, y cellAcc) int { return cmp.Or(cmp.Compare(x.i, y.i), cmp.Compare(x.j, y.j)) })
	for _, c := range cells {
		id := "cell_" + strconv.FormatInt(c.i, 10) + "_" + strconv.FormatInt(c.j, 10)
		for {
			if _, taken := a.byID[id]; !taken {
				break
			}
			id += "_grid"
		}
		n := float64(c.households)
		out = append(out, data.Unit{
			ID:         id,
			Name:       "grid cell " + strconv.FormatInt(c.i, 10) + "/" + strconv.FormatInt(c.j, 10),
			Area:       data.Urban,
			Loc:        a.proj.Inverse(orb.Point{c.sx / n, c.sy / n}),
			Pupils:     c.pupils,
			Migrants:   c.migrants,
			Households: c.households,
		})
	}
	return out
}

// polygonalContains reports whether p lies in the Polygon or MultiPolygon g,
// boundary included (holes' boundaries too: the polygon is a closed set).
func polygonalContains(g orb.Geometry, p orb.Point) bool {
	switch t := g.(type) {
	case orb.Polygon:
		return polygonContains(t, p)
	case orb.MultiPolygon:
		for _, poly := range t {
			if polygonContains(poly, p) {
				return true
			}
		}
	}
	return false
}

func polygonContains(poly orb.Polygon, p orb.Point) bool {
	if len(poly) == 0 {
		return false
	}
	in, on := ringContains(poly[0], p)
	if on {
		return true
	}
	if !in {
		return false
	}
	for _, hole := range poly[1:] {
		in, on := ringContains(hole, p)
		if on {
			return true
		}
		if in {
			return false
		}
	}
	return true
}

// ringContains is the crossing-number test with an exact on-edge check.
// The ring may be open or closed. Both the on-edge check and the crossing
// abscissa order each edge's endpoints canonically, so an edge shared by two
// rings (in either direction) is computed identically for both: a point
// near a shared edge is inside exactly one of the two, never neither.
func ringContains(r orb.Ring, p orb.Point) (in, on bool) {
	n := len(r)
	if n == 0 {
		return false, false
	}
	for i := range n {
		a, b := r[i], r[(i+1)%n]
		if onSegment(a, b, p) {
			return false, true
		}
		if (a[1] > p[1]) != (b[1] > p[1]) {
			if a[1] > b[1] {
				a, b = b, a // same arithmetic for an edge shared in reverse
			}
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	return in, false
}

func onSegment(a, b, p orb.Point) bool {
	if b[0] < a[0] || (b[0] == a[0] && b[1] < a[1]) {
		a, b = b, a
	}
	if p[0] < a[0] || p[0] > b[0] || p[1] < math.Min(a[1], b[1]) || p[1] > math.Max(a[1], b[1]) {
		return false
	}
	return (b[0]-a[0])*(p[1]-a[1])-(b[1]-a[1])*(p[0]-a[0]) == 0
}
