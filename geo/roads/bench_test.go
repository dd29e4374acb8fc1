package roads

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/paulmach/orb"
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
