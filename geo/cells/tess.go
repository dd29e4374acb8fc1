package cells

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
)

// labelFaces returns, for every face of the arrangement, the unit whose cell
// it belongs to (−1 for none).
// Regions below len(regionUnit) are polygon parts of unit regionUnit[r];
// the regions above are parts of the study boundary.
func (t *Tessellation) labelFaces(a *arrangement, regionUnit []int32, siteUnit []int32) []int32 {
	boundaryRegion := int32(len(regionUnit))
	nf := a.nFaces
	nh := int32(len(a.face))
	// Half-edges by face.
	fOff := make([]int32, nf+1)
	for _, f := range a.face {
		fOff[f+1]++
	}
	for i := 1; i <= nf; i++ {
		fOff[i] += fOff[i-1]
	}
	fHe := make([]int32, nh)
	fill := slices.Clone(fOff[:nf])
	for h := range nh {
		f := a.face[h]
		fHe[fill[f]] = h
		fill[f]++
	}
	// Even–odd membership of polygons, by breadth-first search from the
	// unbounded face, which is inside nothing.
	pOff := make([]int32, nf)
	pLen := make([]int32, nf)
	seen := make([]bool, nf)
	var pool []int32
	queue := []int32{0}
	seen[0] = true
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		for _, h := range fHe[fOff[f]:fOff[f+1]] {
			g := a.face[h^1]
			if seen[g] {
				continue
			}
			seen[g] = true
			fr := h >> 1
			start := int32(len(pool))
			pool = xorMerge(pool, pool[pOff[f]:pOff[f]+pLen[f]], a.regs[a.regOff[fr]:a.regOff[fr+1]])
			pOff[g], pLen[g] = start, int32(len(pool))-start
			queue = append(queue, g)
		}
	}
	// Voronoi site of each face: from the Voronoi fragments around it, then
	// carried across other fragments.
	site := make([]int32, nf)
	for i := range site {
		site[i] = -1
	}
	queue = queue[:0]
	for f := range int32(len(a.fa)) {
		if a.vorL[f] < 0 {
			continue
		}
		if l := a.face[2*f]; site[l] < 0 {
			site[l] = a.vorL[f]
			queue = append(queue, l)
		}
		if r := a.face[2*f+1]; site[r] < 0 {
			site[r] = a.vorR[f]
			queue = append(queue, r)
		}
	}
	if len(siteUnit) == 1 {
		for i := range site {
			site[i] = 0
		}
	}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		for _, h := range fHe[fOff[f]:fOff[f+1]] {
			if a.vorL[h>>1] >= 0 {
				continue
			}
			if g := a.face[h^1]; site[g] < 0 {
				site[g] = site[f]
				queue = append(queue, g)
			}
		}
	}
	unit := make([]int32, nf)
	fallback := 0
	for f := range nf {
		unit[f] = -1
		p := pool[pOff[f] : pOff[f]+pLen[f]]
		if f == 0 || len(p) == 0 {
			continue
		}
		if p[0] < boundaryRegion {
			unit[f] = regionUnit[p[0]]
			continue
		}
		if len(siteUnit) == 0 {
			continue
		}
		s := site[f]
		if s < 0 {
			// Not reached through the arrangement (cannot happen for a
			// connected Voronoi diagram): nearest site to a vertex.
			fallback++
			v := a.origin(fHe[fOff[f]])
			x, y := float64(a.vx[v])*t.fr.mpgX, float64(a.vy[v])*t.fr.mpgY
			best := math.Inf(1)
			for si, u := range siteUnit {
				if d := math.Hypot(t.mx[u]-x, t.my[u]-y); d < best {
					best, s = d, int32(si)
				}
			}
		}
		unit[f] = siteUnit[s]
	}
	if fallback > 0 {
		slog.Debug("cells: faces labelled by nearest site", "count", fallback)
	}
	return unit
}

// xorMerge appends to dst the symmetric difference of the sorted sets a and b.
func xorMerge(dst, a, b []int32) []int32 {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			dst = append(dst, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			dst = append(dst, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return dst
}

// buildSubdiv keeps the fragments that separate different units.
func (t *Tessellation) buildSubdiv(a *arrangement, unitOfFace []int32) {
	s := &t.sub
	nf := len(a.fa)
	edgeOf := make([]int32, nf)
	vmap := make([]int32, len(a.vx))
	for i := range vmap {
		vmap[i] = -1
	}
	vid := func(v int32) int32 {
		if vmap[v] < 0 {
			vmap[v] = int32(len(s.vx))
			s.vx = append(s.vx, int32(a.vx[v]))
			s.vy = append(s.vy, int32(a.vy[v]))
		}
		return vmap[v]
	}
	for f := range int32(nf) {
		l, r := unitOfFace[a.face[2*f]], unitOfFace[a.face[2*f+1]]
		if l == r {
			edgeOf[f] = -1
			continue
		}
		edgeOf[f] = int32(len(s.ea))
		s.ea = append(s.ea, vid(a.fa[f]))
		s.eb = append(s.eb, vid(a.fb[f]))
		s.el = append(s.el, l)
		s.er = append(s.er, r)
	}
	nv := len(s.vx)
	s.vOff = make([]int32, nv+1)
	s.vOut = make([]int32, 0, 2*len(s.ea))
	s.pos = make([]int32, 2*len(s.ea))
	// Vertices in first-use order: walk arrangement vertices in order of
	// their new ids.
	order := make([]int32, nv)
	for v, m := range vmap {
		if m >= 0 {
			order[m] = int32(v)
		}
	}
	for nvId, v := range order {
		start := int32(len(s.vOut))
		for _, h := range a.vOut[a.vOff[v]:a.vOff[v+1]] {
			e := edgeOf[h>>1]
			if e < 0 {
				continue
			}
			he := 2*e + h&1
			s.pos[he] = int32(len(s.vOut)) - start
			s.vOut = append(s.vOut, he)
		}
		s.vOff[nvId+1] = int32(len(s.vOut))
	}
}

// buildAdjacency derives unit adjacency; see Adjacency for the rules.
func (t *Tessellation) buildAdjacency(unitSite, siteUnit []int32) {
	n := t.n
	type pair struct{ a, b int32 }
	var pairs []pair
	add := func(a, b int32) {
		if a != b && a >= 0 && b >= 0 {
			pairs = append(pairs, pair{a, b}, pair{b, a})
		}
	}
	s := &t.sub
	for e := range s.ea {
		add(s.el[e], s.er[e])
	}
	// Representative points of all units, merged per grid point.
	type kp struct {
		k uint64
		u int32
	}
	ks := make([]kp, n)
	for i := range n {
		gx, gy := t.mx[i]/t.fr.mpgX, t.my[i]/t.fr.mpgY
		ks[i] = kp{pack(int64(math.Round(gx)), int64(math.Round(gy))), int32(i)}
	}
	slices.SortFunc(ks, func(a, b kp) int {
		if a.k != b.k {
			if a.k < b.k {
				return -1
			}
			return 1
		}
		return int(a.u - b.u)
	})
	var grpOff []int32
	var xs, ys []float64
	for i, e := range ks {
		if i == 0 || ks[i-1].k != e.k {
			grpOff = append(grpOff, int32(i))
			xs = append(xs, t.mx[e.u])
			ys = append(ys, t.my[e.u])
		}
	}
	grpOff = append(grpOff, int32(n))
	members := func(g int32) []kp { return ks[grpOff[g]:grpOff[g+1]] }
	empty := func(u int32) bool {
		a, b := t.cells.polys(int(u))
		return a == b
	}
	// Units at the same point are neighbours.
	for g := range int32(len(xs)) {
		m := members(g)
		for i := range m {
			for j := i + 1; j < len(m); j++ {
				add(m[i].u, m[j].u)
			}
		}
	}
	d := triangulate(xs, ys)
	for _, f := range d.failed { // merged: treat as the same point as its nearest
		best, bi := math.Inf(1), int32(-1)
		for g := range int32(len(xs)) {
			if g == f || slices.Contains(d.failed, g) {
				continue
			}
			if dd := math.Hypot(xs[g]-xs[f], ys[g]-ys[f]); dd < best {
				best, bi = dd, g
			}
		}
		if bi >= 0 {
			for _, x := range members(f) {
				for _, y := range members(bi) {
					add(x.u, y.u)
				}
			}
		}
	}
	gap := t.opt.GapMeters
	boxes := make([]box, n)
	for u := range int32(n) {
		boxes[u] = t.cellBox(u)
	}
	consider := func(g, h int32) {
		for _, x := range members(g) {
			for _, y := range members(h) {
				a, b := x.u, y.u
				if empty(a) || empty(b) {
					add(a, b)
					continue
				}
				if t.isPoint[a] && t.isPoint[b] {
					continue
				}
				// Cells that touch without sharing an edge (corners of a
				// tiling) are not neighbours: only a true gap is bridged.
				if t.gapApart(a, b, boxes[a], boxes[b], gap) {
					add(a, b)
				}
			}
		}
	}
	if len(d.tri) == 0 {
		for k := 0; k+1 < len(d.hull); k++ {
			consider(d.hull[k], d.hull[k+1])
		}
	} else {
		for e := range int32(len(d.tri)) {
			if o := d.half[e]; o == -1 || e < o {
				consider(d.tri[e], d.tri[nextHalf(e)])
			}
		}
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		if x.a != y.a {
			return int(x.a - y.a)
		}
		return int(x.b - y.b)
	})
	pairs = slices.Compact(pairs)
	t.adjOff = make([]int32, n+1)
	t.adj = make([]int32, len(pairs))
	for i, p := range pairs {
		t.adjOff[p.a+1]++
		t.adj[i] = p.b
	}
	for i := 1; i <= n; i++ {
		t.adjOff[i] += t.adjOff[i-1]
	}
}

// gapApart reports whether two cells do not touch (share no vertex of the
// subdivision) but come within limit metres of each other.
func (t *Tessellation) gapApart(a, b int32, ba, bb box, limit float64) bool {
	mx, my := t.fr.mpgX, t.fr.mpgY
	dx := math.Max(0, math.Max(ba.minX-bb.maxX, bb.minX-ba.maxX)) * mx
	dy := math.Max(0, math.Max(ba.minY-bb.maxY, bb.minY-ba.maxY)) * my
	if dx*dx+dy*dy > limit*limit {
		return false
	}
	sh := t.cells
	a0, a1 := sh.polys(int(a))
	b0, b1 := sh.polys(int(b))
	ai0, ai1 := sh.ringOff[sh.polyOff[a0]], sh.ringOff[sh.polyOff[a1]]
	bi0, bi1 := sh.ringOff[sh.polyOff[b0]], sh.ringOff[sh.polyOff[b1]]
	// In a noded subdivision, touching cells share a vertex.
	for i := ai0; i < ai1; i++ {
		for j := bi0; j < bi1; j++ {
			if sh.xs[i] == sh.xs[j] && sh.ys[i] == sh.ys[j] {
				return false
			}
		}
	}
	lim2 := limit * limit
	near := false
	t.ringSegs(a, func(ax, ay, bx, by float64) bool {
		t.ringSegs(b, func(cx, cy, dx, dy float64) bool {
			near = segDist2(ax, ay, bx, by, cx, cy, dx, dy) <= lim2
			return !near
		})
		return !near
	})
	return near
}

// ringSegs calls f with every ring segment of u's cell in metres until f
// returns false.
func (t *Tessellation) ringSegs(u int32, f func(x0, y0, x1, y1 float64) bool) {
	sh := t.cells
	mx, my := t.fr.mpgX, t.fr.mpgY
	p0, p1 := sh.polys(int(u))
	for r := sh.polyOff[p0]; r < sh.polyOff[p1]; r++ {
		lo, hi := sh.ringOff[r], sh.ringOff[r+1]
		for i := lo; i < hi; i++ {
			j := i + 1
			if j == hi {
				j = lo
			}
			if !f(float64(sh.xs[i])*mx, float64(sh.ys[i])*my, float64(sh.xs[j])*mx, float64(sh.ys[j])*my) {
				return
			}
		}
	}
}

// segDist2 is the squared distance between two segments (cells do not
// cross, so only endpoint-to-segment distances matter).
func segDist2(ax, ay, bx, by, cx, cy, dx, dy float64) float64 {
	return math.Min(math.Min(ptSeg2(ax, ay, cx, cy, dx, dy), ptSeg2(bx, by, cx, cy, dx, dy)),
		math.Min(ptSeg2(cx, cy, ax, ay, bx, by), ptSeg2(dx, dy, ax, ay, bx, by)))
}

func ptSeg2(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l := dx*dx + dy*dy
	u := 0.0
	if l > 0 {
		u = ((px-ax)*dx + (py-ay)*dy) / l
		if u < 0 {
			u = 0
		} else if u > 1 {
			u = 1
		}
	}
	ex, ey := px-ax-u*dx, py-ay-u*dy
	return ex*ex + ey*ey
}

// cellBox returns the bounding box of unit u's cell in grid units.
func (t *Tessellation) cellBox(u int32) box {
	sh := t.cells
	b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	p0, p1 := sh.polys(int(u))
	for r := sh.polyOff[p0]; r < sh.polyOff[p1]; r++ {
		for i := sh.ringOff[r]; i < sh.ringOff[r+1]; i++ {
			x, y := float64(sh.xs[i]), float64(sh.ys[i])
			b.minX, b.maxX = math.Min(b.minX, x), math.Max(b.maxX, x)
			b.minY, b.maxY = math.Min(b.minY, y), math.Max(b.maxY, y)
		}
	}
	return b
}

// buildIndex builds the two Locate indexes: an R-tree over the cells of
// polygon units, and a bucket grid over the edges of the subdivision for
// ray casting.
func (t *Tessellation) buildIndex() {
	var ids []int32
	var boxes []box
	for u := range int32(t.n) {
		if t.isPoint[u] {
			continue
		}
		if a, b := t.cells.polys(int(u)); a == b {
			continue
		}
		ids = append(ids, u)
		boxes = append(boxes, t.cellBox(u))
	}
	t.tree = newSTRTree(ids, boxes)
	s := &t.sub
	if len(s.ea) == 0 {
		return
	}
	minX, minY := int64(math.MaxInt64), int64(math.MaxInt64)
	maxX, maxY := int64(math.MinInt64), int64(math.MinInt64)
	for i := range s.vx {
		minX, maxX = min(minX, int64(s.vx[i])), max(maxX, int64(s.vx[i]))
		minY, maxY = min(minY, int64(s.vy[i])), max(maxY, int64(s.vy[i]))
	}
	t.egMaxX, t.egMaxY = maxX, maxY
	t.edges = newSgrid(minX, minY, maxX, maxY, len(s.ea), func(e int) (int64, int64, int64, int64) {
		a, b := s.ea[e], s.eb[e]
		return int64(s.vx[a]), int64(s.vy[a]), int64(s.vx[b]), int64(s.vy[b])
	})
}

// Len returns the number of units (and cells).
func (t *Tessellation) Len() int { return t.n }

// Cell returns unit i's cell in the input coordinates (WGS-84 degrees or
// planar metres): an orb.Polygon, an orb.MultiPolygon when the cell has
// several parts, or nil when the cell is empty or i is out of range. Shells
// are counter-clockwise and holes clockwise; rings are closed; coordinates
// lie on the snap grid, and a cell and its neighbour list their common
// boundary with identical vertices.
func (t *Tessellation) Cell(i int) orb.Geometry {
	if i < 0 || i >= t.n {
		return nil
	}
	return t.geometry(t.cells, i)
}

func (t *Tessellation) geometry(sh *shapes, o int) orb.Geometry {
	p0, p1 := sh.polys(o)
	if p0 == p1 {
		return nil
	}
	mp := make(orb.MultiPolygon, 0, p1-p0)
	for p := p0; p < p1; p++ {
		var poly orb.Polygon
		for r := sh.polyOff[p]; r < sh.polyOff[p+1]; r++ {
			lo, hi := sh.ringOff[r], sh.ringOff[r+1]
			ring := make(orb.Ring, 0, hi-lo+1)
			for i := lo; i < hi; i++ {
				ring = append(ring, t.fr.point(sh.xs[i], sh.ys[i]))
			}
			ring = append(ring, ring[0])
			poly = append(poly, ring)
		}
		mp = append(mp, poly)
	}
	if len(mp) == 1 {
		return mp[0]
	}
	return mp
}

// Adjacency returns, for every unit, the sorted indices of its neighbours.
// The relation is symmetric and irreflexive. Units i and j are neighbours
// when
//
//  1. their cells share a boundary of positive length (exact on the snapped
//     subdivision: tilings of polygons, Voronoi neighbours whose common edge
//     survives clipping, a point cell touching a polygon); or
//  2. they sit on the same grid point; or
//  3. they are Delaunay neighbours in the triangulation of all units'
//     representative points (Unit.Loc, in local metres) and either one of
//     them has an empty cell, or at least one is a polygon unit and their
//     cells are apart by a gap wider than zero and at most
//     Options.GapMeters — so compounds separated by a road still connect,
//     far-apart ones do not, and cells of a tiling that meet only at a
//     corner stay non-adjacent (rook, not queen, contiguity).
//
// A unit can still end up with no neighbour (an island farther than
// GapMeters from everything); callers must allow for that. The result is a
// fresh copy.
func (t *Tessellation) Adjacency() [][]int32 {
	out := make([][]int32, t.n)
	flat := slices.Clone(t.adj)
	for i := range out {
		out[i] = flat[t.adjOff[i]:t.adjOff[i+1]:t.adjOff[i+1]]
	}
	return out
}

// Dissolve merges cells into zones: labels[u] is unit u's zone in
// [0, nzones), or −1 for a unit in no zone. It returns one geometry per
// zone: nil when the zone has no area, otherwise an orb.Polygon or, when
// the zone falls apart into pieces, an orb.MultiPolygon. The output is valid
// in the OGC sense: closed simple rings, shells counter-clockwise and holes
// clockwise (RFC 7946), a hole wherever another zone or unzoned area is
// enclosed, parts and holes touching at most at points, coordinates on the
// snap grid (7 decimals for degrees). Zones built from one labelling tile:
// they never overlap and leave no slivers between them.
func (t *Tessellation) Dissolve(labels []int32, nzones int) ([]orb.Geometry, error) {
	if len(labels) != t.n {
		return nil, fmt.Errorf("cells: dissolve: %d labels for %d units", len(labels), t.n)
	}
	if nzones < 0 {
		return nil, errors.New("cells: dissolve: negative zone count")
	}
	for u, z := range labels {
		if z < -1 || int(z) >= nzones {
			return nil, fmt.Errorf("cells: dissolve: unit %d has zone %d, want -1..%d", u, z, nzones-1)
		}
	}
	s := &t.sub
	hz := make([]int32, 2*len(s.ea))
	zone := func(u int32) int32 {
		if u < 0 {
			return -1
		}
		return labels[u]
	}
	for e := range s.ea {
		zl, zr := zone(s.el[e]), zone(s.er[e])
		hz[2*e], hz[2*e+1] = -1, -1
		if zl != zr {
			hz[2*e], hz[2*e+1] = zl, zr
		}
	}
	sh := s.trace(hz, nzones, true)
	out := make([]orb.Geometry, nzones)
	for z := range nzones {
		out[z] = t.geometry(sh, z)
	}
	return out, nil
}

// Locate returns the unit whose cell contains p (in the input coordinates).
// A point strictly inside a polygon unit's cell is found by an R-tree over
// those cells and an exact point-in-polygon test; otherwise a ray cast
// towards −x through a bucket grid of the subdivision's edges finds the cell
// around p. Cells of point units are their Voronoi cells (in the local
// projection, up to the snap grid), so this is the nearest point unit; it is
// located only within Options.MaxLocateMeters of that unit. A point on the
// boundary between cells goes to the lowest-indexed of them. ok is false
// outside every cell: outside the study boundary, or in a gap between
// polygon units when there are no point units. Locate does not allocate and
// is safe for concurrent use; its answers agree exactly with the cells and
// with the zones of Dissolve.
func (t *Tessellation) Locate(p orb.Point) (unit int, ok bool) {
	if !finite(p[0]) || !finite(p[1]) {
		return -1, false
	}
	gx, gy := t.fr.grid(p)
	if math.Abs(gx) > 2*maxExtent || math.Abs(gy) > 2*maxExtent {
		return -1, false
	}
	best := int32(-1)
	var st stabbing
	st.reset(t.tree, gx, gy)
	for u := st.next(); u >= 0; u = st.next() {
		if in, on := t.inCell(u, gx, gy); in && !on {
			best = u
			break
		}
	}
	if best < 0 {
		best = t.rayLocate(gx, gy)
	}
	if best < 0 {
		return -1, false
	}
	if t.isPoint[best] {
		dx, dy := gx*t.fr.mpgX-t.mx[best], gy*t.fr.mpgY-t.my[best]
		if math.Hypot(dx, dy) > t.opt.MaxLocateMeters {
			return -1, false
		}
	}
	return int(best), true
}

// rayLocate finds the cell around (x, y) (grid units) from the first
// subdivision edge met by a ray towards −x just above the point; on an edge
// or vertex it returns the lowest unit there.
func (t *Tessellation) rayLocate(x, y float64) int32 {
	s := &t.sub
	if len(s.ea) == 0 {
		return -1
	}
	sg := t.edges
	g := &sg.g
	if x < float64(g.x0) || y < float64(g.y0) || x > float64(t.egMaxX) || y > float64(t.egMaxY) {
		return -1
	}
	r := g.row(int64(math.Floor(y)))
	c := int32(g.col(int64(math.Floor(x))))
	lo, hi := sg.rowOff[r], sg.rowOff[r+1]
	// Last non-empty bucket of the row at or left of column c.
	k := lo + int32(sort.Search(int(hi-lo), func(i int) bool { return sg.gcol[lo+int32(i)] > c })) - 1
	best := int32(-1)
	bestX := math.Inf(-1)
	var bestSlope float64
	for ; k >= lo; k-- {
		if best >= 0 && bestX >= float64(g.x0+int64(sg.gcol[k]+1)*g.size) {
			break // nothing further left can be nearer
		}
		for _, e := range sg.items[sg.gOff[k]:sg.gOff[k+1]] {
			a, b := s.ea[e], s.eb[e]
			x1, y1 := float64(s.vx[a]), float64(s.vy[a])
			x2, y2 := float64(s.vx[b]), float64(s.vy[b])
			if (x1 == x && y1 == y) || (x2 == x && y2 == y) {
				return t.lowestAt(e, x, y)
			}
			if y1 == y2 {
				if y1 == y && x >= math.Min(x1, x2) && x <= math.Max(x1, x2) {
					return t.lowestAt(e, x, y)
				}
				continue
			}
			if y1 > y2 {
				x1, y1, x2, y2 = x2, y2, x1, y1
			}
			if !(y1 <= y && y < y2) {
				continue
			}
			slope := (x2 - x1) / (y2 - y1)
			xi := x1 + (y-y1)*slope
			if xi > x {
				continue
			}
			if xi == x {
				return t.lowestAt(e, x, y)
			}
			if xi > bestX || (xi == bestX && slope > bestSlope) {
				best, bestX, bestSlope = e, xi, slope
			}
		}
	}
	if best < 0 {
		return -1
	}
	// The side of the edge that faces +x: right of an upward edge, left of
	// a downward one.
	if s.vy[s.eb[best]] > s.vy[s.ea[best]] {
		return s.er[best]
	}
	return s.el[best]
}

// lowestAt returns the lowest unit on either side of edge e, or around its
// endpoint when (x, y) is that endpoint.
func (t *Tessellation) lowestAt(e int32, x, y float64) int32 {
	s := &t.sub
	lowest := func(a, b int32) int32 {
		switch {
		case a < 0:
			return b
		case b < 0:
			return a
		}
		return min(a, b)
	}
	for _, v := range [2]int32{s.ea[e], s.eb[e]} {
		if float64(s.vx[v]) == x && float64(s.vy[v]) == y {
			u := int32(-1)
			for _, h := range s.vOut[s.vOff[v]:s.vOff[v+1]] {
				u = lowest(u, lowest(s.el[h>>1], s.er[h>>1]))
			}
			return u
		}
	}
	return lowest(s.el[e], s.er[e])
}

// inCell reports whether (x, y), in grid units, lies in unit u's cell, and
// whether it lies on the cell's boundary.
func (t *Tessellation) inCell(u int32, x, y float64) (in, on bool) {
	sh := t.cells
	p0, p1 := sh.polys(int(u))
	for r := sh.polyOff[p0]; r < sh.polyOff[p1]; r++ {
		lo, hi := sh.ringOff[r], sh.ringOff[r+1]
		x1, y1 := float64(sh.xs[hi-1]), float64(sh.ys[hi-1])
		for i := lo; i < hi; i++ {
			x2, y2 := float64(sh.xs[i]), float64(sh.ys[i])
			if (y1 > y) != (y2 > y) {
				c := (x2-x1)*(y-y1) - (y2-y1)*(x-x1)
				if c == 0 {
					return true, true
				}
				if (c > 0) == (y2 > y1) {
					in = !in
				}
			} else if y1 == y && y2 == y && x >= math.Min(x1, x2) && x <= math.Max(x1, x2) {
				return true, true
			} else if (x == x1 && y == y1) || (x == x2 && y == y2) {
				return true, true
			}
			x1, y1 = x2, y2
		}
	}
	return in, false
}

// metres returns p in the local projection (metres from the origin).
func (t *Tessellation) metres(p orb.Point) (float64, float64) {
	gx, gy := t.fr.grid(p)
	return gx * t.fr.mpgX, gy * t.fr.mpgY
}
