package geo

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"catchment/data"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// City-scale fixtures of the size the engine targets: 50,000 units and
// 1,000 schools over a 40 × 40 km city.
func benchPoints(n int, seed uint64) []orb.Point {
	r := rand.New(rand.NewPCG(seed, seed+1))
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{116.2 + r.Float64()*0.47, 39.75 + r.Float64()*0.36}
	}
	return pts
}

var sinkF float64
var sinkP orb.Point

func BenchmarkGeodesicMeters(b *testing.B) {
	pts := benchPoints(1024, 1)
	for i := 0; b.Loop(); i++ {
		sinkF += geodesicMeters(pts[i&1023], pts[(i+1)&1023])
	}
}

func BenchmarkGeodesicMetersLong(b *testing.B) {
	a, c := orb.Point{87.6, 43.8}, orb.Point{121.5, 31.2} // Urumqi–Shanghai
	for b.Loop() {
		sinkF += geodesicMeters(a, c)
	}
}

func BenchmarkEuclideanMeters(b *testing.B) {
	pts := benchPoints(1024, 1)
	for i := 0; b.Loop(); i++ {
		sinkF += euclideanMeters(pts[i&1023], pts[(i+1)&1023])
	}
}

func BenchmarkWGS84ToGCJ02(b *testing.B) {
	pts := benchPoints(1024, 2)
	for i := 0; b.Loop(); i++ {
		sinkP = WGS84ToGCJ02(pts[i&1023])
	}
}

func BenchmarkGCJ02ToWGS84(b *testing.B) {
	pts := benchPoints(1024, 2)
	for i := 0; b.Loop(); i++ {
		sinkP = GCJ02ToWGS84(pts[i&1023])
	}
}

func BenchmarkBD09ToWGS84(b *testing.B) {
	pts := benchPoints(1024, 2)
	for i := 0; b.Loop(); i++ {
		sinkP = BD09ToWGS84(pts[i&1023])
	}
}

func BenchmarkLocalProjectionForward(b *testing.B) {
	pts := benchPoints(1024, 3)
	lp := NewLocalProjection(orb.Point{116.4, 39.9}, false)
	for i := 0; b.Loop(); i++ {
		sinkP = lp.Forward(pts[i&1023])
	}
}

func BenchmarkNewPointIndex50k(b *testing.B) {
	pts := benchPoints(50000, 4)
	for b.Loop() {
		NewPointIndex(pts, false)
	}
}

// BenchmarkPointIndexNearest: one query per op over 50,000 points, so
// queries/s = 1e9 / (ns/op).
func BenchmarkPointIndexNearest(b *testing.B) {
	for _, planar := range []bool{false, true} {
		pts := benchPoints(50000, 5)
		qs := benchPoints(4096, 6)
		if planar {
			lp := NewLocalProjection(orb.Point{116.4, 39.9}, false)
			for i := range pts {
				pts[i] = lp.Forward(pts[i])
			}
			for i := range qs {
				qs[i] = lp.Forward(qs[i])
			}
		}
		ix := NewPointIndex(pts, planar)
		for _, k := range []int{1, 16} {
			b.Run("planar="+strconv.FormatBool(planar)+"/k="+strconv.Itoa(k), func(b *testing.B) {
				var dst []Neighbor
				for i := 0; b.Loop(); i++ {
					dst = ix.Nearest(qs[i&4095], k, dst)
				}
			})
		}
	}
}

func BenchmarkPointIndexScan16(b *testing.B) {
	ix := NewPointIndex(benchPoints(50000, 5), false)
	qs := benchPoints(4096, 6)
	for i := 0; b.Loop(); i++ {
		n := 0
		ix.Scan(qs[i&4095], func(Neighbor) bool { n++; return n < 16 })
	}
}

func BenchmarkPointIndexWithin500m(b *testing.B) {
	ix := NewPointIndex(benchPoints(50000, 5), false)
	qs := benchPoints(4096, 6)
	var dst []Neighbor
	for i := 0; b.Loop(); i++ {
		dst = ix.Within(qs[i&4095], 500, dst)
	}
}

// BenchmarkStraightNearest is the zoning candidate build at city scale:
// 50,000 units × 1,000 schools, k = 16, on all GOMAXPROCS cores.
func BenchmarkStraightNearest(b *testing.B) {
	units := benchPoints(50000, 7)
	schools := benchPoints(1000, 8)
	for b.Loop() {
		if _, err := (Geodesic{}).Nearest(b.Context(), units, schools, 16); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAggregator1M streams 1,000,000 households (one op) into 2,000
// polygon compounds plus the grid: a third carry a unit_id, the rest are
// placed by polygon or fall into cells.
func BenchmarkAggregator1M(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	const side = 0.004 // ≈ 400 m compounds
	var units []data.Unit
	for i := range 2000 {
		x := 116.2 + float64(i%50)*0.009
		y := 39.75 + float64(i/50)*0.009
		units = append(units, data.Unit{
			ID:   "u" + strconv.Itoa(i),
			Loc:  orb.Point{x + side/2, y + side/2},
			Geom: orb.Polygon{{{x, y}, {x + side, y}, {x + side, y + side}, {x, y + side}, {x, y}}},
		})
	}
	hh := make([]data.Household, 1_000_000)
	for i := range hh {
		hh[i] = data.Household{Loc: orb.Point{116.2 + r.Float64()*0.45, 39.75 + r.Float64()*0.36}, Primary: r.IntN(2), Junior: r.IntN(2), Migrant: r.IntN(5) == 0}
		if i%3 == 0 {
			hh[i].UnitID = units[r.IntN(len(units))].ID
		}
	}
	b.ResetTimer()
	for b.Loop() {
		a := NewAggregator(units, false, 250)
		for _, h := range hh {
			if err := a.Add(h); err != nil {
				b.Fatal(err)
			}
		}
		_ = a.Units()
	}
}

// BenchmarkRTreeNearbyBaseline records why PointIndex is a k-d tree on flat
// slices rather than github.com/tidwall/rtree: the R-tree's best-first
// Nearby pushes every child of every visited node (64 per node) onto its
// queue, so even a plain k=1 box-distance query over the same 50,000 points,
// without the exact re-ranking PointIndex does, costs several times more.
func BenchmarkRTreeNearbyBaseline(b *testing.B) {
	lp := NewLocalProjection(orb.Point{116.4, 39.9}, false)
	var tr rtree.RTreeG[int32]
	for i, p := range benchPoints(50000, 5) {
		q := lp.Forward(p)
		tr.Insert(q, q, int32(i))
	}
	qs := benchPoints(4096, 6)
	for i := range qs {
		qs[i] = lp.Forward(qs[i])
	}
	for i := 0; b.Loop(); i++ {
		q := qs[i&4095]
		tr.Nearby(rtree.BoxDist[float64, int32](q, q, nil), func(_, _ [2]float64, _ int32, _ float64) bool { return false })
	}
}
