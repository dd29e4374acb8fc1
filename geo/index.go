package geo

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
)

// lowerBoundSlack scales planar distances in a LocalProjection down so that
// they are provable lower bounds of Geodesic distances: the projection never
// lengthens a distance, and Geodesic is within 4·10⁻⁵ of the true ellipsoid
// distance except for nearly antipodal pairs (tests hold it to 4·10⁻⁵).
const lowerBoundSlack = 1 - 1e-4

// leafSize is the largest number of points in a k-d tree leaf.
const leafSize = 8

// PointIndex is a static spatial index over points identified by their
// position in the slice given to NewPointIndex. It answers nearest-neighbour
// and radius queries with distances in the straight-line metric of the data
// (Geodesic for WGS-84 degrees, Euclidean for planar metres). Every result
// lists neighbours in exactly non-decreasing distance by that metric, ties
// broken by ascending ID, and each Meters equals what that metric's Meters
// method returns for (query, point).
//
// Internally it is a k-d tree on flat slices over the points in a
// LocalProjection around the centre of their bounds. Projected distances,
// shrunk by 10⁻⁴, bound true distances from below, and every candidate that
// survives the bound is measured exactly, so the order is exact, not that of
// the projection. (The one caveat: for nearly antipodal pairs, 19,000 km and
// more, Geodesic falls back to an approximation whose error may exceed the
// bound's slack; no city or country has such pairs.)
//
// A PointIndex is immutable after construction and safe for concurrent
// readers; queries do not allocate beyond the dst slices they are given.
type PointIndex struct {
	pts    []orb.Point // as given, by id
	planar bool
	proj   LocalProjection
	// Tree order: the points of node n are xs/ys/ids[n.lo:n.hi].
	xs, ys []float64
	ids    []int32
	nodes  []kdNode
	pool   sync.Pool
}

// kdNode is a k-d tree node: a bounding box of its projected points and
// either two children (left ≥ 0) or a leaf range.
type kdNode struct {
	minX, minY, maxX, maxY float64
	lo, hi                 int32
	left, right            int32
}

// NewPointIndex indexes pts (WGS-84 degrees, or planar metres when planar is
// true). Points with non-finite coordinates are left out of the index and
// never returned. The slice is copied.
func NewPointIndex(pts []orb.Point, planar bool) *PointIndex {
	ix := &PointIndex{pts: append([]orb.Point(nil), pts...), planar: planar}
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	n := 0
	for _, p := range ix.pts {
		if finitePoint(p) {
			b = b.Extend(p)
			n++
		}
	}
	center := orb.Point{0, 0}
	if n > 0 {
		center = b.Center()
	}
	ix.proj = NewLocalProjection(center, planar)
	items := make([]kdItem, 0, n)
	for i, p := range ix.pts {
		if !finitePoint(p) {
			continue
		}
		q := ix.proj.Forward(p)
		if !finitePoint(q) {
			continue
		}
		items = append(items, kdItem{q[0], q[1], int32(i)})
	}
	ix.nodes = make([]kdNode, 0, 2*(len(items)/leafSize+1))
	if len(items) > 0 {
		ix.build(items, 0, len(items))
	}
	ix.xs = make([]float64, len(items))
	ix.ys = make([]float64, len(items))
	ix.ids = make([]int32, len(items))
	for i, it := range items {
		ix.xs[i], ix.ys[i], ix.ids[i] = it.x, it.y, it.id
	}
	ix.pool.New = func() any { return &query{} }
	return ix
}

// kdItem is a projected point during construction.
type kdItem struct {
	x, y float64
	id   int32
}

// build makes the subtree over items[lo:hi] and returns its node index:
// split at the median of the wider side of the bounding box (ties by id, so
// the tree depends only on the input), until at most leafSize remain.
func (ix *PointIndex) build(items []kdItem, lo, hi int) int32 {
	nd := kdNode{minX: math.Inf(1), minY: math.Inf(1), maxX: math.Inf(-1), maxY: math.Inf(-1), lo: int32(lo), hi: int32(hi), left: -1, right: -1}
	for _, it := range items[lo:hi] {
		if it.x < nd.minX {
			nd.minX = it.x
		}
		if it.x > nd.maxX {
			nd.maxX = it.x
		}
		if it.y < nd.minY {
			nd.minY = it.y
		}
		if it.y > nd.maxY {
			nd.maxY = it.y
		}
	}
	self := int32(len(ix.nodes))
	ix.nodes = append(ix.nodes, nd)
	if hi-lo <= leafSize {
		return self
	}
	mid := (lo + hi) / 2
	selectKth(items[lo:hi], mid-lo, nd.maxX-nd.minX >= nd.maxY-nd.minY)
	l := ix.build(items, lo, mid)
	r := ix.build(items, mid, hi)
	ix.nodes[self].left, ix.nodes[self].right = l, r
	return self
}

// selectKth partially orders s so that s[k] is the element of rank k by
// (x or y, id), with no greater element before it and no smaller one after
// it: Hoare's quickselect with a median-of-three pivot, expected O(len(s)).
func selectKth(s []kdItem, k int, byX bool) {
	lessItem := func(a, b *kdItem) bool {
		ka, kb := a.y, b.y
		if byX {
			ka, kb = a.x, b.x
		}
		return ka < kb || (ka == kb && a.id < b.id)
	}
	lo, hi := 0, len(s)-1
	for hi > lo {
		if hi-lo < 16 {
			// Insertion sort finishes small ranges.
			for i := lo + 1; i <= hi; i++ {
				for j := i; j > lo && lessItem(&s[j], &s[j-1]); j-- {
					s[j], s[j-1] = s[j-1], s[j]
				}
			}
			return
		}
		m := lo + (hi-lo)/2
		if lessItem(&s[m], &s[lo]) {
			s[m], s[lo] = s[lo], s[m]
		}
		if lessItem(&s[hi], &s[lo]) {
			s[hi], s[lo] = s[lo], s[hi]
		}
		if lessItem(&s[hi], &s[m]) {
			s[hi], s[m] = s[m], s[hi]
		}
		pivot := s[m]
		i, j := lo, hi
		for i <= j {
			for lessItem(&s[i], &pivot) {
				i++
			}
			for lessItem(&pivot, &s[j]) {
				j--
			}
			if i <= j {
				s[i], s[j] = s[j], s[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}

// Len returns the number of points given to NewPointIndex, indexed or not.
func (ix *PointIndex) Len() int { return len(ix.pts) }

// Point returns point id as given to NewPointIndex.
func (ix *PointIndex) Point(id int) orb.Point { return ix.pts[id] }

// Planar reports whether the index measures Euclidean distances.
func (ix *PointIndex) Planar() bool { return ix.planar }

// Meters returns the distance between a and b in the index's metric.
func (ix *PointIndex) Meters(a, b orb.Point) float64 {
	if ix.planar {
		return euclideanMeters(a, b)
	}
	return geodesicMeters(a, b)
}

// query is the pooled per-query state.
type query struct {
	p, q   orb.Point // query point, and projected
	slack  float64
	slack2 float64    // slack², shrunk by 1e-12 against rounding
	best   []Neighbor // max-heap by (Meters, ID) for Nearest
	k      int
	heap   []scanEntry // min-heap for Scan
}

func (ix *PointIndex) get(p orb.Point) (*query, bool) {
	qs := ix.pool.Get().(*query)
	qs.p = p
	qs.q = ix.proj.Forward(p)
	qs.slack = lowerBoundSlack
	if ix.planar {
		qs.slack = 1
	}
	// Squared comparisons round differently from the distances they stand
	// for; shrinking by 1e-12 keeps the squared bounds strictly below.
	qs.slack2 = qs.slack * qs.slack * (1 - 1e-12)
	return qs, len(ix.nodes) > 0 && finitePoint(p) && finitePoint(qs.q)
}

// boxBound is a lower bound on the distance from the query to any point of
// node n.
func (qs *query) boxBound(n *kdNode) float64 {
	var dx, dy float64
	if qs.q[0] < n.minX {
		dx = n.minX - qs.q[0]
	} else if qs.q[0] > n.maxX {
		dx = qs.q[0] - n.maxX
	}
	if qs.q[1] < n.minY {
		dy = n.minY - qs.q[1]
	} else if qs.q[1] > n.maxY {
		dy = qs.q[1] - n.maxY
	}
	return math.Sqrt(dx*dx+dy*dy) * qs.slack
}

// boxBound2 is the square of boxBound, cheaper for comparisons.
func (qs *query) boxBound2(n *kdNode) float64 {
	var dx, dy float64
	if qs.q[0] < n.minX {
		dx = n.minX - qs.q[0]
	} else if qs.q[0] > n.maxX {
		dx = qs.q[0] - n.maxX
	}
	if qs.q[1] < n.minY {
		dy = n.minY - qs.q[1]
	} else if qs.q[1] > n.maxY {
		dy = qs.q[1] - n.maxY
	}
	return (dx*dx + dy*dy) * qs.slack2
}

// pointBound2 is the square of pointBound.
func (qs *query) pointBound2(x, y float64) float64 {
	dx, dy := x-qs.q[0], y-qs.q[1]
	return (dx*dx + dy*dy) * qs.slack2
}

// pointBound is a lower bound on the distance from the query to tree point i.
func (qs *query) pointBound(x, y float64) float64 {
	dx, dy := x-qs.q[0], y-qs.q[1]
	return math.Sqrt(dx*dx+dy*dy) * qs.slack
}

func less(a, b Neighbor) bool {
	return a.Meters < b.Meters || (a.Meters == b.Meters && a.ID < b.ID)
}

// Nearest appends to dst[:0] the k points nearest to p, nearest first (ties
// by ascending ID), and returns it. Fewer are returned when the index holds
// fewer than k points; none when k ≤ 0 or p is not finite.
func (ix *PointIndex) Nearest(p orb.Point, k int, dst []Neighbor) []Neighbor {
	dst = dst[:0]
	if k <= 0 {
		return dst
	}
	qs, ok := ix.get(p)
	if ok {
		qs.k = k
		qs.best = qs.best[:0]
		ix.nearest(qs, 0)
		// Heap-sort the max-heap in place: ascending order.
		h := qs.best
		for end := len(h) - 1; end > 0; end-- {
			h[0], h[end] = h[end], h[0]
			siftDownMax(h[:end], 0)
		}
		dst = append(dst, h...)
	}
	ix.pool.Put(qs)
	return dst
}

// nearest is a depth-first branch-and-bound search: a node is skipped when
// its lower bound exceeds the k-th best exact distance so far. Equality is
// not pruned, so a tie with a smaller ID is never missed.
func (ix *PointIndex) nearest(qs *query, ni int32) {
	n := &ix.nodes[ni]
	if n.left < 0 {
		for i := n.lo; i < n.hi; i++ {
			full := len(qs.best) >= qs.k
			if full {
				w := qs.best[0].Meters
				if qs.pointBound2(ix.xs[i], ix.ys[i]) > w*w {
					continue
				}
			}
			id := ix.ids[i]
			c := Neighbor{ID: id, Meters: ix.Meters(qs.p, ix.pts[id])}
			if !full {
				qs.best = append(qs.best, c)
				siftUpMax(qs.best, len(qs.best)-1)
			} else if less(c, qs.best[0]) {
				qs.best[0] = c
				siftDownMax(qs.best, 0)
			}
		}
		return
	}
	l, r := n.left, n.right
	bl, br := qs.boxBound2(&ix.nodes[l]), qs.boxBound2(&ix.nodes[r])
	if br < bl {
		l, r, bl, br = r, l, br, bl
	}
	if len(qs.best) < qs.k || bl <= qs.best[0].Meters*qs.best[0].Meters {
		ix.nearest(qs, l)
	}
	if len(qs.best) < qs.k || br <= qs.best[0].Meters*qs.best[0].Meters {
		ix.nearest(qs, r)
	}
}

func siftUpMax(h []Neighbor, i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !less(h[parent], h[i]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func siftDownMax(h []Neighbor, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && less(h[l], h[r]) {
			m = r
		}
		if !less(h[i], h[m]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// Within appends to dst[:0] every point at most meters from p, nearest first
// (ties by ascending ID), and returns it. A negative or NaN radius gives none.
func (ix *PointIndex) Within(p orb.Point, meters float64, dst []Neighbor) []Neighbor {
	dst = dst[:0]
	if !(meters >= 0) {
		return dst
	}
	qs, ok := ix.get(p)
	if ok {
		dst = ix.within(qs, 0, meters, dst)
		slices.SortFunc(dst, func(a, b Neighbor) int {
			return cmp.Or(cmp.Compare(a.Meters, b.Meters), cmp.Compare(a.ID, b.ID))
		})
	}
	ix.pool.Put(qs)
	return dst
}

func (ix *PointIndex) within(qs *query, ni int32, r float64, dst []Neighbor) []Neighbor {
	n := &ix.nodes[ni]
	if qs.boxBound2(n) > r*r {
		return dst
	}
	if n.left >= 0 {
		dst = ix.within(qs, n.left, r, dst)
		return ix.within(qs, n.right, r, dst)
	}
	for i := n.lo; i < n.hi; i++ {
		if qs.pointBound2(ix.xs[i], ix.ys[i]) > r*r {
			continue
		}
		id := ix.ids[i]
		if d := ix.Meters(qs.p, ix.pts[id]); d <= r {
			dst = append(dst, Neighbor{ID: id, Meters: d})
		}
	}
	return dst
}

// scanEntry is an entry of Scan's best-first queue: a node keyed by its
// lower bound, a point keyed by its lower bound (exact == false), or a point
// keyed by its exact distance.
type scanEntry struct {
	key  float64
	idx  int32 // node index, or tree position of a point
	kind uint8 // entryNode, entryBound, entryExact
	id   int32 // point id for points (tie-break)
}

const (
	entryNode uint8 = iota
	entryBound
	entryExact
)

// before orders the queue: by key; at equal keys bounds (nodes and
// unmeasured points) before exact points, so that a point measured at d is
// only emitted once nothing unexplored can still be at d; exact points by ID.
func before(a, b scanEntry) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	if (a.kind == entryExact) != (b.kind == entryExact) {
		return a.kind != entryExact
	}
	return a.id < b.id
}

// Scan calls fn with the indexed points in non-decreasing distance from p
// (ties by ascending ID) until fn returns false or the points run out. It
// explores the tree best-first, so stopping early costs little. fn may run
// other queries on the index.
func (ix *PointIndex) Scan(p orb.Point, fn func(n Neighbor) bool) {
	qs, ok := ix.get(p)
	if !ok {
		ix.pool.Put(qs)
		return
	}
	h := append(qs.heap[:0], scanEntry{key: 0, idx: 0, kind: entryNode})
	defer func() {
		qs.heap = h[:0]
		ix.pool.Put(qs)
	}()
	for len(h) > 0 {
		var e scanEntry
		e, h = popEntry(h)
		switch e.kind {
		case entryExact:
			if !fn(Neighbor{ID: e.id, Meters: e.key}) {
				return
			}
		case entryBound:
			h = pushEntry(h, scanEntry{key: ix.Meters(qs.p, ix.pts[e.id]), idx: e.idx, kind: entryExact, id: e.id})
		case entryNode:
			n := &ix.nodes[e.idx]
			if n.left >= 0 {
				h = pushEntry(h, scanEntry{key: qs.boxBound(&ix.nodes[n.left]), idx: n.left, kind: entryNode})
				h = pushEntry(h, scanEntry{key: qs.boxBound(&ix.nodes[n.right]), idx: n.right, kind: entryNode})
				continue
			}
			for i := n.lo; i < n.hi; i++ {
				h = pushEntry(h, scanEntry{key: qs.pointBound(ix.xs[i], ix.ys[i]), idx: i, kind: entryBound, id: ix.ids[i]})
			}
		}
	}
}

func pushEntry(h []scanEntry, e scanEntry) []scanEntry {
	h = append(h, e)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !before(h[i], h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
	return h
}

func popEntry(h []scanEntry) (scanEntry, []scanEntry) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && before(h[r], h[l]) {
			m = r
		}
		if !before(h[m], h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return top, h
}
