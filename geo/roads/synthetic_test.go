package roads

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// mini builds tiny OpenStreetMap XML documents on a local metric grid:
// x metres east and y metres north of (1.5°E, 42.5°N).
type mini struct {
	b      strings.Builder
	nextID int64
	ids    map[string]int64
}

const lon0, lat0 = 1.5, 42.5

// Metres per degree of latitude and longitude at lat0 on the WGS-84
// ellipsoid (meridian and prime-vertical radii of curvature).
var mPerDegLat, mPerDegLon = func() (float64, float64) {
	const a, e2 = 6378137.0, 6.69437999014e-3
	s := math.Sin(lat0 * degToRad)
	w := 1 - e2*s*s
	return a * (1 - e2) / (w * math.Sqrt(w)) * degToRad, a / math.Sqrt(w) * math.Cos(lat0*degToRad) * degToRad
}()

// pt converts local metres east and north of (lon0, lat0) to a WGS-84 point.
func pt(x, y float64) orb.Point {
	return orb.Point{lon0 + x/mPerDegLon, lat0 + y/mPerDegLat}
}

func newMini() *mini { return &mini{ids: map[string]int64{}, nextID: 1} }

// node adds a named node at (x, y) with optional k=v tags.
func (m *mini) node(name string, x, y float64, tags ...string) {
	id := m.nextID
	m.nextID++
	m.ids[name] = id
	p := pt(x, y)
	fmt.Fprintf(&m.b, `<node id="%d" lat="%.9f" lon="%.9f">`, id, p[1], p[0])
	for _, kv := range tags {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&m.b, `<tag k="%s" v="%s"/>`, k, v)
	}
	m.b.WriteString("</node>\n")
}

// way adds a way through the named nodes; tags is "k=v;k=v".
func (m *mini) way(tags string, names ...string) {
	id := m.nextID
	m.nextID++
	fmt.Fprintf(&m.b, `<way id="%d">`, id)
	for _, n := range names {
		fmt.Fprintf(&m.b, `<nd ref="%d"/>`, m.ids[n])
	}
	for _, kv := range strings.Split(tags, ";") {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&m.b, `<tag k="%s" v="%s"/>`, k, v)
	}
	m.b.WriteString("</way>\n")
}

func (m *mini) xml() string {
	return "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n" + m.b.String() + "</osm>\n"
}

// network imports the document (keeping every component) and indexes it.
func (m *mini) network(t testing.TB, opts Options) *Network {
	t.Helper()
	g, err := Read(context.Background(), strings.NewReader(m.xml()), FormatXML, Options{MinComponentNodes: -1})
	if err != nil {
		t.Fatal(err)
	}
	nw, err := NewNetwork(g, opts)
	if err != nil {
		t.Fatal(err)
	}
	return nw
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.3f, want %.3f ± %g", what, got, want, tol)
	}
}

// TestRiverOneBridge: the only way across the river is the bridge at the
// east end; the railway that joins the two banks at the west end shares
// their nodes but is not walkable, and the river itself is not an edge.
//
//	N1 ─────────── N2 ─────────── N3     north bank footway, y = 60
//	║                              │      bridge: footway, bridge=yes
//	║ ~~~~~~~~~~~~ river ~~~~~~~~~~│~~~   waterway=river, y = 30
//	║ railway=rail                 │
//	S1 ─────────── S2 ─────────── S3     south bank footway, y = 0
//	x = 0          300            600
func TestRiverOneBridge(t *testing.T) {
	m := newMini()
	m.node("N1", 0, 60)
	m.node("N2", 300, 60)
	m.node("N3", 600, 60)
	m.node("S1", 0, 0)
	m.node("S2", 300, 0)
	m.node("S3", 600, 0)
	m.node("R1", -50, 30)
	m.node("R2", 650, 30)
	m.way("highway=footway", "N1", "N2", "N3")
	m.way("highway=footway", "S1", "S2", "S3")
	m.way("highway=footway;bridge=yes;layer=1", "N3", "S3")
	m.way("waterway=river", "R1", "R2")
	m.way("railway=rail", "N1", "S1")
	nw := m.network(t, Options{})
	a, b := pt(0, 65), pt(0, -5)
	near(t, "walking N→S", nw.Meters(a, b), 5+600+60+600+5, 0.5)
	r, err := nw.Route(a, b)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "straight", r.Straight, 70, 0.1)
	if !slices.ContainsFunc(r.Path, func(p orb.Point) bool { return geodesic(p, pt(600, 30)) < 31 }) {
		t.Errorf("route %v does not use the bridge", r.Path)
	}
	if r.MajorCrossings != 0 {
		t.Errorf("MajorCrossings = %d, want 0", r.MajorCrossings)
	}
}

// TestWalkability joins two residential streets with one connecting way
// and checks whether the importer lets a child walk across it.
//
//	A ──────── B ·········· C ──────── D
//	residential  connector   residential
//	x = 0      100          200        300
func TestWalkability(t *testing.T) {
	for _, tc := range []struct {
		tags string
		walk bool
	}{
		{"highway=motorway", false},
		{"highway=motorway_link", false},
		{"highway=motorway;foot=yes", false},
		{"highway=trunk", true},
		{"highway=trunk;sidewalk=no", false},
		{"highway=trunk;sidewalk=no;foot=yes", true},
		{"highway=primary", true},
		{"highway=primary;foot=no", false},
		{"highway=footway", true},
		{"highway=footway;foot=no", false},
		{"highway=residential;access=private", false},
		{"highway=residential;access=no;foot=yes", true},
		{"highway=service;access=private;foot=permissive", true},
		{"highway=cycleway", false},
		{"highway=cycleway;foot=designated", true},
		{"highway=construction;construction=footway", false},
		{"highway=proposed", false},
		{"highway=footway;bridge=yes;layer=1", true},
		{"highway=footway;tunnel=yes;layer=-1", true},
		{"highway=steps", true},
		{"highway=pedestrian;area=yes", true},
		{"railway=rail", false},
		{"waterway=river", false},
	} {
		t.Run(tc.tags, func(t *testing.T) {
			m := newMini()
			m.node("A", 0, 0)
			m.node("B", 100, 0)
			m.node("C", 200, 0)
			m.node("D", 300, 0)
			m.way("highway=residential", "A", "B")
			m.way(tc.tags, "B", "C")
			m.way("highway=residential", "C", "D")
			nw := m.network(t, Options{})
			got := nw.Meters(pt(0, 1), pt(300, 1))
			if tc.walk {
				near(t, "Meters", got, 302, 0.5)
			} else if !math.IsInf(got, 1) {
				t.Errorf("Meters = %v across a non-walkable way, want +Inf", got)
			}
		})
	}
}

// TestFootNoDetour: the direct path A–B is foot=no, so the walk goes round.
//
//	C ─────── D
//	│         │
//	A ─ ✗ ─── B      A–B footway foot=no
//	0        100
func TestFootNoDetour(t *testing.T) {
	m := newMini()
	m.node("A", 0, 0)
	m.node("B", 100, 0)
	m.node("C", 0, 100)
	m.node("D", 100, 100)
	m.way("highway=footway;foot=no", "A", "B")
	m.way("highway=path", "A", "C", "D", "B")
	nw := m.network(t, Options{})
	near(t, "A→B", nw.Meters(pt(0, 0), pt(100, 0)), 300, 0.5)
}

// crossingTown is a primary road W–E crossed at grade by a footway N–S at
// node X (a highway=crossing node), a side street T ending at Y on the
// primary from the north (no crossing), and a footbridge F1–F2 passing over
// the primary without sharing a node.
//
//	              N (0,100)   T (300,100)    F1 (600,100)
//	              │           │              │
//	W ─────────── X ───────── Y ──────────── │ ───────── E     highway=primary, y = 0
//	(-200,0)      │ crossing  (300,0)        │ bridge    (800,0)
//	              S (0,-100)                 F2 (600,-100)
func crossingTown(t *testing.T, opts Options) *Network {
	m := newMini()
	m.node("W", -200, 0)
	m.node("X", 0, 0, "highway=crossing")
	m.node("Y", 300, 0)
	m.node("E", 800, 0)
	m.node("N", 0, 100)
	m.node("S", 0, -100)
	m.node("T", 300, 100)
	m.node("F1", 600, 100)
	m.node("F2", 600, -100)
	m.way("highway=primary", "W", "X", "Y", "E")
	m.way("highway=footway;footway=crossing", "N", "X")
	m.way("highway=footway;footway=crossing", "X", "S")
	m.way("highway=residential", "T", "Y")
	m.way("highway=footway;bridge=yes;layer=1", "F1", "F2")
	m.way("highway=footway", "T", "F1") // so the bridge is reachable
	return m.network(t, opts)
}

func TestMajorCrossings(t *testing.T) {
	for _, pen := range []float64{0, 50} {
		nw := crossingTown(t, Options{MajorCrossingPenaltyMeters: pen})
		for _, tc := range []struct {
			name      string
			a, b      orb.Point
			meters    float64
			crossings int
			extraCost float64 // penalties paid, in units of the full penalty
		}{
			{"across at the crossing", pt(0, 100), pt(0, -100), 200, 1, 1},
			{"onto the sidewalk at a crossroads", pt(0, 100), pt(-200, 0), 300, 0, 0.5},
			{"side street T-junction", pt(300, 100), pt(800, 0), 600, 0, 0},
			{"along the primary", pt(-200, 0), pt(800, 0), 1000, 0, 0},
			{"over the footbridge", pt(600, 100), pt(600, -100), 200, 0, 0},
		} {
			t.Run(fmt.Sprintf("%s/penalty=%g", tc.name, pen), func(t *testing.T) {
				r, err := nw.Route(tc.a, tc.b)
				if err != nil {
					t.Fatal(err)
				}
				near(t, "Meters", r.Meters, tc.meters, 0.5)
				near(t, "Cost", r.Cost, tc.meters+tc.extraCost*pen, 0.5)
				near(t, "Metric Meters", nw.Meters(tc.a, tc.b), r.Cost, 1e-6)
				if r.MajorCrossings != tc.crossings {
					t.Errorf("MajorCrossings = %d, want %d", r.MajorCrossings, tc.crossings)
				}
			})
		}
		// The per-candidate crossing count of NearestDetailed agrees.
		res, err := nw.NearestDetailed(context.Background(),
			[]orb.Point{pt(0, 100), pt(-200, 0)}, []orb.Point{pt(0, -100)}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Crossings, []int32{1, 0}) {
			t.Errorf("penalty %g: NearestDetailed crossings %v, want [1 0]", pen, res.Crossings)
		}
		// Nearest (the geo.Metric) carries the same counts in Candidates.
		c, err := nw.Nearest(context.Background(),
			[]orb.Point{pt(0, 100), pt(-200, 0)}, []orb.Point{pt(0, -100)}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.Crossings, []int32{1, 0}) {
			t.Errorf("penalty %g: Nearest Candidates.Crossings %v, want [1 0]", pen, c.Crossings)
		}
	}
	g := crossingTown(t, Options{}).Graph()
	if got := g.Stats().CrossingNodes; got != 1 {
		t.Errorf("CrossingNodes = %d, want 1 (X only: Y is a T-junction, the bridge shares no node)", got)
	}
}

// TestUnreachable: each way a point can fail to get distances is reported.
//
//	U0 · A ───────── B ───────── C ·        main network, school near C
//	                                       (school 1 is 5 km away: no road)
//	     P ── Q                            island: footway in a fenced park,
//	                                       no school; U1 near it
//	U2 is 2 km out on the main network, beyond MaxWalkMeters = 1500
func TestUnreachable(t *testing.T) {
	m := newMini()
	m.node("A", 0, 0)
	m.node("B", 1000, 0)
	m.node("C", 2000, 0)
	m.node("P", 0, -1000)
	m.node("Q", 100, -1000)
	m.node("Z", -2000, 0)
	m.way("highway=residential", "Z", "A", "B", "C")
	m.way("highway=footway", "P", "Q")
	nw := m.network(t, Options{MaxWalkMeters: 1500})
	origins := []orb.Point{
		pt(1000, 3000), // 0: 3 km from any way
		pt(50, -1010),  // 1: on the island
		pt(-2000, 10),  // 2: 4 km walk from the school
		pt(1000, 20),   // 3: fine, 1 km
		pt(1990, -10),  // 4: next to the school
	}
	dests := []orb.Point{pt(2000, 10), pt(5000, 5000)}
	res, err := nw.NearestDetailed(context.Background(), origins, dests, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []Unreachable{
		{Origin, 0, TooFarFromNetwork},
		{Origin, 1, NoDestinationInComponent},
		{Origin, 2, BeyondMaxWalk},
		{Destination, 1, TooFarFromNetwork},
	}
	if !slices.Equal(res.Unreachable, want) {
		t.Errorf("Unreachable = %v, want %v", res.Unreachable, want)
	}
	c := res.Candidates
	for i, wantLen := range []int{0, 0, 0, 1, 1} {
		if d, _ := c.Row(i); len(d) != wantLen {
			t.Errorf("origin %d: %d candidates, want %d", i, len(d), wantLen)
		}
	}
	for _, i := range []int{0, 1} {
		if !math.IsInf(c.Beyond[i], 1) {
			t.Errorf("origin %d: Beyond %v, want +Inf", i, c.Beyond[i])
		}
	}
	if c.Beyond[2] < 1500 {
		t.Errorf("origin 2: Beyond %v below the radius", c.Beyond[2])
	}
	if got := nw.Meters(origins[1], dests[0]); !math.IsInf(got, 1) {
		t.Errorf("island Meters = %v, want +Inf", got)
	}
	if got := nw.Meters(origins[0], dests[0]); !math.IsInf(got, 1) {
		t.Errorf("off-network Meters = %v, want +Inf", got)
	}
	near(t, "row 3", c.Meters[0], 20+1000+10, 0.5)
	for _, r := range []Reason{TooFarFromNetwork, NoDestinationInComponent, BeyondMaxWalk} {
		if r.String() == "" || strings.HasPrefix(r.String(), "reason(") {
			t.Errorf("reason %d has no text", r)
		}
	}
}

// randomTown is a jittered 20×20 street grid (80 m blocks) with a quarter
// of the blocks' sides missing, every fifth row a primary road, and
// highway=crossing nodes scattered on them.
func randomTown(t testing.TB, seed uint64) (*mini, *rand.Rand) {
	rng := rand.New(rand.NewPCG(seed, 99))
	m := newMini()
	const n = 20
	name := func(i, j int) string { return fmt.Sprintf("%d_%d", i, j) }
	for i := range n {
		for j := range n {
			var tags []string
			if j%5 == 0 && rng.IntN(3) == 0 {
				tags = append(tags, "highway=crossing")
			}
			m.node(name(i, j), float64(i)*80+rng.Float64()*30, float64(j)*80+rng.Float64()*30, tags...)
		}
	}
	for j := range n {
		for i := 0; i+1 < n; i++ {
			switch {
			case j%5 == 0:
				m.way("highway=primary", name(i, j), name(i+1, j))
			case rng.IntN(4) > 0:
				m.way("highway=residential", name(i, j), name(i+1, j))
			}
		}
	}
	for i := range n {
		for j := 0; j+1 < n; j++ {
			if rng.IntN(4) > 0 {
				m.way("highway=footway", name(i, j), name(i, j+1))
			}
		}
	}
	return m, rng
}

func randomPoints(rng *rand.Rand, k int) []orb.Point {
	out := make([]orb.Point, k)
	for i := range out {
		out[i] = pt(rng.Float64()*1700-50, rng.Float64()*1700-50)
	}
	return out
}

// TestNearestBruteForce checks the k-label search against per-pair
// Dijkstra for every origin: rows are exact, complete and sorted, and
// Beyond bounds every unlisted destination.
func TestNearestBruteForce(t *testing.T) {
	for _, tc := range []struct {
		k, nd   int
		maxWalk float64
		penalty float64
	}{
		{1, 40, math.Inf(1), 0},
		{3, 40, math.Inf(1), 0},
		{8, 40, 700, 0},
		{4, 40, 1200, 150},
		{40, 40, math.Inf(1), 0},
		{60, 40, 900, 40},
		{0, 40, math.Inf(1), 0},
		// Above maxLabels: one Dijkstra per destination.
		{300, 300, math.Inf(1), 0},
		{260, 300, 800, 60},
	} {
		t.Run(fmt.Sprintf("k=%d/n=%d/walk=%g/pen=%g", tc.k, tc.nd, tc.maxWalk, tc.penalty), func(t *testing.T) {
			m, rng := randomTown(t, uint64(tc.k+7))
			nw := m.network(t, Options{MaxWalkMeters: tc.maxWalk, MajorCrossingPenaltyMeters: tc.penalty, MaxSnapMeters: 60})
			origins := randomPoints(rng, min(80, 8000/tc.nd))
			dests := randomPoints(rng, tc.nd)
			dests = append(dests, dests[3]) // two schools at one spot
			res := checkNearest(t, nw, origins, dests, tc.k)
			// Crossing counts agree with the single-pair route.
			for i, o := range origins {
				dest, _ := res.Row(i)
				for x, d := range dest {
					r, err := nw.Route(o, dests[d])
					if err != nil {
						t.Fatal(err)
					}
					if got := res.Crossings[int(res.Off[i])+x]; int(got) != r.MajorCrossings {
						t.Fatalf("origin %d dest %d: %d crossings, Route says %d", i, d, got, r.MajorCrossings)
					}
				}
			}
		})
	}
}

func TestNearestCancelled(t *testing.T) {
	m, rng := randomTown(t, 1)
	nw := m.network(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := nw.Nearest(ctx, randomPoints(rng, 5), randomPoints(rng, 5), 2); err == nil {
		t.Fatal("cancelled context: no error")
	}
	if _, err := nw.Nearest(context.Background(), nil, nil, -1); err == nil {
		t.Fatal("k = -1: no error")
	}
}

func TestOptionsValidation(t *testing.T) {
	g := &Graph{}
	g.buildCSR()
	for _, o := range []Options{
		{MaxSnapMeters: -1},
		{MaxWalkMeters: math.NaN()},
		{MajorCrossingPenaltyMeters: math.Inf(1)},
		{MajorCrossingPenaltyMeters: -3},
	} {
		if _, err := NewNetwork(g, o); err == nil {
			t.Errorf("NewNetwork(%+v): no error", o)
		}
	}
	if _, err := NewNetwork(nil, Options{}); err == nil {
		t.Error("nil graph: no error")
	}
	nw, err := NewNetwork(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := nw.Meters(pt(0, 0), pt(1, 1)); !math.IsInf(got, 1) {
		t.Errorf("empty graph Meters = %v", got)
	}
}

// TestConcurrentQueries: Meters and Route share pooled scratch state; many
// goroutines must get the same answers as one.
func TestConcurrentQueries(t *testing.T) {
	m, rng := randomTown(t, 3)
	nw := m.network(t, Options{MajorCrossingPenaltyMeters: 20})
	a, b := randomPoints(rng, 30), randomPoints(rng, 30)
	want := make([]float64, len(a))
	for i := range a {
		want[i] = nw.Meters(a[i], b[i])
	}
	errs := make(chan string, 8*len(a))
	done := make(chan struct{})
	for w := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for x := range a {
				i := (x + w*7) % len(a)
				if got := nw.Meters(a[i], b[i]); got != want[i] && !(math.IsInf(got, 1) && math.IsInf(want[i], 1)) {
					errs <- fmt.Sprintf("pair %d: %v, want %v", i, got, want[i])
				}
				if r, err := nw.Route(a[i], b[i]); err == nil && r.Cost != want[i] {
					errs <- fmt.Sprintf("pair %d: Route.Cost %v, want %v", i, r.Cost, want[i])
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestReadErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, _ := randomTown(t, 4)
	if _, err := Read(ctx, strings.NewReader(m.xml()), FormatXML, Options{}); err == nil {
		t.Error("cancelled context: no error")
	}
	for _, tc := range []struct {
		name   string
		format Format
		data   string
	}{
		{"xml garbage", FormatXML, "<osm><node id="},
		{"bz2 not bzip2", FormatXMLBzip2, "<osm></osm>"},
		{"pbf not pbf", FormatPBF, "<osm></osm>"},
		{"unknown format", Format(7), ""},
	} {
		if _, err := Read(context.Background(), strings.NewReader(tc.data), tc.format, Options{}); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := ReadFile(context.Background(), "/nonexistent/x.osm", Options{}); err == nil {
		t.Error("missing file: no error")
	}
	if _, err := Read(context.Background(), strings.NewReader(""), FormatXML, Options{MaxSnapMeters: -1}); err == nil {
		t.Error("bad options: no error")
	}
}

// TestChainsAndRings exercises the contracted search on shapes whose
// degree-2 chains are special: a ring with no junction (a closed
// pedestrian-area outline), a lollipop whose loop starts and ends at one
// junction, and a dead end.
//
//	R1 ─── R2          A ─── B ─── C        E ─── F ─── G (dead end)
//	│       │                 ╲   │               │
//	R4 ─── R3                  ╲  │               H
//	(ring, area=yes)            D ┘
func TestChainsAndRings(t *testing.T) {
	m := newMini()
	m.node("R1", 0, 0)
	m.node("R2", 200, 0)
	m.node("R3", 200, -200)
	m.node("R4", 0, -200)
	m.way("highway=pedestrian;area=yes", "R1", "R2", "R3", "R4", "R1")
	m.node("A", 400, 0)
	m.node("B", 600, 0)
	m.node("C", 800, 0)
	m.node("D", 800, -200)
	m.way("highway=footway", "A", "B", "C", "D", "B")
	m.node("E", 1000, 0)
	m.node("F", 1200, 0)
	m.node("G", 1400, 0)
	m.node("H", 1200, -200)
	m.way("highway=residential", "E", "F", "G")
	m.way("highway=residential", "F", "H")
	nw := m.network(t, Options{MaxSnapMeters: 30})
	if got := len(nw.core.node); got != 1+3+3 {
		t.Errorf("%d core nodes, want 7 (a promoted ring node, A, B, E, F, G, H)", got)
	}
	var pts []orb.Point
	for _, x := range []float64{0, 50, 150, 200} {
		pts = append(pts, pt(x, 3), pt(x, -197))
	}
	for _, x := range []float64{400, 500, 650, 800, 1000, 1100, 1300, 1400} {
		pts = append(pts, pt(x, 2))
	}
	pts = append(pts, pt(790, -100), pt(700, -90), pt(1195, -150))
	for _, k := range []int{1, 2, 5, 30} {
		checkNearest(t, nw, pts, pts[len(pts)/3:], k)
	}
}

// TestCrossingCountAcrossChains: a chain whose two ends differ (a footway
// turning into a primary road at a degree-2 node P) must report the right
// edge kind at each end in both directions.
//
//	          S (0,100)
//	          │ footway
//	W ─────── X ─────── E      primary W–X–E; X is an at-grade crossing
//	          │ footway
//	          P (0,-100) ────── Q (300,-100) ── R (600,-100)   P–Q–R primary
//	                            │ residential
//	                            T (300,-300)
func TestCrossingCountAcrossChains(t *testing.T) {
	m := newMini()
	m.node("W", -300, 0)
	m.node("X", 0, 0)
	m.node("E", 300, 0)
	m.node("S", 0, 100)
	m.node("P", 0, -100)
	m.node("Q", 300, -100)
	m.node("R", 600, -100)
	m.node("T", 300, -300)
	m.way("highway=primary", "W", "X", "E")
	m.way("highway=footway", "S", "X", "P")
	m.way("highway=primary", "P", "Q", "R")
	m.way("highway=residential", "Q", "T")
	nw := m.network(t, Options{})
	pts := []orb.Point{pt(0, 95), pt(5, -60), pt(450, -100), pt(300, -250), pt(-200, 0)}
	res, err := nw.NearestDetailed(context.Background(), pts, pts, len(pts))
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range pts {
		dest, _ := res.Row(i)
		for x, d := range dest {
			r, err := nw.Route(o, pts[d])
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Crossings[int(res.Off[i])+x]; int(got) != r.MajorCrossings {
				t.Errorf("%d→%d: %d crossings, Route says %d", i, d, got, r.MajorCrossings)
			}
		}
	}
	if r, _ := nw.Route(pts[0], pts[3]); r.MajorCrossings != 1 {
		t.Errorf("S→T crosses W–E once, got %d", r.MajorCrossings)
	}
}
