package roads

import (
	"compress/bzip2"
	"container/heap"
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmxml"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// andorraPath is a real OpenStreetMap extract (© OpenStreetMap contributors,
// ODbL), shared read-only by the project in the shared/ folder beside the
// repository (CI lays it there too); CATCHMENT_SHARED overrides the folder.
var andorraPath = sharedFile("data/andorra-latest.osm.bz2")

// sharedFile finds a file of the project's shared folder: $CATCHMENT_SHARED,
// else ../shared beside the repository root (three levels above this
// package), else /work/shared.
func sharedFile(rel string) string {
	dirs := []string{os.Getenv("CATCHMENT_SHARED"), "../../../shared", "/work/shared"}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join("../../../shared", rel)
}

var andorraOnce struct {
	sync.Once
	g       *Graph
	schools []orb.Point
	err     error
}

// andorra imports the extract once per test binary and collects its
// amenity=school nodes and ways (way position: mean of its nodes).
func andorra(t testing.TB) (*Graph, []orb.Point) {
	t.Helper()
	if _, err := os.Stat(andorraPath); err != nil {
		t.Skipf("OSM extract %s not available: %v", andorraPath, err)
	}
	o := &andorraOnce
	o.Do(func() {
		o.g, o.err = ReadFile(context.Background(), andorraPath, Options{})
		if o.err != nil {
			return
		}
		o.schools, o.err = osmSchools(andorraPath)
	})
	if o.err != nil {
		t.Fatal(o.err)
	}
	return o.g, o.schools
}

func osmSchools(path string) ([]orb.Point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := osmxml.New(context.Background(), bzip2.NewReader(f))
	defer sc.Close()
	coords := map[osm.NodeID]orb.Point{}
	var out []orb.Point
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osm.Node:
			coords[o.ID] = orb.Point{o.Lon, o.Lat}
			if o.Tags.Find("amenity") == "school" {
				out = append(out, orb.Point{o.Lon, o.Lat})
			}
		case *osm.Way:
			if o.Tags.Find("amenity") != "school" {
				continue
			}
			var c orb.Point
			var k float64
			for _, wn := range o.Nodes {
				if p, ok := coords[wn.ID]; ok {
					c[0] += p[0]
					c[1] += p[1]
					k++
				}
			}
			if k > 0 {
				out = append(out, orb.Point{c[0] / k, c[1] / k})
			}
		}
	}
	return out, sc.Err()
}

// refItem / refHeap: an independent textbook Dijkstra on container/heap.
type refItem struct {
	node int
	d    float64
}
type refHeap []refItem

func (h refHeap) Len() int           { return len(h) }
func (h refHeap) Less(i, j int) bool { return h[i].d < h[j].d }
func (h refHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *refHeap) Push(x any)        { *h = append(*h, x.(refItem)) }
func (h *refHeap) Pop() any          { o := *h; x := o[len(o)-1]; *h = o[:len(o)-1]; return x }

// refMeters recomputes a→b from the snaps over the whole graph using only
// the public Graph accessors, plain lengths and barrierPen per barrier
// edge (no major-crossing penalty; a barrier edge's cost is rounded up to
// float32 as the network stores it): a point snapped onto a barrier edge
// pays the penalty towards the end beyond EdgeInfo.BarrierAt.
func refMeters(g *Graph, sa, sb Snap, barrierPen float64) float64 {
	dist := make([]float64, g.NumNodes())
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	cost := func(e EdgeInfo) float64 {
		if e.Barrier {
			return float64(roundUp32(e.Meters + barrierPen)) // edge costs are float32, rounded up
		}
		return e.Meters
	}
	// toEnds is the cost from fraction t of e to its U and V ends (the
	// two add up to the edge's cost).
	toEnds := func(e EdgeInfo, t float64) (float64, float64) {
		u := t * e.Meters
		if e.Barrier && !(t == 0 || t < e.BarrierAt) {
			u += barrierPen
		}
		return u, max(cost(e)-u, 0)
	}
	ea, eb := g.Edge(int(sa.Edge)), g.Edge(int(sb.Edge))
	h := &refHeap{}
	dist[ea.U], dist[ea.V] = toEnds(ea, sa.T)
	heap.Push(h, refItem{int(ea.U), dist[ea.U]})
	heap.Push(h, refItem{int(ea.V), dist[ea.V]})
	for h.Len() > 0 {
		it := heap.Pop(h).(refItem)
		if it.d > dist[it.node] {
			continue
		}
		g.Neighbors(it.node, func(v, e int) bool {
			if d := it.d + cost(g.Edge(e)); d < dist[v] {
				dist[v] = d
				heap.Push(h, refItem{v, d})
			}
			return true
		})
	}
	bu, bv := toEnds(eb, sb.T)
	best := math.Min(dist[eb.U]+bu, dist[eb.V]+bv)
	if sa.Edge == sb.Edge {
		au, _ := toEnds(ea, sa.T)
		best = math.Min(best, math.Abs(au-bu))
	}
	return sa.Off + best + sb.Off
}

func TestAndorraImport(t *testing.T) {
	g, schools := andorra(t)
	st := g.Stats()
	if g.NumNodes() < 10000 || g.NumEdges() < g.NumNodes()/2 {
		t.Fatalf("implausibly small graph: %v", g)
	}
	if len(schools) < 5 {
		t.Fatalf("found only %d schools in the extract", len(schools))
	}
	if st.Components < 1 || g.ComponentSizes()[0] < g.NumNodes()/2 {
		t.Errorf("largest component %v of %d nodes", g.ComponentSizes()[:1], g.NumNodes())
	}
	if st.CrossingNodes == 0 {
		t.Error("no major-road crossing detected in a country with primary roads")
	}
	if st.BarrierEdges == 0 || st.BarrierWays == 0 {
		t.Errorf("%d barrier ways, %d barrier edges: the Valira and its tributaries have bridges", st.BarrierWays, st.BarrierEdges)
	}
	// Every edge is at least as long as its straight line and invariants hold.
	for e := 0; e < g.NumEdges(); e++ {
		ed := g.Edge(e)
		if ed.U >= ed.V {
			t.Fatalf("edge %d: %d ≥ %d", e, ed.U, ed.V)
		}
		if s := geodesic(g.Node(int(ed.U)).Point, g.Node(int(ed.V)).Point); ed.Meters < s {
			t.Fatalf("edge %d shorter (%v) than its chord %v", e, ed.Meters, s)
		}
	}
	// Golden summary: counts of what the importer kept.
	got := fmt.Sprintf("%v\nschools: %d\nstats: %+v\n", g, len(schools), st)
	golden(t, "andorra.golden", got)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestAndorraMetersMatchReference(t *testing.T) {
	for _, tc := range []struct {
		pen   float64
		pairs int
	}{{0, 200}, {400, 100}} {
		t.Run(fmt.Sprintf("barrierPenalty=%g", tc.pen), func(t *testing.T) { andorraMetersMatchReference(t, tc.pen, tc.pairs) })
	}
}

// andorraMetersMatchReference checks n random point–school pairs against
// refMeters with the given barrier penalty.
func andorraMetersMatchReference(t *testing.T, pen float64, n int) {
	g, schools := andorra(t)
	nw, err := NewNetwork(g, Options{BarrierPenaltyMeters: pen})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	barriers := 0
	pairs, unsnapped := 0, 0
	for pairs < n {
		s := schools[rng.IntN(len(schools))]
		// A random point a few hundred metres around a random graph node.
		c := g.Node(rng.IntN(g.NumNodes())).Point
		p := orb.Point{c[0] + (rng.Float64()-0.5)*0.004, c[1] + (rng.Float64()-0.5)*0.004}
		sa, oka := nw.Snap(p)
		sb, okb := nw.Snap(s)
		got := nw.Meters(p, s)
		if !oka || !okb {
			unsnapped++
			if !math.IsInf(got, 1) {
				t.Fatalf("unsnappable pair %v→%v got %v, want +Inf", p, s, got)
			}
			continue
		}
		pairs++
		want := refMeters(g, sa, sb, pen)
		if !(math.Abs(got-want) <= 1e-9*math.Max(1, want)) && !(math.IsInf(got, 1) && math.IsInf(want, 1)) {
			t.Fatalf("pair %d %v→%v: Meters %v, reference %v", pairs, p, s, got, want)
		}
		if straight := geodesic(p, s); got < straight-1e-6 {
			t.Fatalf("pair %d: walking %v shorter than straight line %v", pairs, got, straight)
		}
		if math.IsInf(got, 1) {
			continue
		}
		r, err := nw.Route(p, s)
		if err != nil {
			t.Fatalf("pair %d: Route: %v", pairs, err)
		}
		barriers += r.BarrierCrossings
		if math.Abs(r.Cost-got) > 1e-6*math.Max(1, got) || math.Abs(r.Cost-r.Meters-pen*float64(r.BarrierCrossings)) > 1e-6*math.Max(1, got) {
			t.Fatalf("pair %d: Route.Meters %v Cost %v with %d barrier crossings, Meters %v", pairs, r.Meters, r.Cost, r.BarrierCrossings, got)
		}
		if pen == 0 && math.Abs(r.Meters-got) > 1e-6*math.Max(1, got) {
			t.Fatalf("pair %d: Route.Meters %v, Meters %v without penalties", pairs, r.Meters, got)
		}
		var along float64
		for i := 1; i < len(r.Path); i++ {
			along += geodesic(r.Path[i-1], r.Path[i])
		}
		if along > r.Meters+1e-3*math.Max(1, r.Meters) {
			t.Fatalf("pair %d: path polyline %v longer than Route.Meters %v", pairs, along, r.Meters)
		}
	}
	t.Logf("%d pairs checked (%d barrier crossings on their routes), %d pairs skipped as unsnappable", n, barriers, unsnapped)
}

func TestAndorraNearestMatchesPairs(t *testing.T) {
	g, schools := andorra(t)
	nw, err := NewNetwork(g, Options{MaxWalkMeters: 5000, BarrierPenaltyMeters: 300})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	var origins []orb.Point
	for range 60 {
		c := g.Node(rng.IntN(g.NumNodes())).Point
		origins = append(origins, orb.Point{c[0] + (rng.Float64()-0.5)*0.002, c[1] + (rng.Float64()-0.5)*0.002})
	}
	checkNearest(t, nw, origins, schools, 5)
}

// checkNearest compares Nearest with brute-force Meters for every pair and
// checks the Beyond invariant.
func checkNearest(t *testing.T, nw *Network, origins, dests []orb.Point, k int) *Result {
	t.Helper()
	res, err := nw.NearestDetailed(context.Background(), origins, dests, k)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Candidates
	if c.Len() != len(origins) || len(c.Beyond) != len(origins) || len(c.Meters) != len(c.Dest) || len(res.Crossings) != len(c.Dest) {
		t.Fatalf("malformed candidates: %d rows for %d origins", c.Len(), len(origins))
	}
	maxWalk := nw.Options().MaxWalkMeters
	const eps = 1e-6
	for i, o := range origins {
		truth := make([]float64, len(dests))
		for j, d := range dests {
			truth[j] = nw.Meters(o, d)
		}
		dest, m := c.Row(i)
		listed := map[int32]bool{}
		for x := range dest {
			if listed[dest[x]] {
				t.Fatalf("origin %d lists dest %d twice", i, dest[x])
			}
			listed[dest[x]] = true
			if x > 0 && m[x] < m[x-1] {
				t.Fatalf("origin %d row not sorted: %v", i, m)
			}
			if math.Abs(m[x]-truth[dest[x]]) > eps*math.Max(1, m[x]) {
				t.Fatalf("origin %d dest %d: Nearest %v, Meters %v", i, dest[x], m[x], truth[dest[x]])
			}
		}
		if len(dest) > k {
			t.Fatalf("origin %d: %d > k candidates", i, len(dest))
		}
		// Beyond is a lower bound for every unlisted destination…
		within := 0
		for j := range dests {
			if truth[j] <= maxWalk && !math.IsInf(truth[j], 1) {
				within++
			}
			if !listed[int32(j)] && truth[j] < c.Beyond[i]-eps*math.Max(1, truth[j]) {
				t.Fatalf("origin %d: unlisted dest %d at %v below Beyond %v", i, j, truth[j], c.Beyond[i])
			}
		}
		// …and the row is complete: min(k, reachable within the radius).
		if want := min(k, within); len(dest) < want {
			t.Fatalf("origin %d: %d candidates, %d destinations within %v m (k=%d)", i, len(dest), within, maxWalk, k)
		}
	}
	return res
}
