package cells

import (
	"cmp"
	"slices"
)

// subdiv is the planar subdivision formed by the cells: the fragments of
// the arrangement that separate two different units (or a unit from
// nothing). Edge e runs ea[e]→eb[e] with unit el[e] on its left and er[e] on
// its right (−1 for no unit); half-edge 2e runs ea→eb, 2e+1 runs eb→ea.
type subdiv struct {
	vx, vy []int32
	ea, eb []int32
	el, er []int32
	vOff   []int32 // outgoing half-edges per vertex, counter-clockwise
	vOut   []int32
	pos    []int32
}

func (s *subdiv) origin(h int32) int32 {
	if h&1 == 0 {
		return s.ea[h>>1]
	}
	return s.eb[h>>1]
}

func (s *subdiv) left(h int32) int32 {
	if h&1 == 0 {
		return s.el[h>>1]
	}
	return s.er[h>>1]
}

// shapes stores polygons compactly: owner o (a unit or a zone) has polygons
// ownerOff[o]..ownerOff[o+1]; polygon p has rings polyOff[p]..polyOff[p+1],
// the first being the counter-clockwise shell and the rest clockwise holes;
// ring r has vertices xs/ys[ringOff[r]:ringOff[r+1]], not repeated at the end.
type shapes struct {
	ownerOff []int32
	polyOff  []int32
	ringOff  []int32
	xs, ys   []int32
}

func (sh *shapes) polys(o int) (int32, int32) { return sh.ownerOff[o], sh.ownerOff[o+1] }

// trace assembles, for every zone, the boundary of the union of the cells
// of its units: half-edges with the zone on the left and another zone (or
// none) on the right are linked into rings, turning at each vertex to the
// next such half-edge clockwise from the one we came along, which splits
// rings at pinch vertices. Counter-clockwise rings are shells, clockwise
// rings holes, each hole going to the smallest shell of its zone that
// contains it. With simplify, vertices in the middle of straight runs are
// dropped (cells keep them so that neighbours share identical edges).
func (s *subdiv) trace(hz []int32, nz int, simplify bool) *shapes {
	nh := len(hz)
	visited := make([]bool, nh)
	type ring struct {
		zone       int32
		start, end int32 // into rx/ry
		pos        bool
		area       float64 // twice the area, approximate (for ordering)
		minX, minY int32
		maxX, maxY int32
	}
	var rings []ring
	var rx, ry []int32
	var tmp []int32
	addRing := func(z int32, tmp []int32) {
		if simplify {
			tmp = s.simplify(tmp)
		}
		if len(tmp) < 3 {
			return
		}
		// Start at the lowest-leftmost vertex, for stable output.
		first := 0
		for i, v := range tmp {
			f := tmp[first]
			if s.vx[v] < s.vx[f] || (s.vx[v] == s.vx[f] && s.vy[v] < s.vy[f]) {
				first = i
			}
		}
		tmp = append(tmp[first:], tmp[:first]...)
		r := ring{zone: z, start: int32(len(rx))}
		var hi int64
		var lo uint64
		r.minX, r.minY = s.vx[tmp[0]], s.vy[tmp[0]]
		r.maxX, r.maxY = r.minX, r.minY
		x0, y0 := int64(s.vx[tmp[0]]), int64(s.vy[tmp[0]])
		for i, v := range tmp {
			w := tmp[(i+1)%len(tmp)]
			ax, ay := int64(s.vx[v])-x0, int64(s.vy[v])-y0
			bx, by := int64(s.vx[w])-x0, int64(s.vy[w])-y0
			ph, pl := mul128(ax, by)
			qh, ql := mul128(-bx, ay)
			hi, lo = add128(hi, lo, ph, pl)
			hi, lo = add128(hi, lo, qh, ql)
			r.area += float64(ax)*float64(by) - float64(bx)*float64(ay)
			rx = append(rx, s.vx[v])
			ry = append(ry, s.vy[v])
			r.minX, r.maxX = min(r.minX, s.vx[v]), max(r.maxX, s.vx[v])
			r.minY, r.maxY = min(r.minY, s.vy[v]), max(r.maxY, s.vy[v])
		}
		r.end = int32(len(rx))
		r.pos = hi > 0 || (hi == 0 && lo > 0)
		if hi == 0 && lo == 0 {
			return // cannot happen for a proper subdivision; be safe
		}
		rings = append(rings, r)
	}
	seenAt := make([]int32, len(s.vx))
	for i := range seenAt {
		seenAt[i] = -1
	}
	var parts [][]int32
	for h0 := range int32(nh) {
		z := hz[h0]
		if z < 0 || visited[h0] {
			continue
		}
		tmp = tmp[:0]
		for h := h0; ; {
			visited[h] = true
			tmp = append(tmp, s.origin(h))
			v := s.origin(h ^ 1)
			off := s.vOff[v]
			deg := s.vOff[v+1] - off
			k := s.pos[h^1]
			nx := int32(-1)
			for i := int32(1); i <= deg; i++ {
				g := s.vOut[off+(k-i+deg)%deg]
				if hz[g] == z {
					nx = g
					break
				}
			}
			h = nx
			if h == h0 || h < 0 {
				break
			}
		}
		// A cycle that passes a vertex twice (a zone shaped like a C whose
		// tips touch) is split there into simple rings: a shell and a hole
		// touching at that vertex, as OGC validity requires.
		parts = splitAtRepeats(tmp, seenAt, parts[:0])
		for _, part := range parts {
			addRing(z, part)
		}
	}
	// Group rings by zone; shells by decreasing area for determinism.
	order := make([]int32, len(rings))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ra, rb := &rings[a], &rings[b]
		if c := cmp.Compare(ra.zone, rb.zone); c != 0 {
			return c
		}
		if ra.pos != rb.pos {
			if ra.pos {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(abs(rb.area), abs(ra.area)); c != 0 {
			return c
		}
		if c := cmp.Compare(ra.minX, rb.minX); c != 0 {
			return c
		}
		return cmp.Compare(ra.minY, rb.minY)
	})
	sh := &shapes{ownerOff: make([]int32, nz+1)}
	var holesOf [][]int32
	for i := 0; i < len(order); {
		z := rings[order[i]].zone
		j := i
		for j < len(order) && rings[order[j]].zone == z {
			j++
		}
		group := order[i:j]
		nshell := 0
		for nshell < len(group) && rings[group[nshell]].pos {
			nshell++
		}
		shells := group[:nshell]
		holesOf = holesOf[:0]
		for range shells {
			holesOf = append(holesOf, nil)
		}
		for _, hr := range group[nshell:] {
			r := &rings[hr]
			// The shell holding the hole holds the midpoints of its edges.
			// Rings of one zone share no edge, but a midpoint can still be a
			// point where the hole touches another ring: then try the next.
			best := -1
			for e := r.start; e < r.end; e++ {
				f := e + 1
				if f == r.end {
					f = r.start
				}
				px := int64(rx[e]) + int64(rx[f])
				py := int64(ry[e]) + int64(ry[f])
				best = -1
				touched := false
				for si := len(shells) - 1; si >= 0; si-- { // smallest first
					s := &rings[shells[si]]
					if px < 2*int64(s.minX) || px > 2*int64(s.maxX) || py < 2*int64(s.minY) || py > 2*int64(s.maxY) {
						continue
					}
					in, on := insideDoubled(rx[s.start:s.end], ry[s.start:s.end], px, py)
					if on {
						touched = true
						break
					}
					if in {
						best = si
						break
					}
				}
				if !touched {
					break
				}
			}
			if best >= 0 {
				holesOf[best] = append(holesOf[best], hr)
			}
		}
		emit := func(r *ring) {
			sh.xs = append(sh.xs, rx[r.start:r.end]...)
			sh.ys = append(sh.ys, ry[r.start:r.end]...)
			sh.ringOff = append(sh.ringOff, int32(len(sh.xs)))
		}
		if len(sh.ringOff) == 0 {
			sh.ringOff = append(sh.ringOff, 0)
		}
		if len(sh.polyOff) == 0 {
			sh.polyOff = append(sh.polyOff, 0)
		}
		for si, s := range shells {
			emit(&rings[s])
			for _, hr := range holesOf[si] {
				emit(&rings[hr])
			}
			sh.polyOff = append(sh.polyOff, int32(len(sh.ringOff)-1))
		}
		sh.ownerOff[z+1] = int32(len(sh.polyOff) - 1)
		i = j
	}
	if len(sh.polyOff) == 0 {
		sh.polyOff = append(sh.polyOff, 0)
		sh.ringOff = append(sh.ringOff, 0)
	}
	for z := 1; z <= nz; z++ {
		sh.ownerOff[z] = max(sh.ownerOff[z], sh.ownerOff[z-1])
	}
	return sh
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// simplify drops vertices strictly inside straight runs of a closed ring.
func (s *subdiv) simplify(r []int32) []int32 {
	straight := func(a, b, c int32) bool {
		ax, ay := int64(s.vx[a]), int64(s.vy[a])
		bx, by := int64(s.vx[b]), int64(s.vy[b])
		cx, cy := int64(s.vx[c]), int64(s.vy[c])
		if orientI(ax, ay, bx, by, cx, cy) != 0 {
			return false
		}
		return (ax-bx)*(cx-bx)+(ay-by)*(cy-by) < 0
	}
	out := r[:0:0]
	for _, v := range r {
		for len(out) >= 2 && straight(out[len(out)-2], out[len(out)-1], v) {
			out = out[:len(out)-1]
		}
		out = append(out, v)
	}
	// Wrap around the seam.
	for len(out) >= 3 {
		n := len(out)
		if straight(out[n-2], out[n-1], out[0]) {
			out = out[:n-1]
			continue
		}
		if straight(out[n-1], out[0], out[1]) {
			out = out[1:]
			continue
		}
		break
	}
	return out
}

// insideDoubled reports whether the doubled point (px, py) lies inside the
// ring (given in plain coordinates), by exact even–odd crossing count, and
// whether it lies on the ring.
func insideDoubled(xs, ys []int32, px, py int64) (in, on bool) {
	n := len(xs)
	for i := range n {
		j := i + 1
		if j == n {
			j = 0
		}
		x1, y1 := 2*int64(xs[i]), 2*int64(ys[i])
		x2, y2 := 2*int64(xs[j]), 2*int64(ys[j])
		if (y1 > py) == (y2 > py) {
			if y1 == py && y2 == py && px >= min(x1, x2) && px <= max(x1, x2) {
				return false, true
			}
			if (x1 == px && y1 == py) || (x2 == px && y2 == py) {
				return false, true
			}
			continue
		}
		o := orientI(x1, y1, x2, y2, px, py)
		if o == 0 {
			return false, true
		}
		if (y2 > y1 && o > 0) || (y2 < y1 && o < 0) {
			in = !in
		}
	}
	return in, false
}

// splitAtRepeats splits a closed vertex cycle into cycles that visit every
// vertex at most once, appending them to out. seenAt must be −1 for every
// vertex on entry and is restored on return.
func splitAtRepeats(cyc []int32, seenAt []int32, out [][]int32) [][]int32 {
	var stack []int32
	for _, v := range cyc {
		if k := seenAt[v]; k >= 0 {
			// stack[k:] is a closed sub-cycle starting and ending at v.
			out = append(out, slices.Clone(stack[k:]))
			for _, w := range stack[k+1:] {
				seenAt[w] = -1
			}
			stack = stack[:k+1]
			continue
		}
		seenAt[v] = int32(len(stack))
		stack = append(stack, v)
	}
	for _, w := range stack {
		seenAt[w] = -1
	}
	if len(stack) > 0 {
		out = append(out, stack)
	}
	return out
}
