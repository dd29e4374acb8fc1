package cells

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
)

// Snap rounding and the planar arrangement.
//
// Every input curve — Voronoi edges, the study boundary, polygon unit rings
// and a frame box — becomes a list of segments with integer endpoints on the
// snap grid. Hobby-style snap rounding then makes them a proper planar
// subdivision: every pixel that holds an endpoint or a crossing is "hot", and
// every segment is re-routed through the centres of the hot pixels it
// touches, in order. Afterwards segments meet only at shared endpoints
// (checked by a second crossing pass, which repeats the rounding with the
// new crossings as hot pixels should floating-point error have hidden one).
//
// The noded fragments form a half-edge structure whose faces are labelled by
// walking from the unbounded face: crossing a fragment flips membership of
// every polygon (unit or boundary) the fragment belongs to an odd number of
// times (even–odd rule), and a fragment of a Voronoi edge tells which site
// owns each of its two sides.

// iseg is a segment on the integer snap grid.
type iseg struct{ ax, ay, bx, by int64 }

// segSrc says which curve a segment came from.
type segSrc struct {
	region       int32 // polygon region for the even–odd rule, −1 for none
	siteL, siteR int32 // Voronoi sites left and right of a→b, −1 for none
}

// arrangement is the noded planar subdivision.
type arrangement struct {
	vx, vy []int64 // vertex coordinates
	fa, fb []int32 // fragment f runs from vertex fa[f] to fb[f]
	regOff []int32 // fragment f's odd regions: regs[regOff[f]:regOff[f+1]]
	regs   []int32
	vorL   []int32 // Voronoi site left of fa→fb, −1 when not a Voronoi fragment
	vorR   []int32
	// Half-edge h = 2f runs fa→fb, h = 2f+1 runs fb→fa.
	vOff   []int32 // outgoing half-edges of vertex v: vOut[vOff[v]:vOff[v+1]], counter-clockwise
	vOut   []int32
	pos    []int32 // index of half-edge h in its origin's list
	face   []int32 // face left of each half-edge; 0 is the unbounded face
	nFaces int
}

func (a *arrangement) origin(h int32) int32 {
	if h&1 == 0 {
		return a.fa[h>>1]
	}
	return a.fb[h>>1]
}

func (a *arrangement) dest(h int32) int32 { return a.origin(h ^ 1) }

const keyBias = 1 << 31

func pack(x, y int64) uint64 { return uint64(x+keyBias)<<32 | uint64(y+keyBias) }

func unpack(k uint64) (int64, int64) {
	return int64(k>>32) - keyBias, int64(k&0xffffffff) - keyBias
}

type fragTuple struct {
	ka, kb uint64
	seg    int32
	rev    bool
}

// buildArrangement nodes segs (within the box [minX,maxX]×[minY,maxY]) and
// builds the labelled half-edge structure.
func buildArrangement(ctx context.Context, segs []iseg, src []segSrc, minX, minY, maxX, maxY int64) (*arrangement, error) {
	// Drop degenerate segments.
	k := 0
	for i, s := range segs {
		if s.ax == s.bx && s.ay == s.by {
			continue
		}
		segs[k], src[k] = s, src[i]
		k++
	}
	segs, src = segs[:k], src[:k]
	if len(segs) == 0 {
		return nil, errors.New("nothing to tessellate")
	}
	g := sgridGeom(minX, minY, maxX, maxY, len(segs), func(i int) (int64, int64, int64, int64) {
		s := segs[i]
		return s.ax, s.ay, s.bx, s.by
	})

	hot := make([]uint64, 0, 2*len(segs))
	for _, s := range segs {
		hot = append(hot, pack(s.ax, s.ay), pack(s.bx, s.by))
	}
	hot = append(hot, crossings(&g, segs)...)
	tuples := make([]fragTuple, 0, 2*len(segs))
	for round := 0; ; round++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		slices.Sort(hot)
		hot = slices.Compact(hot)
		tuples = route(&g, segs, hot, tuples[:0])
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		frags := uniqueFrags(tuples)
		extra := crossings(&g, frags)
		if len(extra) == 0 {
			break
		}
		if round >= 3 {
			return nil, fmt.Errorf("snap rounding left %d crossings after %d rounds", len(extra), round+1)
		}
		hot = append(hot, extra...)
	}
	a := &arrangement{}
	a.assemble(tuples, src)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := a.buildFaces(&g); err != nil {
		return nil, err
	}
	return a, nil
}

// crossings returns the hot pixels of proper crossings between segments.
func crossings(g *bgrid, segs []iseg) []uint64 {
	c := buildSgrid(*g, len(segs), func(i int) (int64, int64, int64, int64) {
		s := segs[i]
		return s.ax, s.ay, s.bx, s.by
	})
	var out []uint64
	for k := range len(c.gOff) - 1 {
		items := c.items[c.gOff[k]:c.gOff[k+1]]
		for i := 0; i < len(items); i++ {
			s := segs[items[i]]
			sminX, smaxX := min(s.ax, s.bx), max(s.ax, s.bx)
			sminY, smaxY := min(s.ay, s.by), max(s.ay, s.by)
			for j := i + 1; j < len(items); j++ {
				t := segs[items[j]]
				if max(t.ax, t.bx) < sminX || min(t.ax, t.bx) > smaxX ||
					max(t.ay, t.by) < sminY || min(t.ay, t.by) > smaxY {
					continue
				}
				out = properCross(s, t, out)
			}
		}
	}
	return out
}

// properCross appends the pixel(s) of the crossing of s and t when they
// cross at a point interior to both. Near a pixel border both candidate
// pixels are hot, which is always safe.
func properCross(s, t iseg, out []uint64) []uint64 {
	o1 := orientI(s.ax, s.ay, s.bx, s.by, t.ax, t.ay)
	o2 := orientI(s.ax, s.ay, s.bx, s.by, t.bx, t.by)
	if o1 == 0 || o2 == 0 || o1 == o2 {
		return out
	}
	o3 := orientI(t.ax, t.ay, t.bx, t.by, s.ax, s.ay)
	o4 := orientI(t.ax, t.ay, t.bx, t.by, s.bx, s.by)
	if o3 == 0 || o4 == 0 || o3 == o4 {
		return out
	}
	dx, dy := float64(s.bx-s.ax), float64(s.by-s.ay)
	ex, ey := float64(t.bx-t.ax), float64(t.by-t.ay)
	rx, ry := float64(t.ax-s.ax), float64(t.ay-s.ay)
	u := (rx*ey - ry*ex) / (dx*ey - dy*ex)
	x := float64(s.ax) + u*dx
	y := float64(s.ay) + u*dy
	xs := candidates(x)
	ys := candidates(y)
	for _, cx := range xs {
		if cx == math.MinInt64 {
			continue
		}
		for _, cy := range ys {
			if cy == math.MinInt64 {
				continue
			}
			out = append(out, pack(cx, cy))
		}
	}
	return out
}

func candidates(v float64) [2]int64 {
	r := math.Round(v)
	c := [2]int64{int64(r), math.MinInt64}
	f := v - math.Floor(v)
	if math.Abs(f-0.5) < 1e-3 {
		if r > v {
			c[1] = int64(r) - 1
		} else {
			c[1] = int64(r) + 1
		}
	}
	return c
}

// squareHit reports whether segment s meets the pixel centred at (hx, hy),
// exactly. Pixels are half-open, [x−½, x+½) × [y−½, y+½), so that pixels
// tile the plane and a segment through a pixel corner touches only the
// pixel that owns the corner (otherwise two segments crossing at a corner
// would each zig-zag through the other's pixels and cross again).
func squareHit(s iseg, hx, hy int64) bool {
	ax, ay, bx, by := 2*s.ax, 2*s.ay, 2*s.bx, 2*s.by
	l, r := 2*hx-1, 2*hx+1
	b, t := 2*hy-1, 2*hy+1
	if max(ax, bx) < l || min(ax, bx) >= r || max(ay, by) < b || min(ay, by) >= t {
		return false
	}
	dx, dy := bx-ax, by-ay
	// Side of corner (cx − ε·ex, cy − ε·ey): the top and right sides are
	// pulled in by an infinitesimal ε.
	side := func(cx, cy, ex, ey int64) int {
		if o := orientI(ax, ay, bx, by, cx, cy); o != 0 {
			return o
		}
		switch p := dy*ex - dx*ey; {
		case p > 0:
			return 1
		case p < 0:
			return -1
		}
		return 0
	}
	pos, neg := false, false
	for _, c := range [4][4]int64{{l, b, 0, 0}, {r, b, 1, 0}, {r, t, 1, 1}, {l, t, 0, 1}} {
		switch side(c[0], c[1], c[2], c[3]) {
		case 1:
			pos = true
		case -1:
			neg = true
		default:
			return true
		}
	}
	return pos && neg
}

// route re-routes every segment through the hot pixels it touches.
func route(g *bgrid, segs []iseg, hot []uint64, out []fragTuple) []fragTuple {
	hx := make([]int64, len(hot))
	hy := make([]int64, len(hot))
	for i, k := range hot {
		hx[i], hy[i] = unpack(k)
	}
	hc := buildSgridPoints(*g, hx, hy)
	type hit struct {
		t float64
		k uint64
	}
	var hits []hit
	for si, s := range segs {
		hits = hits[:0]
		ka, kb := pack(s.ax, s.ay), pack(s.bx, s.by)
		dx, dy := float64(s.bx-s.ax), float64(s.by-s.ay)
		g.forSeg(s.ax, s.ay, s.bx, s.by, func(b int32) {
			for _, h := range hc.lookup(b) {
				if !squareHit(s, hx[h], hy[h]) {
					continue
				}
				k := hot[h]
				if k == ka || k == kb {
					continue
				}
				t := float64(hx[h]-s.ax)*dx + float64(hy[h]-s.ay)*dy
				hits = append(hits, hit{t, k})
			}
		})
		slices.SortFunc(hits, func(a, b hit) int {
			if c := cmp.Compare(a.t, b.t); c != 0 {
				return c
			}
			return cmp.Compare(a.k, b.k)
		})
		prev := ka
		emit := func(k uint64) {
			if k == prev {
				return
			}
			if prev < k {
				out = append(out, fragTuple{prev, k, int32(si), false})
			} else {
				out = append(out, fragTuple{k, prev, int32(si), true})
			}
			prev = k
		}
		for _, h := range hits {
			emit(h.k)
		}
		emit(kb)
	}
	return out
}

// uniqueFrags returns the distinct fragments of tuples, sorting tuples by
// (ka, kb, seg) as a side effect.
func uniqueFrags(tuples []fragTuple) []iseg {
	slices.SortFunc(tuples, func(a, b fragTuple) int {
		if c := cmp.Compare(a.ka, b.ka); c != 0 {
			return c
		}
		if c := cmp.Compare(a.kb, b.kb); c != 0 {
			return c
		}
		return cmp.Compare(a.seg, b.seg)
	})
	var out []iseg
	for i, t := range tuples {
		if i > 0 && tuples[i-1].ka == t.ka && tuples[i-1].kb == t.kb {
			continue
		}
		ax, ay := unpack(t.ka)
		bx, by := unpack(t.kb)
		out = append(out, iseg{ax, ay, bx, by})
	}
	return out
}

// assemble turns sorted fragment tuples into vertices, fragments and their
// source records.
func (a *arrangement) assemble(tuples []fragTuple, src []segSrc) {
	keys := make([]uint64, 0, 2*len(tuples))
	for _, t := range tuples {
		keys = append(keys, t.ka, t.kb)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	a.vx = make([]int64, len(keys))
	a.vy = make([]int64, len(keys))
	for i, k := range keys {
		a.vx[i], a.vy[i] = unpack(k)
	}
	id := func(k uint64) int32 {
		i, _ := slices.BinarySearch(keys, k)
		return int32(i)
	}
	a.regOff = append(a.regOff, 0)
	var tmp []int32
	for i := 0; i < len(tuples); {
		j := i
		for j < len(tuples) && tuples[j].ka == tuples[i].ka && tuples[j].kb == tuples[i].kb {
			j++
		}
		a.fa = append(a.fa, id(tuples[i].ka))
		a.fb = append(a.fb, id(tuples[i].kb))
		tmp = tmp[:0]
		vl, vr := int32(-1), int32(-1)
		for _, t := range tuples[i:j] {
			s := src[t.seg]
			if s.region >= 0 {
				tmp = append(tmp, s.region)
			}
			if s.siteL >= 0 && vl < 0 {
				vl, vr = s.siteL, s.siteR
				if t.rev {
					vl, vr = vr, vl
				}
			}
		}
		slices.Sort(tmp)
		for x := 0; x < len(tmp); {
			y := x
			for y < len(tmp) && tmp[y] == tmp[x] {
				y++
			}
			if (y-x)%2 == 1 {
				a.regs = append(a.regs, tmp[x])
			}
			x = y
		}
		a.regOff = append(a.regOff, int32(len(a.regs)))
		a.vorL = append(a.vorL, vl)
		a.vorR = append(a.vorR, vr)
		i = j
	}
}

// angleCmp orders direction vectors counter-clockwise starting from +x.
func angleCmp(dx1, dy1, dx2, dy2 int64) int {
	h1, h2 := halfPlane(dx1, dy1), halfPlane(dx2, dy2)
	if h1 != h2 {
		return h1 - h2
	}
	return -cmpProd(dx1, dy2, dy1, dx2)
}

func halfPlane(dx, dy int64) int {
	if dy > 0 || (dy == 0 && dx > 0) {
		return 0
	}
	return 1
}

// buildFaces builds the half-edge structure, finds faces (assigning the
// outer cycle of every nested component to the face around it by casting a
// ray to the left) and returns an error only on internal inconsistency.
func (a *arrangement) buildFaces(g *bgrid) error {
	nv := len(a.vx)
	nf := len(a.fa)
	nh := 2 * nf
	a.vOff = make([]int32, nv+1)
	for f := range nf {
		a.vOff[a.fa[f]+1]++
		a.vOff[a.fb[f]+1]++
	}
	for v := 1; v <= nv; v++ {
		a.vOff[v] += a.vOff[v-1]
	}
	a.vOut = make([]int32, nh)
	fill := make([]int32, nv)
	copy(fill, a.vOff[:nv])
	for h := range int32(nh) {
		o := a.origin(h)
		a.vOut[fill[o]] = h
		fill[o]++
	}
	a.pos = make([]int32, nh)
	for v := range nv {
		out := a.vOut[a.vOff[v]:a.vOff[v+1]]
		ox, oy := a.vx[v], a.vy[v]
		slices.SortFunc(out, func(h1, h2 int32) int {
			d1, d2 := a.dest(h1), a.dest(h2)
			return angleCmp(a.vx[d1]-ox, a.vy[d1]-oy, a.vx[d2]-ox, a.vy[d2]-oy)
		})
		for i, h := range out {
			a.pos[h] = int32(i)
		}
	}
	next := make([]int32, nh)
	for h := range int32(nh) {
		v := a.dest(h)
		deg := a.vOff[v+1] - a.vOff[v]
		k := a.pos[h^1]
		next[h] = a.vOut[a.vOff[v]+(k-1+deg)%deg]
	}
	// Cycles, their signed areas and lowest-leftmost vertices.
	cyc := make([]int32, nh)
	for i := range cyc {
		cyc[i] = -1
	}
	var cycPos []bool
	var cycMin []int32
	for h0 := range int32(nh) {
		if cyc[h0] >= 0 {
			continue
		}
		c := int32(len(cycPos))
		var hi int64
		var lo uint64
		mv := a.origin(h0)
		for h := h0; cyc[h] < 0; h = next[h] {
			cyc[h] = c
			o, d := a.origin(h), a.dest(h)
			ph, pl := mul128(a.vx[o], a.vy[d])
			qh, ql := mul128(-a.vx[d], a.vy[o])
			hi, lo = add128(hi, lo, ph, pl)
			hi, lo = add128(hi, lo, qh, ql)
			if a.vx[o] < a.vx[mv] || (a.vx[o] == a.vx[mv] && a.vy[o] < a.vy[mv]) {
				mv = o
			}
		}
		cycPos = append(cycPos, hi > 0 || (hi == 0 && lo > 0))
		cycMin = append(cycMin, mv)
	}
	// Faces: every positive cycle is a bounded face; the others are outer
	// boundaries of components, which belong to the face around them.
	nc := len(cycPos)
	faceOf := make([]int32, nc)
	a.nFaces = 1
	for c := range nc {
		if cycPos[c] {
			faceOf[c] = int32(a.nFaces)
			a.nFaces++
		} else {
			faceOf[c] = -1
		}
	}
	fc := buildSgrid(*g, nf, func(i int) (int64, int64, int64, int64) {
		return a.vx[a.fa[i]], a.vy[a.fa[i]], a.vx[a.fb[i]], a.vy[a.fb[i]]
	})
	hitCyc := make([]int32, nc) // cycle on the +x side of the ray hit, −1 none
	for c := range nc {
		if cycPos[c] {
			continue
		}
		h := a.rayLeft(fc, cycMin[c])
		if h < 0 {
			hitCyc[c] = -1
		} else {
			hitCyc[c] = cyc[h]
		}
	}
	var chain []int32
	for c := range nc {
		if faceOf[c] >= 0 {
			continue
		}
		chain = chain[:0]
		x := int32(c)
		f := int32(0)
		for steps := 0; ; steps++ {
			if faceOf[x] >= 0 {
				f = faceOf[x]
				break
			}
			if steps > nc {
				return errors.New("cycle in component nesting")
			}
			chain = append(chain, x)
			if hitCyc[x] < 0 {
				f = 0
				break
			}
			x = hitCyc[x]
		}
		for _, y := range chain {
			faceOf[y] = f
		}
	}
	a.face = make([]int32, nh)
	for h := range nh {
		a.face[h] = faceOf[cyc[h]]
	}
	return nil
}

// rayLeft casts a ray from just above vertex v towards −x and returns the
// downward-directed half-edge of the first fragment it hits (whose left side
// faces the ray's origin), or −1.
func (a *arrangement) rayLeft(fc *sgrid, v int32) int32 {
	g := &fc.g
	vx, vy := a.vx[v], a.vy[v]
	r := g.row(vy)
	best := int32(-1)
	var bestX float64
	var blo, bhi int32
	for k := fc.lastAtOrLeft(r, int32(g.col(vx))); k >= fc.rowOff[r]; k-- {
		if best >= 0 && bestX >= float64(g.x0+int64(fc.gcol[k]+1)*g.size)+1 {
			break // nothing further left can be nearer
		}
		for _, f := range fc.items[fc.gOff[k]:fc.gOff[k+1]] {
			lo, hi := a.fa[f], a.fb[f]
			if a.vy[lo] == a.vy[hi] {
				continue
			}
			if a.vy[lo] > a.vy[hi] {
				lo, hi = hi, lo
			}
			if !(a.vy[lo] <= vy && vy < a.vy[hi]) {
				continue
			}
			if orientI(a.vx[lo], a.vy[lo], a.vx[hi], a.vy[hi], vx, vy) >= 0 {
				continue // not strictly left of v
			}
			dy := float64(a.vy[hi] - a.vy[lo])
			x0 := float64(a.vx[lo]) + float64(vy-a.vy[lo])*float64(a.vx[hi]-a.vx[lo])/dy
			if best >= 0 {
				if x0 < bestX-1e-3 {
					continue
				}
				if x0 <= bestX+1e-3 && !a.betterHit(lo, hi, blo, bhi, vy) {
					continue
				}
			}
			best, bestX, blo, bhi = f, x0, lo, hi
		}
	}
	if best < 0 {
		return -1
	}
	if a.fa[best] == bhi {
		return 2 * best
	}
	return 2*best + 1
}

// betterHit reports whether the upward fragment lo→hi meets the line
// y = vy + ε further right than blo→bhi, exactly.
func (a *arrangement) betterHit(lo, hi, blo, bhi int32, vy int64) bool {
	x := func(l, h int32) *big.Rat {
		num := new(big.Int).Mul(big.NewInt(vy-a.vy[l]), big.NewInt(a.vx[h]-a.vx[l]))
		r := new(big.Rat).SetFrac(num, big.NewInt(a.vy[h]-a.vy[l]))
		return r.Add(r, new(big.Rat).SetInt64(a.vx[l]))
	}
	switch x(lo, hi).Cmp(x(blo, bhi)) {
	case 1:
		return true
	case -1:
		return false
	}
	// Same point at y = vy: the larger dx/dy is further right just above.
	return cmpProd(a.vx[hi]-a.vx[lo], a.vy[bhi]-a.vy[blo], a.vx[bhi]-a.vx[blo], a.vy[hi]-a.vy[lo]) > 0
}
