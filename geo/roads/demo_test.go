package roads

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"catchment/data/demo"
)

// riverSides tells the two banks of a demo city's river apart: the river
// centre line runs across the whole study area as the graph of a function
// along its chord (first to last node), so a point's bank is the side of
// the river segment level with it along the chord. Points within clear
// metres of the centre line or beyond its ends have no side (0).
type riverSides struct {
	origin   orb.Point // local frame: metres east and north of origin
	kx, ky   float64
	ax, ay   float64      // unit chord direction
	line     [][2]float64 // centre-line nodes in the local frame, in order
	clear    float64
	min, max float64 // along-chord extent of the line
}

func newRiverSides(s *demo.Streets, clear float64) *riverSides {
	var pts []orb.Point
	for i, w := range s.Ways {
		if w.Kind != demo.River {
			continue
		}
		for _, n := range s.WayNodes(i) {
			pts = append(pts, s.Nodes[n])
		}
	}
	if len(pts) < 2 {
		return nil
	}
	o := pts[0]
	rs := &riverSides{origin: o, clear: clear,
		kx: math.Cos(o[1]*math.Pi/180) * math.Pi / 180 * 6371000, ky: math.Pi / 180 * 6371000}
	for _, p := range pts {
		rs.line = append(rs.line, rs.local(p))
	}
	last := rs.line[len(rs.line)-1]
	l := math.Hypot(last[0], last[1])
	rs.ax, rs.ay = last[0]/l, last[1]/l
	rs.min, rs.max = math.Inf(1), math.Inf(-1)
	for _, q := range rs.line {
		a := q[0]*rs.ax + q[1]*rs.ay
		rs.min, rs.max = math.Min(rs.min, a), math.Max(rs.max, a)
	}
	return rs
}

func (rs *riverSides) local(p orb.Point) [2]float64 {
	return [2]float64{(p[0] - rs.origin[0]) * rs.kx, (p[1] - rs.origin[1]) * rs.ky}
}

// side returns +1 or −1 for the two banks, 0 when unknown.
func (rs *riverSides) side(p orb.Point) int {
	q := rs.local(p)
	a := q[0]*rs.ax + q[1]*rs.ay
	if a <= rs.min || a >= rs.max {
		return 0
	}
	near, side := math.Inf(1), 0
	for i := 0; i+1 < len(rs.line); i++ {
		s, e := rs.line[i], rs.line[i+1]
		dx, dy := e[0]-s[0], e[1]-s[1]
		// Distance to the segment, for the clearance.
		t := math.Max(0, math.Min(1, ((q[0]-s[0])*dx+(q[1]-s[1])*dy)/(dx*dx+dy*dy)))
		near = math.Min(near, math.Hypot(q[0]-s[0]-t*dx, q[1]-s[1]-t*dy))
		as, ae := s[0]*rs.ax+s[1]*rs.ay, e[0]*rs.ax+e[1]*rs.ay
		if (as <= a) != (ae <= a) && math.Hypot(dx, dy) < 1000 { // level with a, not a jump between runs
			if c := dx*(q[1]-s[1]) - dy*(q[0]-s[0]); (c > 0) == (ae > as) {
				side = 1
			} else {
				side = -1
			}
		}
	}
	if near < rs.clear {
		return 0
	}
	return side
}

// TestDemoCityRiver: on a demo city, every walk from one bank of the river
// to the other crosses at least one barrier edge (checked for every path at
// once: without its barrier edges the graph has no component spanning both
// banks), routes between units on opposite banks count their crossings,
// and with a barrier penalty (and no major-crossing penalty) a route costs
// its metres plus the penalty per crossing.
func TestDemoCityRiver(t *testing.T) {
	city, err := demo.Generate(demo.Config{Pupils: 20000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var osmXML bytes.Buffer
	if err := city.Streets.WriteOSM(&osmXML); err != nil {
		t.Fatal(err)
	}
	g, err := Read(context.Background(), bytes.NewReader(osmXML.Bytes()), FormatXML, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	t.Logf("%v; %d barrier ways", g, st.BarrierWays)
	if st.BarrierEdges == 0 {
		t.Fatal("no barrier edge in a city with a river, a railway and a motorway")
	}
	// The demo's streets cross the river, the railway and the motorway ring
	// only on ways marked Bridge or Tunnel: each of those has a barrier
	// edge, and no other walkable way has one except where a motorway link
	// (a barrier too) passes over or under it without a junction.
	var links [][2]orb.Point
	for i, w := range city.Streets.Ways {
		if w.Kind == demo.MotorwayLink {
			nodes := city.Streets.WayNodes(i)
			for k := 0; k+1 < len(nodes); k++ {
				links = append(links, [2]orb.Point{city.Streets.Nodes[nodes[k]], city.Streets.Nodes[nodes[k+1]]})
			}
		}
	}
	crossesLink := func(p, q orb.Point) bool {
		side := func(a, b, c orb.Point) bool { return (b[0]-a[0])*(c[1]-a[1])-(b[1]-a[1])*(c[0]-a[0]) > 0 }
		for _, l := range links {
			if side(l[0], l[1], p) != side(l[0], l[1], q) && side(p, q, l[0]) != side(p, q, l[1]) {
				return true
			}
		}
		return false
	}
	edgeOf := map[[2]int64]int{}
	for e := range g.NumEdges() {
		ed := g.Edge(e)
		a, b := g.Node(int(ed.U)).OSMID, g.Node(int(ed.V)).OSMID
		edgeOf[[2]int64{min(a, b), max(a, b)}] = e
	}
	levels := 0
	for i, w := range city.Streets.Ways {
		if !w.Kind.Walkable() {
			continue
		}
		nodes := city.Streets.WayNodes(i)
		n := 0
		for k := 0; k+1 < len(nodes); k++ {
			a, b := int64(nodes[k])+1, int64(nodes[k+1])+1 // node i has OSM id i+1
			e, ok := edgeOf[[2]int64{min(a, b), max(a, b)}]
			if !ok || !g.Edge(e).Barrier {
				continue
			}
			if !w.Bridge && !w.Tunnel && crossesLink(city.Streets.Nodes[nodes[k]], city.Streets.Nodes[nodes[k+1]]) {
				continue
			}
			n++
		}
		switch {
		case (w.Bridge || w.Tunnel) && n == 0:
			t.Errorf("%s way %d (%s, bridge %v, tunnel %v) has no barrier edge", w.Kind, i, w.Name, w.Bridge, w.Tunnel)
		case !w.Bridge && !w.Tunnel && n > 0:
			t.Errorf("%s way %d (%s) at grade has %d barrier edges", w.Kind, i, w.Name, n)
		}
		if w.Bridge || w.Tunnel {
			levels++
		}
	}
	if levels == 0 {
		t.Fatal("no bridge or tunnel in the demo city")
	}
	rs := newRiverSides(city.Streets, 100)
	if rs == nil {
		t.Fatal("the demo city has no river")
	}

	// Components of the graph without its barrier edges.
	parent := make([]int32, g.NumNodes())
	for i := range parent {
		parent[i] = int32(i)
	}
	root := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for e := range g.NumEdges() {
		if ed := g.Edge(e); !ed.Barrier {
			parent[root(ed.U)] = root(ed.V)
		}
	}
	bank := map[int32]int{} // component root → its bank (±1)
	sided := [3]int{}
	for u := range g.NumNodes() {
		s := rs.side(g.Node(u).Point)
		sided[s+1]++
		if s == 0 {
			continue
		}
		r := root(int32(u))
		if b, ok := bank[r]; ok && b != s {
			t.Fatalf("node %d at %v on bank %d is joined to the other bank without a barrier edge", u, g.Node(u).Point, s)
		}
		bank[r] = s
	}
	if sided[0] < 1000 || sided[2] < 1000 {
		t.Fatalf("banks: %d and %d nodes (%d unknown): the side test does not see the river", sided[0], sided[2], sided[1])
	}

	// Routes between units on opposite banks.
	const pen = 2000
	nw, err := NewNetwork(g, Options{BarrierPenaltyMeters: pen})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := NewNetwork(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var north, south []orb.Point
	for _, u := range city.Dataset.Units {
		switch rs.side(u.Loc) {
		case 1:
			north = append(north, u.Loc)
		case -1:
			south = append(south, u.Loc)
		}
	}
	if len(north) < 20 || len(south) < 20 {
		t.Fatalf("%d and %d units on the two banks", len(north), len(south))
	}
	rng := rand.New(rand.NewPCG(3, 1))
	routes := 0
	for range 30 {
		a, b := north[rng.IntN(len(north))], south[rng.IntN(len(south))]
		for _, n := range []*Network{plain, nw} {
			r, err := n.Route(a, b)
			if err != nil {
				continue // a unit off the network: reported elsewhere
			}
			routes++
			if r.BarrierCrossings < 1 {
				t.Fatalf("route %v → %v crosses the river with %d barrier crossings", a, b, r.BarrierCrossings)
			}
			p := n.Options().BarrierPenaltyMeters
			if d := r.Cost - r.Meters - p*float64(r.BarrierCrossings); math.Abs(d) > 1e-6*r.Cost {
				t.Fatalf("route %v → %v: Cost %v − Meters %v ≠ %v × %d crossings", a, b, r.Cost, r.Meters, p, r.BarrierCrossings)
			}
		}
	}
	if routes < 40 {
		t.Fatalf("only %d routes found across the river", routes)
	}
}
