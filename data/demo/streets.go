package demo

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// WayKind is what a street-network way is: a highway class, a railway, the
// river or its water area.
type WayKind uint8

// The way kinds, highways first from the least to the most important.
const (
	Footway      WayKind = iota // highway=footway: lanes between compounds
	Service                     // highway=service: compound lanes, village and field roads
	Residential                 // highway=residential
	Tertiary                    // highway=tertiary: 支路
	Secondary                   // highway=secondary: 次干路
	Primary                     // highway=primary: 主干路
	Trunk                       // highway=trunk: the two city axes
	Motorway                    // highway=motorway: the ring, not walkable
	MotorwayLink                // highway=motorway_link: ring interchanges
	Rail                        // railway=rail
	River                       // waterway=river: the centre line
	Water                       // natural=water: the river's area, a closed way
	numWayKinds
)

var wayKindTags = [numWayKinds][2]string{
	{"highway", "footway"}, {"highway", "service"}, {"highway", "residential"},
	{"highway", "tertiary"}, {"highway", "secondary"}, {"highway", "primary"},
	{"highway", "trunk"}, {"highway", "motorway"}, {"highway", "motorway_link"},
	{"railway", "rail"}, {"waterway", "river"}, {"natural", "water"},
}

// String returns the kind's main OSM tag value, e.g. "residential" or "rail".
func (k WayKind) String() string {
	if k < numWayKinds {
		return wayKindTags[k][1]
	}
	return "waykind(" + strconv.Itoa(int(k)) + ")"
}

// Walkable reports whether a child may walk along ways of this kind.
func (k WayKind) Walkable() bool { return k <= Trunk }

// Way is one OSM way of the network.
type Way struct {
	Kind WayKind
	// Bridge marks a way carried over the river, the railway or the
	// motorway (bridge=yes, layer=1).
	Bridge bool
	// Tunnel marks an underpass beneath the railway (tunnel=yes, layer=-1).
	Tunnel bool
	// Name is the street, river or railway name ("" for none).
	Name string
	// first and n locate the way's node indices in Streets.refs.
	first, n int32
}

// Streets is the street network of a demo city, in the shape of an
// OpenStreetMap extract. Node i has OSM id i+1 and way j has OSM id j+1.
//
// Invariants: walkable ways meet only at shared nodes; no walkable way
// crosses the river, the railway or the motorway ring except on a way with
// Bridge (or, under the railway, Tunnel) set; the river, railway and motorway share no node with a walkable
// way (the motorway links do, at interchanges); every point unit and village
// school has a street node at its location joined to the grid; every way has
// at least two nodes.
type Streets struct {
	// Nodes are the node positions, WGS-84 [lon, lat] rounded to 7 decimals.
	Nodes []orb.Point
	// Crossing marks highway=crossing nodes: where a footway meets a
	// primary or trunk road.
	Crossing []bool
	// Ways are the streets (split at class, bridge and name changes and
	// every maxWayNodes nodes), the spur lanes to point units, the river, its
	// water area, the railway and the motorway with its links.
	Ways []Way
	refs []int32

	// Local-metre positions and the node of each point unit, for tests.
	xs, ys    []float64
	unitNode  []int32 // per unit: its spur node, or -1 for compounds
	bridges   int     // bridge ways over a barrier
	restored  int     // of those, added to connect an isolated part
	bounds    [4]float64
	riverName string
}

// WayNodes returns the node indices (into Nodes) of way i.
func (s *Streets) WayNodes(i int) []int32 {
	w := &s.Ways[i]
	return s.refs[w.first : w.first+w.n]
}

// maxWayNodes splits long lines into several ways.
const maxWayNodes = 400

// streetBuilder accumulates nodes and ways.
type streetBuilder struct {
	c     *City
	g     *grid
	s     *Streets
	rng   *rand.Rand
	vnode []int32 // grid vertex → node, -1 if none
	vmask []uint8 // grid vertex → kinds of touching segments: 1 footway, 2 primary/trunk
	names map[int]string
	cuts  []cutRun
	// The way being built.
	cur     []int32
	curKind WayKind
	curLvl  int8 // 1 bridge, -1 tunnel, 0 at grade
	curName string
}

// cutRun is a blocked stretch of a grid line: it crosses a barrier but got
// no bridge. It may be restored as a bridge to connect an isolated part.
type cutRun struct {
	vertical bool
	line     int // b for a horizontal line, a for a vertical one
	from, to int // vertex positions along the line
	kind     WayKind
	name     string
}

func buildStreets(c *City, seed uint64) (*Streets, error) {
	g := c.g
	sb := &streetBuilder{
		c: c, g: g, s: &Streets{},
		rng:   rand.New(rand.NewPCG(seed, 0x57EE7)),
		vnode: make([]int32, len(g.vflag)),
		vmask: make([]uint8, len(g.vflag)),
		names: map[int]string{},
	}
	for i := range sb.vnode {
		sb.vnode[i] = -1
	}
	sb.nameLines()
	for b := 0; b <= g.nj; b++ {
		sb.line(false, b)
	}
	for a := 0; a <= g.ni; a++ {
		sb.line(true, a)
	}
	for k, v := range sb.vnode {
		if v >= 0 && sb.vmask[k] == 3 {
			sb.s.Crossing[v] = true
		}
	}
	if err := sb.spurs(); err != nil {
		return nil, err
	}
	sb.connect()
	sb.barrierWays()
	sb.finish()
	return sb.s, nil
}

// blockIndex returns the street-block number of an absolute grid line index
// and whether the line is a block line.
func blockIndex(idx int) (int, bool) {
	if idx%blockCells != 0 {
		return 0, false
	}
	return idx / blockCells, true
}

func absMod(x, m int) int {
	x %= m
	if x < 0 {
		x += m
	}
	return x
}

// lineKind is the class of a segment on absolute grid line idx, in a dense
// area or not; ok is false when the line carries no street there.
func lineKind(idx int, dense bool) (WayKind, bool) {
	bi, block := blockIndex(idx)
	if !block {
		if !dense {
			return 0, false
		}
		switch absMod(idx, blockCells) {
		case 2:
			return Residential, true
		case 1:
			return Service, true
		}
		return Footway, true
	}
	switch {
	case bi == 0:
		return Trunk, true
	case dense && absMod(bi, 4) == 0:
		return Primary, true
	case dense && absMod(bi, 2) == 0:
		return Secondary, true
	case dense:
		return Tertiary, true
	case absMod(bi, 16) == 0:
		return Primary, true
	case absMod(bi, 8) == 0:
		return Secondary, true
	case absMod(bi, 4) == 0:
		return Tertiary, true
	case absMod(bi, 2) == 0:
		return Residential, true
	}
	return Service, true
}

// bridgeable reports whether the line may cross the barriers in mask on a
// bridge: trunk and every other primary road over the river, the other
// primaries over the railway, every other primary (in the core; every
// other secondary outside it) over the motorway.
func bridgeable(idx int, mask uint8) bool {
	bi, block := blockIndex(idx)
	if !block {
		return false
	}
	if mask&(1<<river) != 0 && absMod(bi, 8) != 0 {
		return false
	}
	if mask&(1<<rail) != 0 && bi != 0 && absMod(bi, 8) != 4 {
		return false
	}
	if mask&(1<<ring) != 0 && absMod(bi, 8) != 0 {
		return false
	}
	return true
}

// nameLines names the secondary and larger lines: 路 (大道 for the axes).
func (sb *streetBuilder) nameLines() {
	n := newNamer(sb.rng)
	g := sb.g
	add := func(key, idx int) {
		bi, block := blockIndex(idx)
		if !block || absMod(bi, 2) != 0 {
			return
		}
		suffix := "路"
		if bi == 0 {
			suffix = "大道"
		}
		sb.names[key] = n.unique(n.place(), suffix, false)
	}
	for b := 0; b <= g.nj; b++ {
		add(b, g.j0+b)
	}
	for a := 0; a <= g.ni; a++ {
		add(-1-a, g.i0+a)
	}
	sb.s.riverName = n.place() + "河"
	sb.names[-1<<30] = sb.s.riverName
	sb.names[-1<<30+1] = n.place() + "铁路"
	sb.names[-1<<30+2] = n.place() + "绕城高速"
}

// addNode appends a node at local (x, y).
func (sb *streetBuilder) addNode(x, y float64) int32 {
	sb.s.xs = append(sb.s.xs, x)
	sb.s.ys = append(sb.s.ys, y)
	sb.s.Crossing = append(sb.s.Crossing, false)
	return int32(len(sb.s.xs) - 1)
}

// vertexNode returns the node of grid vertex (a, b), creating it.
func (sb *streetBuilder) vertexNode(a, b int) int32 {
	k := sb.g.vidx(a, b)
	if sb.vnode[k] < 0 {
		sb.vnode[k] = sb.addNode(sb.g.pos(a, b))
	}
	return sb.vnode[k]
}

// flush ends the way being built.
func (sb *streetBuilder) flush() {
	if len(sb.cur) >= 2 {
		s := sb.s
		s.Ways = append(s.Ways, Way{Kind: sb.curKind, Bridge: sb.curLvl > 0, Tunnel: sb.curLvl < 0,
			Name: sb.curName, first: int32(len(s.refs)), n: int32(len(sb.cur))})
		s.refs = append(s.refs, sb.cur...)
		if sb.curLvl != 0 && sb.curKind.Walkable() {
			s.bridges++
		}
	}
	sb.cur = sb.cur[:0]
}

// extend adds nodes to the current way, starting a new one when the kind,
// level (bridge, tunnel) or name changes or the way is long. from is the
// first node of the segment (already the last node of the current way if it
// continues).
func (sb *streetBuilder) extend(kind WayKind, lvl int8, name string, from int32, nodes ...int32) {
	if len(sb.cur) > 0 && (sb.curKind != kind || sb.curLvl != lvl || sb.curName != name ||
		sb.cur[len(sb.cur)-1] != from || len(sb.cur) >= maxWayNodes) {
		sb.flush()
	}
	if len(sb.cur) == 0 {
		sb.curKind, sb.curLvl, sb.curName = kind, lvl, name
		sb.cur = append(sb.cur, from)
	}
	sb.cur = append(sb.cur, nodes...)
}

// line builds the ways along one grid line.
func (sb *streetBuilder) line(vertical bool, li int) {
	g := sb.g
	var n, idx int
	vert := func(p int) (int, int) { return p, li }
	if vertical {
		n, idx = g.nj, g.i0+li
		vert = func(p int) (int, int) { return li, p }
	} else {
		n, idx = g.ni, g.j0+li
	}
	key := li
	if vertical {
		key = -1 - li
	}
	name := sb.names[key]
	// status of segment p (vertex p to p+1): 0 none, 1 open, 2 blocked.
	const (
		none = iota
		open
		blocked
	)
	status := func(p int) (uint8, WayKind) {
		a1, b1 := vert(p)
		a2, b2 := vert(p + 1)
		k1, k2 := g.vidx(a1, b1), g.vidx(a2, b2)
		if g.vflag[k1]&vInside == 0 || g.vflag[k2]&vInside == 0 {
			return none, 0
		}
		// The cells on either side of the segment.
		var d bool
		if vertical {
			d = g.dense(li-1, p) || g.dense(li, p)
		} else {
			d = g.dense(p, li-1) || g.dense(p, li)
		}
		kind, ok := lineKind(idx, d)
		if !ok {
			return none, 0
		}
		if (g.vflag[k1]|g.vflag[k2])&vInBar != 0 || g.vside[k1] != g.vside[k2] {
			return blocked, kind
		}
		return open, kind
	}
	p := 0
	for p < n {
		st, kind := status(p)
		switch st {
		case none:
			sb.flush()
			p++
		case open:
			sb.segment(vert, p, kind, 0, name)
			p++
		case blocked:
			// Find the end of the blocked run.
			q := p + 1
			for q < n {
				if s2, _ := status(q); s2 != blocked {
					break
				}
				q++
			}
			a1, b1 := vert(p)
			a2, b2 := vert(q)
			k1, k2 := g.vidx(a1, b1), g.vidx(a2, b2)
			endsOK := g.vflag[k1]&vInBar == 0 && g.vflag[k2]&vInBar == 0 && q < n+1
			mask := g.vside[k1] ^ g.vside[k2]
			switch {
			case endsOK && mask != 0 && q-p <= 10 && bridgeable(idx, mask):
				// The axes pass under the railway; everything else goes over.
				lvl := int8(1)
				if bi, _ := blockIndex(idx); bi == 0 && mask == 1<<rail {
					lvl = -1
				}
				for r := p; r < q; r++ {
					sb.segment(vert, r, kind, lvl, name)
				}
				sb.flush()
			default:
				sb.flush()
				if endsOK && mask != 0 && q-p <= 10 {
					sb.cuts = append(sb.cuts, cutRun{vertical: vertical, line: li, from: p, to: q, kind: kind, name: name})
				}
			}
			p = q
		}
	}
	sb.flush()
}

// segment adds grid segment p→p+1 of a line (with its midpoint node).
func (sb *streetBuilder) segment(vert func(int) (int, int), p int, kind WayKind, lvl int8, name string) {
	a1, b1 := vert(p)
	a2, b2 := vert(p + 1)
	n1 := sb.vertexNode(a1, b1)
	x1, y1 := sb.g.pos(a1, b1)
	x2, y2 := sb.g.pos(a2, b2)
	mid := sb.addNode((x1+x2)/2, (y1+y2)/2)
	n2 := sb.vertexNode(a2, b2)
	if kind == Primary || kind == Trunk {
		sb.vmask[sb.g.vidx(a1, b1)] |= 2
		sb.vmask[sb.g.vidx(a2, b2)] |= 2
	}
	if kind == Footway {
		sb.vmask[sb.g.vidx(a1, b1)] |= 1
		sb.vmask[sb.g.vidx(a2, b2)] |= 1
	}
	nm := name
	if kind < Tertiary {
		nm = ""
	}
	// Bridges and tunnels are their own ways: extend splits on the level.
	sb.extend(kind, lvl, nm, n1, mid, n2)
}

// path adds a way from node `from` to the point (x, y) through
// intermediate nodes every ~30 m and returns the end node.
func (sb *streetBuilder) path(kind WayKind, from int32, x, y float64) int32 {
	fx, fy := sb.s.xs[from], sb.s.ys[from]
	steps := max(1, int(math.Ceil(math.Hypot(x-fx, y-fy)/30)))
	sb.flush()
	sb.curKind, sb.curLvl, sb.curName = kind, 0, ""
	sb.cur = append(sb.cur, from)
	var end int32
	for k := 1; k <= steps; k++ {
		t := float64(k) / float64(steps)
		end = sb.addNode(fx+(x-fx)*t, fy+(y-fy)*t)
		sb.cur = append(sb.cur, end)
	}
	sb.flush()
	return end
}

// nearestVertex finds the existing street vertex on a block line nearest to
// (x, y) on the same side of every barrier.
func (sb *streetBuilder) nearestVertex(x, y float64) int32 {
	g, lay := sb.g, sb.c.lay
	side := lay.sides(x, y)
	fa, fb := g.toGrid(x, y)
	ca, cb := int(math.Round(fa)), int(math.Round(fb))
	for rad := 4; rad <= 64; rad *= 2 {
		best, bd := int32(-1), math.Inf(1)
		for b := max(0, cb-rad); b <= min(g.nj, cb+rad); b++ {
			for a := max(0, ca-rad); a <= min(g.ni, ca+rad); a++ {
				k := g.vidx(a, b)
				if sb.vnode[k] < 0 || g.vside[k] != side {
					continue
				}
				vx, vy := g.pos(a, b)
				if d := math.Hypot(vx-x, vy-y); d < bd {
					best, bd = sb.vnode[k], d
				}
			}
		}
		if best >= 0 {
			return best
		}
	}
	return -1
}

// spurs joins every point unit and every village school to the nearest
// street by a short lane.
func (sb *streetBuilder) spurs() error {
	c := sb.c
	sb.s.unitNode = make([]int32, len(c.units))
	for i := range c.units {
		u := &c.units[i]
		sb.s.unitNode[i] = -1
		if u.kind == kindCompound {
			continue
		}
		v := sb.nearestVertex(u.x, u.y)
		if v < 0 {
			return fmt.Errorf("demo: no street near unit %d", i)
		}
		kind := Service
		if u.kind == kindVillage {
			kind = Residential
		}
		sb.s.unitNode[i] = sb.path(kind, v, u.x, u.y)
	}
	for i := range c.sch {
		si := &c.sch[i]
		if si.region != regionRural {
			continue
		}
		v := sb.nearestVertex(si.x, si.y)
		if v < 0 {
			return fmt.Errorf("demo: no street near school %d", i)
		}
		sb.path(Residential, v, si.x, si.y)
	}
	return nil
}

// unionFind is a disjoint-set forest over node indices.
type unionFind []int32

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = int32(i)
	}
	return u
}

func (u unionFind) find(x int32) int32 {
	for u[x] != x {
		u[x] = u[u[x]]
		x = u[x]
	}
	return x
}

func (u unionFind) union(a, b int32) bool {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return false
	}
	u[ra] = rb
	return true
}

// walkComponents unions the nodes of walkable ways.
func (s *Streets) walkComponents() unionFind {
	uf := newUnionFind(len(s.xs))
	for i := range s.Ways {
		if !s.Ways[i].Kind.Walkable() {
			continue
		}
		ns := s.WayNodes(i)
		for k := 1; k < len(ns); k++ {
			uf.union(ns[k-1], ns[k])
		}
	}
	return uf
}

// connect restores cut crossings as bridges wherever they join two
// otherwise separate parts of the walking network, so that no neighbourhood
// is cut off by the river, the railway and the motorway together.
func (sb *streetBuilder) connect() {
	uf := sb.s.walkComponents()
	g := sb.g
	for _, cr := range sb.cuts {
		vert := func(p int) (int, int) { return p, cr.line }
		if cr.vertical {
			vert = func(p int) (int, int) { return cr.line, p }
		}
		a1, b1 := vert(cr.from)
		a2, b2 := vert(cr.to)
		n1, n2 := sb.vnode[g.vidx(a1, b1)], sb.vnode[g.vidx(a2, b2)]
		if n1 < 0 || n2 < 0 || uf.find(n1) == uf.find(n2) {
			continue
		}
		sb.flush()
		for r := cr.from; r < cr.to; r++ {
			sb.segment(vert, r, cr.kind, 1, cr.name)
		}
		sb.flush()
		sb.s.restored++
		uf.union(n1, n2)
	}
}

// barrierWays adds the river (centre line and water area), the railway and
// the motorway ring with its interchanges. They share no node with streets.
func (sb *streetBuilder) barrierWays() {
	lay := sb.c.lay
	rmax := lay.boundary.maxR() * 1.3
	const step = 40.0
	// Lines: the river and the railway.
	for _, bk := range []barrierKind{river, rail} {
		b := &lay.bars[bk]
		var run []float64 // parameters of consecutive inside points
		emit := func() {
			if len(run) >= 2 {
				sb.barrierLine(bk, run)
			}
			run = run[:0]
		}
		for t := -rmax; t <= rmax; t += step {
			x, y := b.point(t)
			if lay.poly.contains(x, y) {
				run = append(run, t)
			} else {
				emit()
			}
		}
		emit()
	}
	// The ring.
	b := &lay.bars[ring]
	n := int(math.Ceil(2 * math.Pi * b.radius / step))
	ts := make([]float64, n+1)
	for k := range ts {
		ts[k] = 2 * math.Pi * float64(k) / float64(n)
	}
	sb.barrierLine(ring, ts)
	sb.interchanges()
}

// barrierLine adds the ways of one barrier along parameters ts: split
// where it passes over another barrier (bridge), plus the river's area.
func (sb *streetBuilder) barrierLine(bk barrierKind, ts []float64) {
	lay := sb.c.lay
	b := &lay.bars[bk]
	kind, name := River, sb.names[-1<<30]
	switch bk {
	case rail:
		kind, name = Rail, sb.names[-1<<30+1]
	case ring:
		kind, name = Motorway, sb.names[-1<<30+2]
	}
	closed := bk == ring
	var first int32 = -1
	var prev int32 = -1
	for k, t := range ts {
		var nd int32
		if closed && k == len(ts)-1 {
			nd = first
		} else {
			x, y := b.point(t)
			nd = sb.addNode(x, y)
		}
		if k == 0 {
			first = nd
			prev = nd
			continue
		}
		// The railway bridges the river; the motorway bridges both.
		x, y := b.point(t)
		bridge := false
		for ok := river; ok <= rail; ok++ {
			if ok == bk || (bk == river) {
				continue
			}
			o := &lay.bars[ok]
			if math.Abs(o.sdist(x, y)) < o.halfWidth+15 {
				bridge = true
			}
		}
		lvl := int8(0)
		if bridge && (kind == Motorway || kind == Rail) {
			lvl = 1
		}
		sb.extend(kind, lvl, name, prev, nd)
		prev = nd
	}
	sb.flush()
	if bk != river {
		return
	}
	// The water area: left bank forward, right bank back, closed.
	sb.flush()
	var ring []int32
	for _, t := range ts {
		ring = append(ring, sb.addNode(b.offsetPoint(t, b.halfWidth)))
	}
	for k := len(ts) - 1; k >= 0; k-- {
		ring = append(ring, sb.addNode(b.offsetPoint(ts[k], -b.halfWidth)))
	}
	ring = append(ring, ring[0])
	s := sb.s
	s.Ways = append(s.Ways, Way{Kind: Water, Name: name, first: int32(len(s.refs)), n: int32(len(ring))})
	s.refs = append(s.refs, ring...)
}

// interchanges links the motorway ring to the two trunk axes where they
// pass over it.
func (sb *streetBuilder) interchanges() {
	g, lay := sb.g, sb.c.lay
	rb := &lay.bars[ring]
	// The ring's nodes are the last ring way run; find them by angle.
	ringNode := func(x, y float64) int32 {
		// Search the motorway ways for the nearest node.
		best, bd := int32(-1), math.Inf(1)
		for i := range sb.s.Ways {
			if sb.s.Ways[i].Kind != Motorway {
				continue
			}
			for _, nd := range sb.s.WayNodes(i) {
				if d := math.Hypot(sb.s.xs[nd]-x, sb.s.ys[nd]-y); d < bd {
					best, bd = nd, d
				}
			}
		}
		return best
	}
	axes := []struct {
		vertical bool
		line     int
	}{{true, -g.i0}, {false, -g.j0}}
	for _, ax := range axes {
		n := g.ni
		vert := func(p int) (int, int) { return p, ax.line }
		if ax.vertical {
			n = g.nj
			vert = func(p int) (int, int) { return ax.line, p }
		}
		for p := 0; p+1 <= n; p++ {
			a1, b1 := vert(p)
			a2, b2 := vert(p + 1)
			k1, k2 := g.vidx(a1, b1), g.vidx(a2, b2)
			if g.vflag[k1]&vInside == 0 || g.vflag[k2]&vInside == 0 {
				continue
			}
			if (g.vside[k1]^g.vside[k2])&(1<<ring) == 0 {
				continue
			}
			// Link from the outer side: a trunk vertex ~150 m out.
			q := p + 4
			if g.vside[k1]&(1<<ring) != 0 {
				q = p - 3
			}
			if q < 0 || q > n {
				continue
			}
			qa, qb := vert(q)
			k := g.vidx(qa, qb)
			if sb.vnode[k] < 0 {
				continue
			}
			x, y := sb.s.xs[sb.vnode[k]], sb.s.ys[sb.vnode[k]]
			d := rb.sdist(x, y)
			if math.Abs(d) > 400 {
				continue
			}
			rn := ringNode(x, y)
			if rn < 0 {
				continue
			}
			sb.pathBetween(MotorwayLink, rn, sb.vnode[k])
		}
	}
}

// pathBetween adds a way between two existing nodes with intermediate
// nodes every ~30 m.
func (sb *streetBuilder) pathBetween(kind WayKind, from, to int32) {
	fx, fy := sb.s.xs[from], sb.s.ys[from]
	x, y := sb.s.xs[to], sb.s.ys[to]
	steps := max(1, int(math.Ceil(math.Hypot(x-fx, y-fy)/30)))
	sb.flush()
	sb.curKind, sb.curLvl, sb.curName = kind, 0, ""
	sb.cur = append(sb.cur, from)
	for k := 1; k < steps; k++ {
		t := float64(k) / float64(steps)
		sb.cur = append(sb.cur, sb.addNode(fx+(x-fx)*t, fy+(y-fy)*t))
	}
	sb.cur = append(sb.cur, to)
	sb.flush()
}

// finish converts node positions to WGS-84.
func (sb *streetBuilder) finish() {
	s, p := sb.s, sb.c.proj
	s.Nodes = make([]orb.Point, len(s.xs))
	s.bounds = [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for i := range s.xs {
		q := p.lonLat(s.xs[i], s.ys[i])
		s.Nodes[i] = q
		s.bounds[0] = min(s.bounds[0], q[0])
		s.bounds[1] = min(s.bounds[1], q[1])
		s.bounds[2] = max(s.bounds[2], q[0])
		s.bounds[3] = max(s.bounds[3], q[1])
	}
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

// WriteOSM streams the network as OpenStreetMap XML (version 0.6): bounds,
// then every node in id order, then every way. Output is deterministic.
func (s *Streets) WriteOSM(w io.Writer) error {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, 1<<20)
	}
	b := make([]byte, 0, 256)
	b = append(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\" generator=\"catchment demo\">\n"...)
	if len(s.Nodes) > 0 {
		b = fmt.Appendf(b, " <bounds minlat=\"%s\" minlon=\"%s\" maxlat=\"%s\" maxlon=\"%s\"/>\n",
			ftoa(s.bounds[1]), ftoa(s.bounds[0]), ftoa(s.bounds[3]), ftoa(s.bounds[2]))
	}
	if _, err := bw.Write(b); err != nil {
		return err
	}
	for i, p := range s.Nodes {
		b = append(b[:0], " <node id=\""...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, "\" version=\"1\" lat=\""...)
		b = strconv.AppendFloat(b, p[1], 'f', -1, 64)
		b = append(b, "\" lon=\""...)
		b = strconv.AppendFloat(b, p[0], 'f', -1, 64)
		if s.Crossing[i] {
			b = append(b, "\"><tag k=\"highway\" v=\"crossing\"/></node>\n"...)
		} else {
			b = append(b, "\"/>\n"...)
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	for i := range s.Ways {
		wy := &s.Ways[i]
		b = append(b[:0], " <way id=\""...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, "\" version=\"1\">\n"...)
		for _, nd := range s.WayNodes(i) {
			b = append(b, "  <nd ref=\""...)
			b = strconv.AppendInt(b, int64(nd)+1, 10)
			b = append(b, "\"/>\n"...)
		}
		tag := func(k, v string) {
			b = append(b, "  <tag k=\""...)
			b = append(b, k...)
			b = append(b, "\" v=\""...)
			b = append(b, xmlEscaper.Replace(v)...)
			b = append(b, "\"/>\n"...)
		}
		t := wayKindTags[wy.Kind]
		tag(t[0], t[1])
		if wy.Kind == Water {
			tag("water", "river")
		}
		if wy.Bridge {
			tag("bridge", "yes")
			tag("layer", "1")
		}
		if wy.Tunnel {
			tag("tunnel", "yes")
			tag("layer", "-1")
		}
		if wy.Name != "" {
			tag("name", wy.Name)
		}
		b = append(b, " </way>\n"...)
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	if _, err := bw.WriteString("</osm>\n"); err != nil {
		return err
	}
	return bw.Flush()
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
