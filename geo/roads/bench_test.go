package roads

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"catchment/data/demo"
)

// gridGraph builds a w×h street grid with the given spacing in metres
// directly (no OSM parsing): every 20th row is a primary road whose nodes
// are at-grade crossings of the footways running north–south.
func gridGraph(w, h int, spacing float64) *Graph {
	n := w * h
	g := &Graph{
		coords: make([]orb.Point, n), osmIDs: make([]int64, n),
		nodeFlags: make([]uint8, n), comp: make([]int32, n), compSize: []int32{int32(n)},
	}
	id := func(i, j int) int32 { return int32(j*w + i) }
	for j := range h {
		for i := range w {
			u := id(i, j)
			g.coords[u] = pt(float64(i)*spacing, float64(j)*spacing)
			g.osmIDs[u] = int64(u) + 1
			if j%20 == 0 {
				g.nodeFlags[u] = nodeMajor | nodeCrossing
			}
		}
	}
	add := func(a, b int32, f uint8) {
		g.edgeU = append(g.edgeU, a)
		g.edgeV = append(g.edgeV, b)
		g.edgeLen = append(g.edgeLen, roundUp32(geodesic(g.coords[a], g.coords[b])))
		g.edgeFlags = append(g.edgeFlags, f)
	}
	for j := range h {
		for i := range w {
			if i+1 < w {
				var f uint8
				if j%20 == 0 {
					f = edgeMajor
				}
				add(id(i, j), id(i+1, j), f)
			}
			if j+1 < h {
				add(id(i, j), id(i, j+1), 0)
			}
		}
	}
	g.buildCSR()
	return g
}

// benchGrid runs Nearest with k = 16 on a side×side grid of 50 m blocks with
// one school per 1,000 nodes and one unit per 20 nodes.
func benchGrid(b *testing.B, side int) {
	g := gridGraph(side, side, 50)
	nw, err := NewNetwork(g, Options{MajorCrossingPenaltyMeters: 30})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	extent := float64(side-1) * 50
	rnd := func(k int) []orb.Point {
		out := make([]orb.Point, k)
		for i := range out {
			out[i] = pt(rng.Float64()*extent, rng.Float64()*extent)
		}
		return out
	}
	units, schools := rnd(side*side/20), rnd(side*side/1000)
	b.ResetTimer()
	cpu0 := cpuSeconds()
	defer func() { b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op") }()
	for b.Loop() {
		c, err := nw.Nearest(context.Background(), units, schools, 16)
		if err != nil {
			b.Fatal(err)
		}
		if c.Len() != len(units) || len(c.Dest) < 15*len(units) {
			b.Fatalf("%d rows, %d candidates", c.Len(), len(c.Dest))
		}
	}
}

// BenchmarkNearestGridSmall is a 90,000-node version for quick comparisons.
func BenchmarkNearestGridSmall(b *testing.B) { benchGrid(b, 300) }

// BenchmarkNearestGrid is the city-scale target: a 1000×1000 grid (1 M
// nodes, 50 m blocks, 50 km square), 1,000 schools, 50,000 units, k = 16.
// Run with -benchtime=1x; it needs about 1 GB of memory.
func BenchmarkNearestGrid(b *testing.B) {
	if testing.Short() {
		b.Skip("city-scale benchmark skipped in -short mode")
	}
	benchGrid(b, 1000)
}

// BenchmarkImportAndorra measures import speed on the real extract.
func BenchmarkImportAndorra(b *testing.B) {
	if _, err := os.Stat(andorraPath); err != nil {
		b.Skipf("OSM extract not available: %v", err)
	}
	for b.Loop() {
		if _, err := ReadFile(context.Background(), andorraPath, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMetersAndorra measures one single-pair walking distance.
func BenchmarkMetersAndorra(b *testing.B) {
	g, schools := andorra(b)
	nw, err := NewNetwork(g, Options{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	pts := make([]orb.Point, 64)
	for i := range pts {
		pts[i] = g.Node(rng.IntN(g.NumNodes())).Point
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		_ = nw.Meters(pts[i%len(pts)], schools[i%len(schools)])
		i++
	}
}

// BenchmarkNearestAndorra runs Nearest on the real extract: 5,000 units and
// 100 schools at random graph nodes, k = 16.
func BenchmarkNearestAndorra(b *testing.B) {
	g, _ := andorra(b)
	nw, err := NewNetwork(g, Options{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	rnd := func(k int) []orb.Point {
		out := make([]orb.Point, k)
		for i := range out {
			out[i] = g.Node(rng.IntN(g.NumNodes())).Point
		}
		return out
	}
	units, schools := rnd(5000), rnd(100)
	b.ResetTimer()
	cpu0 := cpuSeconds()
	defer func() {
		b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
		b.ReportMetric(float64(len(nw.core.node)), "core-nodes")
		b.ReportMetric(float64(g.NumNodes()), "graph-nodes")
	}()
	for b.Loop() {
		if _, err := nw.Nearest(context.Background(), units, schools, 16); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImportDemo measures the import of a demo city's streets.osm
// (the 1,000,000-pupil city of BENCHMARKS.md: `catchment demo --out DIR
// --pupils 1000000 --seed 7`, 95 MB, about 1M street nodes) named by
// $CATCHMENT_DEMO_OSM, and reports how many barrier edges it flags.
func BenchmarkImportDemo(b *testing.B) {
	path := os.Getenv("CATCHMENT_DEMO_OSM")
	if path == "" {
		b.Skip("set CATCHMENT_DEMO_OSM to a demo city's streets.osm")
	}
	var g *Graph
	for b.Loop() {
		var err error
		if g, err = ReadFile(context.Background(), path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(g.NumNodes()), "graph-nodes")
	b.ReportMetric(float64(g.Stats().BarrierEdges), "barrier-edges")
}

// BenchmarkImportDemoCity imports a 100,000-pupil demo city's streets from
// memory (no file needed), river, railway and motorway included.
func BenchmarkImportDemoCity(b *testing.B) {
	city, err := demo.Generate(demo.Config{Pupils: 100000, Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := city.Streets.WriteOSM(&buf); err != nil {
		b.Fatal(err)
	}
	var g *Graph
	for b.Loop() {
		if g, err = Read(context.Background(), bytes.NewReader(buf.Bytes()), FormatXML, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(g.NumNodes()), "graph-nodes")
	b.ReportMetric(float64(g.Stats().BarrierEdges), "barrier-edges")
}

// BenchmarkBuildDemo isolates the cost of barrier detection in the import
// of $CATCHMENT_DEMO_OSM (see BenchmarkImportDemo): the graph build from
// the parsed extract, with its barrier ways and with them removed.
func BenchmarkBuildDemo(b *testing.B) {
	path := os.Getenv("CATCHMENT_DEMO_OSM")
	if path == "" {
		b.Skip("set CATCHMENT_DEMO_OSM to a demo city's streets.osm")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	raw, err := readRaw(context.Background(), f, FormatOf(path))
	if err != nil {
		b.Fatal(err)
	}
	st := raw.stats                     // build adds to the stats: restore them before each
	raw.build(DefaultMinComponentNodes) // sorts the nodes once
	raw.stats = st
	noBar := *raw
	noBar.barStart, noBar.barRefs, noBar.barKind, noBar.barWhat = []int{0}, nil, nil, nil
	for _, bc := range []struct {
		name string
		raw  *rawOSM
	}{{"barriers", raw}, {"no-barriers", &noBar}} {
		b.Run(bc.name, func(b *testing.B) {
			var g *Graph
			for b.Loop() {
				bc.raw.stats = st
				g = bc.raw.build(DefaultMinComponentNodes)
			}
			b.ReportMetric(float64(g.Stats().BarrierEdges), "barrier-edges")
		})
	}
	// Barrier detection alone on the built graph's edges.
	g := raw.build(DefaultMinComponentNodes)
	raw.stats = st
	find := func(id int64) int {
		i, ok := slices.BinarySearch(raw.nodeIDs, id)
		if !ok {
			return -1
		}
		return i
	}
	rawOf := make([]int32, g.NumNodes())
	for u := range rawOf {
		rawOf[u] = int32(find(g.osmIDs[u]))
	}
	b.Run("detect-only", func(b *testing.B) {
		n := 0
		for b.Loop() {
			flags := make([]uint8, g.NumEdges())
			markBarriers(raw, find, g.edgeU, g.edgeV, flags, rawOf)
			n = 0
			for _, f := range flags {
				if f&edgeBarrier != 0 {
					n++
				}
			}
		}
		b.ReportMetric(float64(n), "barrier-edges")
	})
}
