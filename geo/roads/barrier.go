package roads

import (
	"math"

	"github.com/tidwall/rtree"

	"catchment/geo"
)

// Barrier crossings (see the package doc). The importer collects barrier
// lines — river and canal centre lines, water-area outlines, railways and
// motorways that are not in a tunnel — and flags every walkable edge that
// crosses one, with the fraction of the edge at which it does:
//
//   - geometrically, where the edge's segment crosses a barrier segment
//     that has no vertex on it (a bridge over, a tunnel under);
//   - topologically, at a node lying on a barrier vertex (shared, or at the
//     same position) with walkable edges strictly on both of its sides, or
//     on its left side and along it (an at-grade level crossing, a ford, a
//     bridge glued to a riverbank): the edges leaving it into the barrier's
//     left side — the left of the line's direction, the interior of a water
//     area (outlines are oriented counter-clockwise) — are flagged;
//   - likewise where a barrier vertex lies inside an edge's segment: the
//     edge is flagged when it passes from the left of the barrier there to
//     its right or along it, or back.
//
// A walk node lying exactly on a barrier segment (not a vertex) counts as
// on its right side. Together (FuzzBarrierSeparates checks it on exact
// grids), a walkable polyline going from one side of a barrier to the other
// has at least one flagged edge however its nodes fall on the barrier, and
// an edge that does not touch a barrier is never flagged; an edge running
// along a barrier (collinear, or from one of its nodes to the next) and a
// path touching a barrier node from one side only are not flagged. An edge
// crossing several barriers (a river's centre line and both banks of its
// area) is flagged once. Approximations remain where a walk meets a barrier
// without crossing it: at a level crossing that is also a street junction,
// where a path follows a railway's or river's nodes and leaves them to the
// left, or touches a barrier segment between its vertices from the left,
// walking between two left-side edges passes flagged edges although it
// does not cross. A barrier split into ways that meet head to head has no
// consistent left side at the join.
//
// Each flagged edge also records the kinds (geo.BarrierKind: water,
// railway, motorway) of the barriers it crosses: the OR of the kinds of
// every barrier segment it crosses geometrically and of every barrier
// whose sector decided a crossing at a vertex, so an edge flagged for
// crossing a river and a railway at once carries both bits, and every
// flagged edge carries at least one.
//
// All geometry is exact integer arithmetic on the 1e-7° coordinates of
// the extract (a float fallback only for segments spanning over 200°).

// sector is the side of a barrier at one of its vertices: the directions
// strictly counter-clockwise from r1 to r2 (r1 the ray to the next vertex,
// r2 the ray to the previous one, so the sector is the line's left side),
// and the kind of the barrier it belongs to.
type sector struct {
	r1, r2 [2]int64
	kind   geo.BarrierKind
}

// barrierIndex is the importer's scratch for marking barrier edges.
type barrierIndex struct {
	lon, lat []int32 // raw node coordinates (the rawOSM's)
	tree     rtree.RTreeGN[float64, int32]
	segA     []int32 // segment s joins raw nodes segA[s]–segB[s]
	segB     []int32
	segKind  []geo.BarrierKind   // segment s belongs to a barrier of kind segKind[s]
	sectors  map[uint64][]sector // by packed coordinate of the vertex
}

func packCoord(lon, lat int32) uint64 { return uint64(uint32(lon))<<32 | uint64(uint32(lat)) }

// cross returns the sign of the cross product a × b (−1, 0, 1), exactly
// when the components fit in 31 bits (always for city-scale geometry).
func cross(ax, ay, bx, by int64) int {
	const lim = 1 << 31
	if ax > -lim && ax < lim && ay > -lim && ay < lim && bx > -lim && bx < lim && by > -lim && by < lim {
		l, r := ax*by, ay*bx
		switch {
		case l > r:
			return 1
		case l < r:
			return -1
		}
		return 0
	}
	v := float64(ax)*float64(by) - float64(ay)*float64(bx)
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// along reports whether direction d points along ray r.
func along(r, d [2]int64) bool {
	return cross(r[0], r[1], d[0], d[1]) == 0 && float64(r[0])*float64(d[0])+float64(r[1])*float64(d[1]) > 0
}

// sideOf returns 1 when direction d lies strictly inside sector s (the
// barrier's left), −1 strictly outside it (the right) and 0 along one of
// its rays, for a zero direction or a degenerate sector.
func sideOf(s sector, d [2]int64) int {
	r1, r2 := s.r1, s.r2
	c12 := cross(r1[0], r1[1], r2[0], r2[1])
	switch {
	case d == [2]int64{} || along(r1, d) || along(r2, d):
		return 0
	case c12 == 0 && float64(r1[0])*float64(r2[0])+float64(r1[1])*float64(r2[1]) >= 0: // a spike
		return 0
	case c12 > 0: // convex sector
		if cross(r1[0], r1[1], d[0], d[1]) > 0 && cross(d[0], d[1], r2[0], r2[1]) > 0 {
			return 1
		}
		return -1
	}
	// Straight or reflex: inside unless in the complement (CCW from r2 to r1).
	if cross(r2[0], r2[1], d[0], d[1]) >= 0 && cross(d[0], d[1], r1[0], r1[1]) >= 0 {
		return -1
	}
	return 1
}

// kindsAt returns the kinds of the barrier sectors selected by the bit
// mask (as returned by sides) at the vertex at packed coordinate k.
func (bi *barrierIndex) kindsAt(k uint64, mask uint8) geo.BarrierKind {
	var out geo.BarrierKind
	for i, s := range bi.sectors[k] {
		if i == maxSectors {
			break
		}
		if mask&(1<<i) != 0 {
			out |= s.kind
		}
	}
	return out
}

// maxSectors bounds the barrier sectors considered at one vertex (bits of
// the side masks).
const maxSectors = 8

// sides returns, for direction d leaving the vertex at packed coordinate k,
// a bit per barrier sector there: in when d is strictly on its left, out
// when strictly on its right or along one of its rays (a walk that follows
// the barrier's nodes may have come from its right side: a path along a
// riverbank outline that turns onto a bridge crosses the river).
func (bi *barrierIndex) sides(k uint64, d [2]int64) (in, out uint8) {
	for i, s := range bi.sectors[k] {
		if i == maxSectors {
			break
		}
		switch {
		case sideOf(s, d) == 1:
			in |= 1 << i
		case sideOf(s, d) == -1 || along(s.r1, d) || along(s.r2, d):
			out |= 1 << i
		}
	}
	return in, out
}

// newBarrierIndex resolves the barrier ways of r (find maps an OSM node id
// to its raw index, −1 when missing) into segments in an R-tree and vertex
// sectors. A missing node splits a line; only a complete closed outline
// is an area.
func newBarrierIndex(r *rawOSM, find func(int64) int) *barrierIndex {
	bi := &barrierIndex{lon: r.lonE7, lat: r.latE7, sectors: map[uint64][]sector{}}
	// Rays of open line ends, paired below: [0] is the ray of a way
	// starting there (to its next vertex), [1] of a way ending there (to
	// its previous vertex).
	type endRay struct {
		r    [2]int64
		kind geo.BarrierKind
	}
	ends := map[uint64][2][]endRay{}
	ray := func(from, to int32) [2]int64 {
		return [2]int64{int64(bi.lon[to]) - int64(bi.lon[from]), int64(bi.lat[to]) - int64(bi.lat[from])}
	}
	key := func(i int32) uint64 { return packCoord(bi.lon[i], bi.lat[i]) }
	var run []int32
	addRun := func(shape barrierKind, kind geo.BarrierKind, whole bool) {
		if len(run) < 2 {
			return
		}
		closed := whole && len(run) >= 4 && key(run[0]) == key(run[len(run)-1])
		if closed && shape == barrierArea {
			// Orient counter-clockwise so the interior is on the left.
			var a2 float64
			x0, y0 := float64(bi.lon[run[0]]), float64(bi.lat[run[0]])
			for i := 1; i+1 < len(run); i++ {
				x1, y1 := float64(bi.lon[run[i]])-x0, float64(bi.lat[run[i]])-y0
				x2, y2 := float64(bi.lon[run[i+1]])-x0, float64(bi.lat[run[i+1]])-y0
				a2 += x1*y2 - x2*y1
			}
			if a2 < 0 {
				for i, j := 0, len(run)-1; i < j; i, j = i+1, j-1 {
					run[i], run[j] = run[j], run[i]
				}
			}
		}
		for i := 0; i+1 < len(run); i++ {
			a, b := run[i], run[i+1]
			bi.tree.Insert(
				[2]float64{float64(min(bi.lon[a], bi.lon[b])), float64(min(bi.lat[a], bi.lat[b]))},
				[2]float64{float64(max(bi.lon[a], bi.lon[b])), float64(max(bi.lat[a], bi.lat[b]))},
				int32(len(bi.segA)))
			bi.segA = append(bi.segA, a)
			bi.segB = append(bi.segB, b)
			bi.segKind = append(bi.segKind, kind)
		}
		m := len(run)
		if closed {
			m-- // the last vertex repeats the first
			for i := range m {
				v := run[i]
				bi.sectors[key(v)] = append(bi.sectors[key(v)], sector{ray(v, run[i+1]), ray(v, run[(i+m-1)%m]), kind})
			}
			return
		}
		for i := 1; i+1 < m; i++ {
			v := run[i]
			bi.sectors[key(v)] = append(bi.sectors[key(v)], sector{ray(v, run[i+1]), ray(v, run[i-1]), kind})
		}
		if shape != barrierLink { // a link's ends meet the streets it serves
			e := ends[key(run[0])]
			e[0] = append(e[0], endRay{ray(run[0], run[1]), kind})
			ends[key(run[0])] = e
			e = ends[key(run[m-1])]
			e[1] = append(e[1], endRay{ray(run[m-1], run[m-2]), kind})
			ends[key(run[m-1])] = e
		}
	}
	for w, shape := range r.barKind {
		kind := r.barWhat[w]
		run = run[:0]
		whole := true
		for _, id := range r.barRefs[r.barStart[w]:r.barStart[w+1]] {
			i := find(id)
			if i < 0 {
				addRun(shape, kind, false)
				run, whole = run[:0], false
				continue
			}
			if n := len(run); n > 0 && key(run[n-1]) == key(int32(i)) {
				continue // a repeated position is no segment
			}
			run = append(run, int32(i))
		}
		addRun(shape, kind, whole)
	}
	// Two line ends meeting at a vertex (a river or railway split into
	// ways) continue the line there; when one way ends where the next
	// starts, its left is that of both ways, consistently along the line.
	for k, e := range ends {
		switch all := append(append([]endRay(nil), e[0]...), e[1]...); {
		case len(all) != 2:
		case len(e[0]) == 1:
			bi.sectors[k] = append(bi.sectors[k], sector{e[0][0].r, e[1][0].r, all[0].kind | all[1].kind})
		default: // head to head or tail to tail: no common direction
			bi.sectors[k] = append(bi.sectors[k], sector{all[0].r, all[1].r, all[0].kind | all[1].kind})
		}
	}
	return bi
}

// endSides is how an edge leaves its end points that lie on barrier
// vertices: bit i of inP/outP is set when the edge leaves p strictly left
// / right of the i-th barrier sector there; likewise at q.
type endSides struct{ inP, outP, inQ, outQ uint8 }

// crossing returns where the segment from raw node p to raw node q crosses
// a barrier segment geometrically, as a fraction of the way from p (the
// crossing nearest the middle when there are several), and whether it
// does, the kinds of every barrier it crosses there (geometrically or
// through a barrier vertex inside it), and how the segment leaves any
// barrier vertex it starts or ends on.
func (bi *barrierIndex) crossing(p, q int32) (t float64, ok bool, kinds geo.BarrierKind, es endSides) {
	px, py := int64(bi.lon[p]), int64(bi.lat[p])
	qx, qy := int64(bi.lon[q]), int64(bi.lat[q])
	dx, dy := qx-px, qy-py
	best := math.Inf(1)
	consider := func(f float64) {
		if f = math.Min(math.Max(f, 0), 1); math.Abs(f-0.5) < best {
			best, t, ok = math.Abs(f-0.5), f, true
		}
	}
	var sharedP, sharedQ bool
	var inner [][2]int64 // barrier vertices strictly inside the segment
	// strictlyInside reports whether (x, y) lies on the open segment p–q.
	strictlyInside := func(x, y int64) bool {
		if cross(dx, dy, x-px, y-py) != 0 {
			return false
		}
		along := float64(x-px)*float64(dx) + float64(y-py)*float64(dy)
		return along > 0 && along < float64(dx)*float64(dx)+float64(dy)*float64(dy)
	}
	bi.tree.Search(
		[2]float64{float64(min(px, qx)), float64(min(py, qy))},
		[2]float64{float64(max(px, qx)), float64(max(py, qy))},
		func(_, _ [2]float64, s int32) bool {
			a, b := bi.segA[s], bi.segB[s]
			ax, ay := int64(bi.lon[a]), int64(bi.lat[a])
			bx, by := int64(bi.lon[b]), int64(bi.lat[b])
			pa, pb := px == ax && py == ay, px == bx && py == by
			qa, qb := qx == ax && qy == ay, qx == bx && qy == by
			aIn, bIn := strictlyInside(ax, ay), strictlyInside(bx, by)
			if aIn {
				inner = append(inner, [2]int64{ax, ay})
			}
			if bIn {
				inner = append(inner, [2]int64{bx, by})
			}
			if pa || pb || qa || qb || aIn || bIn { // a vertex on the segment: decided by its sectors
				sharedP = sharedP || pa || pb
				sharedQ = sharedQ || qa || qb
				return true
			}
			// Points on a line count as on its right (side false).
			ex, ey := bx-ax, by-ay
			if (cross(ex, ey, px-ax, py-ay) > 0) == (cross(ex, ey, qx-ax, qy-ay) > 0) {
				return true
			}
			if (cross(dx, dy, ax-px, ay-py) > 0) == (cross(dx, dy, bx-px, by-py) > 0) {
				return true
			}
			// Fraction along p→q: ((a − p) × e) / (d × e).
			num := float64(ax-px)*float64(ey) - float64(ay-py)*float64(ex)
			den := float64(dx)*float64(ey) - float64(dy)*float64(ex)
			if den != 0 {
				consider(num / den)
			} else {
				consider(0.5)
			}
			kinds |= bi.segKind[s]
			return true
		})
	// A barrier vertex inside the segment is passed through: crossed when
	// one way is left of the barrier there and the other right of or along
	// it (as at a walkable node, see markBarriers).
	for _, v := range inner {
		k := packCoord(int32(v[0]), int32(v[1]))
		inA, outA := bi.sides(k, [2]int64{px - v[0], py - v[1]})
		inB, outB := bi.sides(k, [2]int64{qx - v[0], qy - v[1]})
		if m := inA&outB | inB&outA; m != 0 {
			kinds |= bi.kindsAt(k, m)
			consider((float64(v[0]-px)*float64(dx) + float64(v[1]-py)*float64(dy)) / (float64(dx)*float64(dx) + float64(dy)*float64(dy)))
		}
	}
	if sharedP {
		es.inP, es.outP = bi.sides(packCoord(bi.lon[p], bi.lat[p]), [2]int64{dx, dy})
	}
	if sharedQ {
		es.inQ, es.outQ = bi.sides(packCoord(bi.lon[q], bi.lat[q]), [2]int64{-dx, -dy})
	}
	return t, ok, kinds, es
}

// markBarriers flags (edgeBarrier in eflag) every walkable edge eu[e]–ev[e]
// (graph nodes before component filtering; rawOf maps them to raw nodes)
// that crosses a barrier and returns, per edge, where (fraction from eu)
// and the kinds of the barriers crossed (non-empty exactly on flagged
// edges).
func markBarriers(r *rawOSM, find func(int64) int, eu, ev []int32, eflag []uint8, rawOf []int32) ([]float32, []geo.BarrierKind) {
	bi := newBarrierIndex(r, find)
	cut := make([]float32, len(eu))
	kinds := make([]geo.BarrierKind, len(eu))
	touch := map[int32]endSides{} // edges with an end on a barrier vertex
	out := map[int32]uint8{}      // node → sectors with an edge strictly on their right
	for e := range eu {
		t, ok, k, es := bi.crossing(rawOf[eu[e]], rawOf[ev[e]])
		if ok {
			eflag[e] |= edgeBarrier
			cut[e] = float32(t)
			kinds[e] = k
		}
		if es != (endSides{}) {
			touch[int32(e)] = es
			out[eu[e]] |= es.outP
			out[ev[e]] |= es.outQ
		}
	}
	// A node on a barrier is crossed only when walkable edges leave it on
	// both sides; then the left ones are flagged, at that end.
	for e, es := range touch {
		mP, mQ := es.inP&out[eu[e]], es.inQ&out[ev[e]]
		atP, atQ := mP != 0, mQ != 0
		if !atP && !atQ {
			continue
		}
		if atP {
			p := rawOf[eu[e]]
			kinds[e] |= bi.kindsAt(packCoord(bi.lon[p], bi.lat[p]), mP)
		}
		if atQ {
			q := rawOf[ev[e]]
			kinds[e] |= bi.kindsAt(packCoord(bi.lon[q], bi.lat[q]), mQ)
		}
		t := float32(0)
		if !atP {
			t = 1
		}
		if eflag[e]&edgeBarrier == 0 || math.Abs(float64(t)-0.5) < math.Abs(float64(cut[e])-0.5) {
			cut[e] = t
		}
		eflag[e] |= edgeBarrier
	}
	return cut, kinds
}
