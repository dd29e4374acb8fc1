package cells

import (
	"math"
	"slices"
)

// delaunay is a Delaunay triangulation of distinct points, in the
// half-edge form popularised by Delaunator: triangle t has vertices
// tri[3t], tri[3t+1], tri[3t+2] in counter-clockwise order, half-edge e runs
// from tri[e] to tri[next(e)], and half[e] is the opposite half-edge in the
// neighbouring triangle, or −1 on the convex hull.
//
// When every point is collinear there are no triangles and hull lists the
// points in order along their line.
type delaunay struct {
	tri  []int32
	half []int32
	// hull lists the hull vertices counter-clockwise (or along the line in
	// the collinear case).
	hull []int32
	// failed lists points that could not be inserted (only exact duplicates,
	// which callers merge beforehand); callers treat them as duplicates of
	// their nearest triangulated point.
	failed []int32
}

func nextHalf(e int32) int32 {
	if e%3 == 2 {
		return e - 2
	}
	return e + 1
}

// triangulator holds the sweep-hull state.
type triangulator struct {
	lastTri  int32
	xs, ys   []float64
	tri      []int32
	half     []int32
	hullPrev []int32
	hullNext []int32
	hullTri  []int32
	hash     []int32
	cx, cy   float64
	stack    []int32
}

// triangulate computes the Delaunay triangulation of the distinct points
// (xs[i], ys[i]) by a radial sweep: seed triangle near the centre, points
// added in order of distance from its circumcentre, each joined to the hull
// edges it sees, followed by Lawson flips driven by an exact in-circle test.
// O(n log n) expected.
func triangulate(xs, ys []float64) *delaunay {
	n := len(xs)
	d := &delaunay{}
	if n == 0 {
		return d
	}
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for i := range n {
		minX, maxX = math.Min(minX, xs[i]), math.Max(maxX, xs[i])
		minY, maxY = math.Min(minY, ys[i]), math.Max(maxY, ys[i])
	}
	cx, cy := (minX+maxX)/2, (minY+maxY)/2
	dist2 := func(i int, x, y float64) float64 {
		dx, dy := xs[i]-x, ys[i]-y
		return dx*dx + dy*dy
	}
	i0 := 0
	best := math.Inf(1)
	for i := range n {
		if dd := dist2(i, cx, cy); dd < best {
			best, i0 = dd, i
		}
	}
	i1 := -1
	best = math.Inf(1)
	for i := range n {
		if i == i0 {
			continue
		}
		if dd := dist2(i, xs[i0], ys[i0]); dd < best && dd > 0 {
			best, i1 = dd, i
		}
	}
	i2 := -1
	best = math.Inf(1)
	if i1 >= 0 {
		for i := range n {
			if i == i0 || i == i1 {
				continue
			}
			if orient(xs[i0], ys[i0], xs[i1], ys[i1], xs[i], ys[i]) == 0 {
				continue
			}
			if r := circumradius2(xs[i0], ys[i0], xs[i1], ys[i1], xs[i], ys[i]); r < best {
				best, i2 = r, i
			}
		}
	}
	if i2 < 0 {
		// All points collinear: no triangles, hull in lexicographic order,
		// which is monotone along any line.
		order := make([]int32, n)
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(a, b int32) int {
			if xs[a] != xs[b] {
				if xs[a] < xs[b] {
					return -1
				}
				return 1
			}
			if ys[a] < ys[b] {
				return -1
			} else if ys[a] > ys[b] {
				return 1
			}
			return 0
		})
		d.hull = order
		return d
	}
	if orient(xs[i0], ys[i0], xs[i1], ys[i1], xs[i2], ys[i2]) < 0 {
		i1, i2 = i2, i1
	}
	t := newTriangulator(xs, ys)
	t.cx, t.cy = circumcenter(xs[i0], ys[i0], xs[i1], ys[i1], xs[i2], ys[i2])

	dists := make([]float64, n)
	ids := make([]int32, n)
	for i := range n {
		ids[i] = int32(i)
		dists[i] = dist2(i, t.cx, t.cy)
	}
	slices.SortFunc(ids, func(a, b int32) int {
		if dists[a] < dists[b] {
			return -1
		} else if dists[a] > dists[b] {
			return 1
		}
		return int(a - b)
	})

	a0, a1, a2 := int32(i0), int32(i1), int32(i2)
	hullStart := a0
	t.hullNext[a0], t.hullPrev[a2] = a1, a1
	t.hullNext[a1], t.hullPrev[a0] = a2, a2
	t.hullNext[a2], t.hullPrev[a1] = a0, a0
	t.hullTri[a0], t.hullTri[a1], t.hullTri[a2] = 0, 1, 2
	t.hash[t.hashKey(a0)] = a0
	t.hash[t.hashKey(a1)] = a1
	t.hash[t.hashKey(a2)] = a2
	t.addTriangle(a0, a1, a2, -1, -1, -1)

	o := func(a, b, c int32) float64 {
		return orient(xs[a], ys[a], xs[b], ys[b], xs[c], ys[c])
	}
	for _, i := range ids {
		if i == a0 || i == a1 || i == a2 {
			continue
		}
		key := t.hashKey(i)
		start := int32(-1)
		hashSize := len(t.hash)
		for j := range hashSize {
			start = t.hash[(key+j)%hashSize]
			if start != -1 && start != t.hullNext[start] {
				break
			}
		}
		start = t.hullPrev[start]
		e := start
		for {
			q := t.hullNext[e]
			if o(e, q, i) < 0 {
				break
			}
			e = q
			if e == start {
				e = -1
				break
			}
		}
		if e == -1 {
			// Float rounding in the sweep order left the point on or
			// inside the hull: insert it into its triangle instead.
			if !t.insertInside(i) {
				d.failed = append(d.failed, i)
			}
			continue
		}
		q := t.hullNext[e]
		tr := t.addTriangle(e, i, q, -1, -1, t.hullTri[e])
		t.hullTri[i] = tr + 1
		t.hullTri[e] = tr
		t.legalize(tr + 2)

		nn := t.hullNext[e]
		for {
			q := t.hullNext[nn]
			if o(nn, q, i) >= 0 {
				break
			}
			tr = t.addTriangle(nn, i, q, t.hullTri[i], -1, t.hullTri[nn])
			t.hullTri[i] = tr + 1
			t.hullNext[nn] = nn
			t.hullTri[nn] = -1
			t.legalize(tr + 2)
			nn = q
		}
		if e == start {
			for {
				q := t.hullPrev[e]
				if o(q, e, i) >= 0 {
					break
				}
				tr = t.addTriangle(q, i, e, -1, t.hullTri[e], t.hullTri[q])
				t.hullTri[q] = tr
				t.hullNext[e] = e
				t.hullTri[e] = -1
				t.legalize(tr + 2)
				e = q
			}
		}
		hullStart = e
		t.hullPrev[i] = e
		t.hullNext[e] = i
		t.hullPrev[nn] = i
		t.hullNext[i] = nn
		t.hash[t.hashKey(i)] = i
		t.hash[t.hashKey(e)] = e
	}
	for e := hullStart; ; {
		d.hull = append(d.hull, e)
		e = t.hullNext[e]
		if e == hullStart {
			break
		}
	}
	d.tri, d.half = t.tri, t.half
	return d
}

func newTriangulator(xs, ys []float64) *triangulator {
	n := len(xs)
	t := &triangulator{xs: xs, ys: ys}
	maxTri := max(2*n-5, 1)
	t.tri = make([]int32, 0, 3*maxTri)
	t.half = make([]int32, 0, 3*maxTri)
	t.hullPrev = make([]int32, n)
	t.hullNext = make([]int32, n)
	t.hullTri = make([]int32, n)
	for i := range n {
		t.hullTri[i] = -1
	}
	hashSize := int(math.Ceil(math.Sqrt(float64(n))))
	t.hash = make([]int32, hashSize)
	for i := range t.hash {
		t.hash[i] = -1
	}
	return t
}

func (t *triangulator) hashKey(i int32) int {
	dx, dy := t.xs[i]-t.cx, t.ys[i]-t.cy
	p := dx / (math.Abs(dx) + math.Abs(dy))
	var a float64
	if dy > 0 {
		a = (3 - p) / 4
	} else {
		a = (1 + p) / 4
	}
	if math.IsNaN(a) {
		a = 0
	}
	n := len(t.hash)
	k := int(math.Floor(a*float64(n))) % n
	if k < 0 {
		k += n
	}
	return k
}

func (t *triangulator) link(a, b int32) {
	t.half[a] = b
	if b != -1 {
		t.half[b] = a
	}
}

func (t *triangulator) addTriangle(i0, i1, i2, a, b, c int32) int32 {
	tr := int32(len(t.tri))
	t.tri = append(t.tri, i0, i1, i2)
	t.half = append(t.half, -1, -1, -1)
	t.link(tr, a)
	t.link(tr+1, b)
	t.link(tr+2, c)
	return tr
}

// legalize restores the Delaunay property around half-edge a by flipping
// edges whose opposite vertex lies strictly inside the circumcircle.
//
//	      pl                pl
//	     /|\               /  \
//	  al/ | \bl         al/    \a
//	   /  |  \           /      \
//	p0 \ a|b / p1  =>  p0 --ar/bl-- p1
//	    \ | /            \      /
//	   ar\|/br           b\    /br
//	      pr                pr
func (t *triangulator) legalize(a int32) {
	stack := t.stack[:0]
	xs, ys, tri := t.xs, t.ys, t.tri
	for {
		b := t.half[a]
		if b == -1 {
			if len(stack) == 0 {
				break
			}
			a = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			continue
		}
		a0 := a - a%3
		al := a0 + (a+1)%3
		ar := a0 + (a+2)%3
		b0 := b - b%3
		bl := b0 + (b+2)%3
		br := b0 + (b+1)%3
		p0, pr, pl, p1 := tri[ar], tri[a], tri[al], tri[bl]
		if incircle(xs[pr], ys[pr], xs[pl], ys[pl], xs[p0], ys[p0], xs[p1], ys[p1]) > 0 {
			tri[a] = p1
			tri[b] = p0
			hbl, har := t.half[bl], t.half[ar]
			if hbl == -1 {
				t.hullTri[p1] = a
			}
			if har == -1 {
				t.hullTri[p0] = b
			}
			t.link(a, hbl)
			t.link(b, har)
			t.link(ar, bl)
			stack = append(stack, br)
			continue
		}
		if len(stack) == 0 {
			break
		}
		a = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
	}
	t.stack = stack
}

func circumradius2(ax, ay, bx, by, cx, cy float64) float64 {
	dx, dy := bx-ax, by-ay
	ex, ey := cx-ax, cy-ay
	bl := dx*dx + dy*dy
	cl := ex*ex + ey*ey
	d := 0.5 / (dx*ey - dy*ex)
	x := (ey*bl - dy*cl) * d
	y := (dx*cl - ex*bl) * d
	r := x*x + y*y
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return math.Inf(1)
	}
	return r
}

// circumcenter returns the centre of the circle through a, b and c. For a
// (numerically) degenerate triangle it returns a point far away on the
// perpendicular bisector of the longest side, on the side away from the third
// vertex, which is where the true centre of a nearly flat triangle lies.
func circumcenter(ax, ay, bx, by, cx, cy float64) (float64, float64) {
	dx, dy := bx-ax, by-ay
	ex, ey := cx-ax, cy-ay
	bl := dx*dx + dy*dy
	cl := ex*ex + ey*ey
	den := dx*ey - dy*ex
	x := ax + (ey*bl-dy*cl)*0.5/den
	y := ay + (dx*cl-ex*bl)*0.5/den
	if !math.IsNaN(x) && !math.IsNaN(y) && !math.IsInf(x, 0) && !math.IsInf(y, 0) && math.Abs(x-ax) < 1e13 && math.Abs(y-ay) < 1e13 {
		return x, y
	}
	// Longest side p→q, third vertex r.
	px, py, qx, qy, rx, ry := ax, ay, bx, by, cx, cy
	if l := (cx-bx)*(cx-bx) + (cy-by)*(cy-by); l > bl && l >= cl {
		px, py, qx, qy, rx, ry = bx, by, cx, cy, ax, ay
	} else if cl > bl {
		px, py, qx, qy, rx, ry = cx, cy, ax, ay, bx, by
	}
	mx, my := (px+qx)/2, (py+qy)/2
	nx, ny := -(qy - py), qx-px
	if (rx-mx)*nx+(ry-my)*ny > 0 {
		nx, ny = -nx, -ny
	}
	l := math.Hypot(nx, ny)
	if l == 0 {
		return mx, my
	}
	return mx + nx/l*1e12, my + ny/l*1e12
}

// insertInside inserts point p, which lies inside the current hull or on
// its boundary, by splitting the triangle (or edge) that holds it, then
// restores the Delaunay property. It reports false for a point that
// coincides with a vertex.
func (t *triangulator) insertInside(p int32) bool {
	xs, ys := t.xs, t.ys
	o := func(a, b int32) float64 { return orient(xs[a], ys[a], xs[b], ys[b], xs[p], ys[p]) }
	ntri := int32(len(t.tri) / 3)
	tr := min(t.lastTri, ntri-1)
	found := false
	// Visibility walk; it terminates on a Delaunay triangulation, with a
	// scan as a guard.
	for steps := int32(0); steps < 4*ntri+16 && !found; steps++ {
		found = true
		for k := range int32(3) {
			e := 3*tr + (k+steps)%3
			if o(t.tri[e], t.tri[nextHalf(e)]) < 0 {
				if t.half[e] < 0 {
					return false
				}
				tr = t.half[e] / 3
				found = false
				break
			}
		}
	}
	if !found {
		for tr = 0; tr < ntri; tr++ {
			if o(t.tri[3*tr], t.tri[3*tr+1]) >= 0 && o(t.tri[3*tr+1], t.tri[3*tr+2]) >= 0 && o(t.tri[3*tr+2], t.tri[3*tr]) >= 0 {
				break
			}
		}
		if tr == ntri {
			return false
		}
	}
	zero := int32(-1)
	nz := 0
	for k := range int32(3) {
		e := 3*tr + k
		if o(t.tri[e], t.tri[nextHalf(e)]) == 0 {
			zero = e
			nz++
		}
	}
	switch nz {
	case 0:
		t.splitTriangle(tr, p)
	case 1:
		t.splitEdge(zero, p)
	default:
		return false
	}
	t.lastTri = tr
	return true
}

// splitTriangle replaces triangle tr = (a, b, c) by (a, b, p), (b, c, p)
// and (c, a, p).
func (t *triangulator) splitTriangle(tr, p int32) {
	e := 3 * tr
	b, c := t.tri[e+1], t.tri[e+2]
	hb, hc := t.half[e+1], t.half[e+2]
	t.tri[e+2] = p
	t1 := t.addTriangle(b, c, p, hb, -1, e+1)
	t2 := t.addTriangle(c, t.tri[e], p, hc, e+2, t1+1)
	if hb == -1 {
		t.hullTri[b] = t1
	}
	if hc == -1 {
		t.hullTri[c] = t2
	}
	t.legalize(e)
	t.legalize(t1)
	t.legalize(t2)
}

// splitEdge splits half-edge e = u→v (and its twin) at p, which lies on it.
func (t *triangulator) splitEdge(e, p int32) {
	e1 := nextHalf(e)
	e2 := nextHalf(e1)
	u, w := t.tri[e], t.tri[e2]
	E2 := t.half[e2]
	o := t.half[e]
	// Triangle (u, v, w) becomes (p, v, w) plus (u, p, w).
	t.tri[e] = p
	n := t.addTriangle(u, p, w, -1, e2, E2)
	if E2 == -1 {
		t.hullTri[w] = n + 2
	}
	if o == -1 {
		v := t.tri[e1]
		t.half[e] = -1
		t.hullTri[u] = n
		t.hullTri[p] = e
		t.hullNext[u], t.hullPrev[p] = p, u
		t.hullNext[p], t.hullPrev[v] = v, p
		t.hash[t.hashKey(p)] = p
		t.legalize(e1)
		t.legalize(n + 2)
		return
	}
	// Twin triangle (v, u, w') becomes (p, u, w') plus (v, p, w').
	o1 := nextHalf(o)
	o2 := nextHalf(o1)
	v, w2 := t.tri[o], t.tri[o2]
	O2 := t.half[o2]
	t.tri[o] = p
	m := t.addTriangle(v, p, w2, e, o2, O2)
	t.link(n, o)
	if O2 == -1 {
		t.hullTri[w2] = m + 2
	}
	t.legalize(e1)
	t.legalize(n + 2)
	t.legalize(o1)
	t.legalize(m + 2)
}
