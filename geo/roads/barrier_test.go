package roads

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"catchment/geo"
)

func TestBarrierClass(t *testing.T) {
	for _, tc := range []struct {
		tags string
		want barrierKind
		kind geo.BarrierKind
	}{
		{"", notBarrier, 0},
		{"highway=footway", notBarrier, 0},
		{"highway=trunk", notBarrier, 0},
		{"highway=primary;bridge=yes", notBarrier, 0},
		{"highway=motorway", barrierLine, geo.BarrierMotorway},
		{"highway=motorway;bridge=yes", barrierLine, geo.BarrierMotorway},
		{"highway=motorway;tunnel=yes", notBarrier, 0},
		{"highway=motorway_link", barrierLink, geo.BarrierMotorway},
		{"railway=rail", barrierLine, geo.BarrierRailway},
		{"railway=light_rail", barrierLine, geo.BarrierRailway},
		{"railway=narrow_gauge", barrierLine, geo.BarrierRailway},
		{"railway=subway;tunnel=yes", notBarrier, 0},
		{"railway=subway", barrierLine, geo.BarrierRailway},
		{"railway=monorail", barrierLine, geo.BarrierRailway},
		{"railway=rail;tunnel=yes", notBarrier, 0},
		{"railway=rail;tunnel=no", barrierLine, geo.BarrierRailway},
		{"railway=rail;bridge=yes", barrierLine, geo.BarrierRailway},
		{"railway=tram", notBarrier, 0},
		{"railway=abandoned", notBarrier, 0},
		{"railway=platform", notBarrier, 0},
		{"waterway=river", barrierLine, geo.BarrierWater},
		{"waterway=canal", barrierLine, geo.BarrierWater},
		{"waterway=river;tunnel=culvert", notBarrier, 0},
		{"waterway=stream", notBarrier, 0},
		{"waterway=ditch", notBarrier, 0},
		{"waterway=riverbank", barrierArea, geo.BarrierWater},
		{"natural=water", barrierArea, geo.BarrierWater},
		{"natural=water;water=river", barrierArea, geo.BarrierWater},
		{"water=lake", barrierArea, geo.BarrierWater},
		{"water=no", notBarrier, 0},
		{"natural=wood", notBarrier, 0},
	} {
		if got, kind := barrierClass(tagsOf(tc.tags)); got != tc.want || kind != tc.kind {
			t.Errorf("barrierClass(%q) = %d, %v, want %d, %v", tc.tags, got, kind, tc.want, tc.kind)
		}
	}
}

// TestBarrierEdges builds one scene per case around a walk from (0, −200)
// to (0, 200) across y = 0, where the case puts (or does not put) a
// barrier, and checks which edges are flagged and what Route counts and
// charges.
func TestBarrierEdges(t *testing.T) {
	// street is the walk S0 (0,−200) → … → N0 (0,200) through the named
	// middle nodes (declared by the case) with the given tags.
	street := func(m *mini, tags string, middle ...string) {
		m.node("S0", 0, -200)
		m.node("N0", 0, 200)
		m.way(tags, append(append([]string{"S0"}, middle...), "N0")...)
	}
	// line adds a barrier (or not) along y = 0 from x = −300 to 300.
	line := func(m *mini, tags string) {
		m.node("W", -300, 0)
		m.node("E", 300, 0)
		m.way(tags, "W", "E")
	}
	// water adds a closed water area −300 ≤ x ≤ 300, −20 ≤ y ≤ 20 (in the
	// given order of corners: clockwise when cw), named B1 on its south
	// bank at x = 0 and B2 on its north bank.
	water := func(m *mini, tags string, cw bool) {
		m.node("c1", -300, -20)
		m.node("B1", 0, -20)
		m.node("c2", 300, -20)
		m.node("c3", 300, 20)
		m.node("B2", 0, 20)
		m.node("c4", -300, 20)
		ring := []string{"c1", "B1", "c2", "c3", "B2", "c4", "c1"}
		if cw {
			for i, j := 0, len(ring)-1; i < j; i, j = i+1, j-1 {
				ring[i], ring[j] = ring[j], ring[i]
			}
		}
		m.way(tags, ring...)
	}
	for _, tc := range []struct {
		name      string
		build     func(m *mini)
		edges     int             // barrier edges in the graph
		crossings int             // on the walk
		kinds     geo.BarrierKind // of the barriers on the walk (and of all barrier edges)
	}{
		{"bridge over a river", func(m *mini) {
			street(m, "highway=footway;bridge=yes;layer=1")
			line(m, "waterway=river")
		}, 1, 1, geo.BarrierWater},
		{"bridge of two edges over a canal", func(m *mini) {
			m.node("M", 10, 40)
			street(m, "highway=residential;bridge=yes", "M")
			line(m, "waterway=canal")
		}, 1, 1, geo.BarrierWater},
		{"footbridge over a trunk road", func(m *mini) {
			street(m, "highway=footway;bridge=yes;layer=1")
			line(m, "highway=trunk")
		}, 0, 0, 0},
		{"footbridge over a motorway", func(m *mini) {
			street(m, "highway=footway;bridge=yes;layer=1")
			line(m, "highway=motorway")
		}, 1, 1, geo.BarrierMotorway},
		{"underpass beneath a railway", func(m *mini) {
			street(m, "highway=footway;tunnel=yes;layer=-1")
			line(m, "railway=rail")
		}, 1, 1, geo.BarrierRailway},
		{"street over a railway tunnel", func(m *mini) {
			street(m, "highway=residential")
			line(m, "railway=rail;tunnel=yes;layer=-1")
		}, 0, 0, 0},
		{"street over a culverted river", func(m *mini) {
			street(m, "highway=residential")
			line(m, "waterway=river;tunnel=culvert")
		}, 0, 0, 0},
		{"ordinary street beside a river", func(m *mini) {
			street(m, "highway=residential")
			m.node("W", -300, 300)
			m.node("E", 300, 300)
			m.way("waterway=river", "W", "E")
		}, 0, 0, 0},
		{"level crossing", func(m *mini) {
			m.node("X", 0, 0, "railway=level_crossing")
			street(m, "highway=residential", "X")
			m.node("W", -300, 0)
			m.node("E", 300, 0)
			m.way("railway=rail", "W", "X", "E")
		}, 1, 1, geo.BarrierRailway},
		{"level crossing where the railway is split into two ways", func(m *mini) {
			m.node("X", 0, 0, "railway=level_crossing")
			street(m, "highway=residential", "X")
			m.node("W", -300, 0)
			m.node("E", 300, 0)
			m.way("railway=rail", "W", "X")
			m.way("railway=rail", "X", "E")
		}, 1, 1, geo.BarrierRailway},
		{"ford of a river bent at the crossing", func(m *mini) {
			m.node("X", 0, 0, "ford=yes")
			street(m, "highway=track", "X")
			m.node("W", -300, 150)
			m.node("E", 300, 150)
			m.way("waterway=river", "E", "X", "W")
		}, 1, 1, geo.BarrierWater},
		{"path touching a railway node from one side", func(m *mini) {
			m.node("L1", -50, 50)
			m.node("X", 0, 0)
			m.node("L2", 50, 50)
			m.node("S0", 0, -200)
			m.node("N0", 0, 200)
			m.way("highway=footway", "S0", "L1", "X", "L2", "N0")
			m.node("W", -300, 0)
			m.node("E", 300, 0)
			m.way("railway=rail", "W", "X", "E")
		}, 1, 1, geo.BarrierRailway}, // L2–N0 crosses nothing; S0–L1 crosses the rail geometrically
		{"railway node on a street without a shared node", func(m *mini) {
			street(m, "highway=residential")
			m.node("W", -300, -50)
			m.node("X", 0, 0) // exactly on S0–N0
			m.node("E", 300, 50)
			m.way("railway=rail", "W", "X", "E")
		}, 1, 1, geo.BarrierRailway},
		{"railway node at a street node's position, not shared", func(m *mini) {
			m.node("M", 0, 0)
			street(m, "highway=residential", "M")
			m.node("W", -300, -50)
			m.node("X", 0, 0)
			m.node("E", 300, 50)
			m.way("railway=rail", "W", "X", "E")
		}, 1, 1, geo.BarrierRailway},
		{"motorway links meeting at a street node", func(m *mini) {
			m.node("X", 0, 0)
			street(m, "highway=primary", "X")
			m.node("L1", -300, 10)
			m.node("L2", 300, 10)
			m.way("highway=motorway_link", "L1", "X")
			m.way("highway=motorway_link", "X", "L2")
		}, 0, 0, 0},
		{"bridge over a river area, counter-clockwise", func(m *mini) {
			street(m, "highway=footway;bridge=yes")
			water(m, "natural=water;water=river", false)
		}, 1, 1, geo.BarrierWater},
		{"bridge over a riverbank area, clockwise", func(m *mini) {
			street(m, "highway=footway;bridge=yes")
			water(m, "waterway=riverbank", true)
		}, 1, 1, geo.BarrierWater},
		{"bridge with a pier over a river area and its centre line", func(m *mini) {
			m.node("M", 0, 5)
			street(m, "highway=footway;bridge=yes", "M")
			water(m, "natural=water", false)
			line(m, "waterway=river")
		}, 2, 2, geo.BarrierWater}, // S0–M crosses the south bank and the centre line, M–N0 the north bank
		{"bridge glued to both banks of a water area", func(m *mini) {
			water(m, "natural=water", true)
			street(m, "highway=footway", "B1", "B2")
		}, 1, 1, geo.BarrierWater},
		{"promenade along the banks turning onto a bridge glued to them", func(m *mini) {
			water(m, "natural=water", false)
			m.node("S0", -300, -200)
			m.node("N0", 300, 200)
			m.way("highway=footway", "S0", "c1", "B1", "B2", "c3", "N0")
		}, 1, 1, geo.BarrierWater},
		{"promenade along the bank sharing its nodes", func(m *mini) {
			water(m, "natural=water", false)
			m.node("S0", -300, -200)
			m.node("N0", 300, -200)
			m.way("highway=footway", "S0", "c1", "B1", "c2", "N0")
		}, 0, 0, 0},
		{"bridge over a river beside a railway", func(m *mini) {
			street(m, "highway=footway;bridge=yes")
			line(m, "waterway=river")
			m.node("RW", -300, 10)
			m.node("RE", 300, 10)
			m.way("railway=rail", "RW", "RE")
		}, 1, 1, geo.BarrierWater | geo.BarrierRailway},
		{"bridges over a canal and a motorway", func(m *mini) {
			m.node("M", 0, 50)
			street(m, "highway=footway;bridge=yes", "M")
			line(m, "waterway=canal")
			m.node("MW", -300, 100)
			m.node("ME", 300, 100)
			m.way("highway=motorway", "MW", "ME")
		}, 2, 2, geo.BarrierWater | geo.BarrierMotorway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMini()
			tc.build(m)
			for _, pen := range []float64{0, 1000} {
				nw := m.network(t, Options{BarrierPenaltyMeters: pen})
				g := nw.Graph()
				if got := g.Stats().BarrierEdges; got != int64(tc.edges) {
					t.Fatalf("%d barrier edges, want %d", got, tc.edges)
				}
				n := 0
				var kinds geo.BarrierKind
				for e := range g.NumEdges() {
					ed := g.Edge(e)
					if ed.Barrier != nw.barrierEdge(int32(e)) || !(ed.BarrierAt >= 0 && ed.BarrierAt <= 1) {
						t.Fatalf("edge %d: %+v, barrierEdge %v", e, ed, nw.barrierEdge(int32(e)))
					}
					if ed.Barrier != (ed.BarrierKinds != 0) || ed.BarrierKinds&^geo.AllBarrierKinds != 0 {
						t.Fatalf("edge %d: %+v: kinds must be set exactly on barrier edges", e, ed)
					}
					if ed.Barrier {
						n++
						kinds |= ed.BarrierKinds
					}
				}
				if kinds != tc.kinds {
					t.Errorf("barrier edges of kinds %v, want %v", kinds, tc.kinds)
				}
				if n != tc.edges {
					t.Fatalf("%d edges with Barrier set, stats say %d", n, tc.edges)
				}
				a, b := m.pos("S0"), m.pos("N0")
				r, err := nw.Route(a, b)
				if err != nil {
					t.Fatal(err)
				}
				if r.BarrierCrossings != tc.crossings || r.BarrierKinds != tc.kinds {
					t.Errorf("penalty %g: %d barrier crossings of kinds %v, want %d of %v (path %v)",
						pen, r.BarrierCrossings, r.BarrierKinds, tc.crossings, tc.kinds, r.Path)
				}
				near(t, "Cost − Meters", r.Cost-r.Meters, pen*float64(tc.crossings), 0.01)
				near(t, "Metric Meters", nw.Meters(a, b), r.Cost, 1e-6)
			}
		})
	}
}

// pos returns the position of a named node of the document.
func (m *mini) pos(name string) orb.Point {
	id := m.ids[name]
	s := m.b.String()
	i := strings.Index(s, fmt.Sprintf(`<node id="%d" `, id))
	var lat, lon float64
	fmt.Sscanf(s[i:], `<node id="%d" lat="%f" lon="%f">`, &id, &lat, &lon)
	return orb.Point{lon, lat}
}

// TestBarrierSnappedOnBridge: points snapped onto a long bridge edge pay
// the penalty only when the walk passes the river's position on it.
//
//	N (0,100) ── (−100,100) north bank street
//	│  · p2 (5, 80)
//	│ ~~~~~~~~~~~~~ river y = 20 (the bridge edge N–S crosses at 60% from S)
//	│  · p1 (5, −80)
//	S (0,−100) ── (−100,−100) south bank street
func TestBarrierSnappedOnBridge(t *testing.T) {
	m := newMini()
	m.node("S", 0, -100)
	m.node("N", 0, 100)
	m.node("SW", -100, -100)
	m.node("NW", -100, 100)
	m.way("highway=footway;bridge=yes", "S", "N")
	m.way("highway=residential", "SW", "S")
	m.way("highway=residential", "N", "NW")
	m.node("R1", -300, 20)
	m.node("R2", 300, 20)
	m.way("waterway=river", "R1", "R2")
	const pen = 500
	nw := m.network(t, Options{BarrierPenaltyMeters: pen})
	p1, p2 := pt(5, -80), pt(5, 80)
	q1, q2 := pt(5, -10), pt(5, 10) // both south of the river
	for _, tc := range []struct {
		name      string
		a, b      orb.Point
		meters    float64
		crossings int
	}{
		{"along the bridge across the river", p1, p2, 5 + 160 + 5, 1},
		{"along the bridge on one bank", p1, q1, 5 + 70 + 5, 0},
		{"on the bridge to the south street", p1, pt(-100, -100), 5 + 20 + 100, 0},
		{"on the bridge past the river to the north street", q2, pt(-100, 100), 5 + 90 + 100, 1},
		{"south street to north street", pt(-100, -100), pt(-100, 100), 100 + 200 + 100, 1},
		{"two points close together on either side", q2, pt(5, 30), 5 + 20 + 5, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := nw.Route(tc.a, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			near(t, "Meters", r.Meters, tc.meters, 0.5)
			if r.BarrierCrossings != tc.crossings {
				t.Errorf("%d barrier crossings, want %d", r.BarrierCrossings, tc.crossings)
			}
			near(t, "Cost − Meters", r.Cost-r.Meters, pen*float64(tc.crossings), 0.01)
			// The walking metric and both multi-source searches agree.
			near(t, "Meters()", nw.Meters(tc.a, tc.b), r.Cost, 1e-6)
			for _, k := range []int{1, maxLabels + 1} { // k-label search, per-destination search
				dests := make([]orb.Point, k)
				for i := range dests {
					dests[i] = tc.b
				}
				c, err := nw.Nearest(context.Background(), []orb.Point{tc.a}, dests, k)
				if err != nil {
					t.Fatal(err)
				}
				if dest, d := c.Row(0); len(dest) != k || math.Abs(d[0]-r.Cost) > 1e-6 || math.Abs(d[k-1]-r.Cost) > 1e-6 {
					t.Errorf("k=%d: Nearest row of %d, costs %v…%v, want %v", k, len(dest), d[0], d[len(d)-1], r.Cost)
				}
			}
		})
	}
	if got := nw.Graph().Edge(0); !got.Barrier || math.Abs(got.BarrierAt-0.6) > 1e-4 {
		t.Errorf("bridge edge %+v: want Barrier at 0.6", got)
	}
}

// riverTown is randomTown with a river crossing it diagonally (every street
// it meets is a bridge) and a railway along a column of nodes (every
// street crossing it is a level crossing; the footways along it run on its
// nodes).
func riverTown(t testing.TB, seed uint64) *mini {
	m, _ := randomTown(t, seed)
	m.node("r1", -100, -60)
	m.node("r2", 800, 700)
	m.node("r3", 1700, 1500)
	m.way("waterway=river", "r1", "r2", "r3")
	var rail []string
	for j := range 20 {
		rail = append(rail, fmt.Sprintf("%d_%d", 13, j))
	}
	m.way("railway=rail", rail...)
	return m
}

// TestNearestWithBarrierPenalty: with a barrier penalty, the k-label
// search and the per-destination search agree with Meters (checkNearest),
// and Route's cost is its metres plus the penalties it counts.
func TestNearestWithBarrierPenalty(t *testing.T) {
	for _, tc := range []struct {
		k, nd      int
		pen, major float64
	}{
		{3, 40, 250, 0},
		{6, 40, 80, 40},
		{300, 300, 250, 0}, // one Dijkstra per destination
	} {
		t.Run(fmt.Sprintf("k=%d/pen=%g/major=%g", tc.k, tc.pen, tc.major), func(t *testing.T) {
			m := riverTown(t, uint64(tc.k))
			nw := m.network(t, Options{BarrierPenaltyMeters: tc.pen, MajorCrossingPenaltyMeters: tc.major, MaxSnapMeters: 60, MaxWalkMeters: 2500})
			if nw.Graph().Stats().BarrierEdges < 10 {
				t.Fatalf("only %d barrier edges in the river town", nw.Graph().Stats().BarrierEdges)
			}
			_, rng := randomTown(t, uint64(tc.k))
			origins := randomPoints(rng, min(40, 4000/tc.nd))
			dests := randomPoints(rng, tc.nd)
			res := checkNearest(t, nw, origins, dests, tc.k)
			crossed := 0
			for i, o := range origins {
				dest, cost := res.Row(i)
				for x, d := range dest {
					r, err := nw.Route(o, dests[d])
					if err != nil {
						t.Fatal(err)
					}
					if math.Abs(r.Cost-cost[x]) > 1e-6*math.Max(1, r.Cost) {
						t.Fatalf("origin %d dest %d: Route cost %v, Nearest %v", i, d, r.Cost, cost[x])
					}
					crossed += r.BarrierCrossings
					if tc.major == 0 {
						near(t, "Cost − Meters", r.Cost-r.Meters, tc.pen*float64(r.BarrierCrossings), 1e-3)
					}
				}
			}
			if crossed == 0 {
				t.Error("no listed route crosses the river or the railway")
			}
		})
	}
}

// TestBarrierMarshal: barrier flags, positions and kinds survive the blob,
// and a blob of a previous format version is refused with a clear error.
func TestBarrierMarshal(t *testing.T) {
	g := riverTown(t, 3).network(t, Options{}).Graph()
	blob, err := g.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Graph
	if err := back.UnmarshalBinary(blob); err != nil {
		t.Fatal(err)
	}
	if back.Stats().BarrierEdges == 0 || back.Stats() != g.Stats() {
		t.Fatalf("stats %+v, want %+v with barrier edges", back.Stats(), g.Stats())
	}
	for e := range g.NumEdges() {
		if g.Edge(e) != back.Edge(e) {
			t.Fatalf("edge %d: %+v, want %+v", e, back.Edge(e), g.Edge(e))
		}
	}
	for _, v := range []string{"1", "2"} {
		old := append([]byte(binaryMagicPrefix+v), blob[len(binaryMagic):]...)
		if err := new(Graph).UnmarshalBinary(old); err == nil || !strings.Contains(err.Error(), "version "+v) || !strings.Contains(err.Error(), "re-import") {
			t.Errorf("version-%s blob: err = %v, want a version error asking to re-import", v, err)
		}
	}
	// The blob ends with the barrier positions (float32) then kinds (byte).
	nb := int(g.Stats().BarrierEdges)
	atEnd := len(blob) - nb // just past the last position
	for _, tc := range []struct {
		name string
		edit func(b []byte) []byte
	}{
		{"NaN barrier position", func(b []byte) []byte { copy(b[atEnd-4:], []byte{0, 0, 0xc0, 0x7f}); return b }},
		{"empty barrier kinds", func(b []byte) []byte { b[len(b)-1] = 0; return b }},
		{"unknown barrier kind", func(b []byte) []byte { b[len(b)-1] = 0x80; return b }},
		{"missing barrier kind", func(b []byte) []byte { return b[:len(b)-1] }},
		{"missing barrier position and kind", func(b []byte) []byte { return b[:len(b)-5] }},
	} {
		if err := new(Graph).UnmarshalBinary(tc.edit(bytes.Clone(blob))); err == nil || !strings.Contains(err.Error(), "barrier") {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

func TestBarrierPenaltyValidation(t *testing.T) {
	g := riverTown(t, 1).network(t, Options{}).Graph()
	for _, pen := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := NewNetwork(g, Options{BarrierPenaltyMeters: pen}); err == nil || !strings.Contains(err.Error(), "BarrierPenaltyMeters") {
			t.Errorf("penalty %v: err = %v", pen, err)
		}
	}
	if _, err := NewNetwork(g, Options{BarrierPenaltyMeters: 0}); err != nil {
		t.Error(err)
	}
}
