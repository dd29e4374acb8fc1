package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

// indexCases builds point sets that stress the index: a city with
// duplicates, a country-wide spread (loose projection bounds), a lattice
// with many exact ties, and sets with non-finite points.
func indexCases(r *rand.Rand) []struct {
	name   string
	planar bool
	pts    []orb.Point
	qs     []orb.Point
} {
	china := make([]orb.Point, 1500)
	for i := range china {
		china[i] = orb.Point{75 + r.Float64()*59, 19 + r.Float64()*34}
	}
	// Lattice, planar, spacing 100 m:
	//
	//	·  ·  ·  ·
	//	·  ·  ·  ·     queries at lattice points and cell centres
	//	·  ·  ·  ·     are equidistant from 2 or 4 points: ties
	//	·  ·  ·  ·
	var lattice, latticeQ []orb.Point
	for i := range 30 {
		for j := range 30 {
			lattice = append(lattice, orb.Point{float64(i) * 100, float64(j) * 100})
			latticeQ = append(latticeQ, orb.Point{float64(i)*100 + 50, float64(j)*100 + 50})
		}
	}
	withNaN := randomCity(r, 500, false)
	withNaN[3] = orb.Point{math.NaN(), 39.9}
	withNaN[77] = orb.Point{116.1, math.Inf(1)}
	return []struct {
		name   string
		planar bool
		pts    []orb.Point
		qs     []orb.Point
	}{
		{"city geodesic", false, randomCity(r, 1500, false), randomCity(r, 100, false)},
		{"city planar", true, randomCity(r, 1500, true), randomCity(r, 100, true)},
		{"china geodesic", false, china, china[:60]},
		{"lattice ties", true, lattice, append(latticeQ[:150], lattice[200:260]...)},
		{"non-finite points", false, withNaN, randomCity(r, 100, false)},
		{"single point", false, []orb.Point{{116.4, 39.9}}, randomCity(r, 20, false)},
		{"empty", false, nil, randomCity(r, 5, false)},
	}
}

// bruteIndex lists the finite points of pts by (distance, ID).
func bruteIndex(planar bool, q orb.Point, pts []orb.Point) []Neighbor {
	m := StraightLine(planar)
	var all []Neighbor
	for j, p := range pts {
		if finitePoint(p) {
			all = append(all, Neighbor{ID: int32(j), Meters: m.Meters(q, p)})
		}
	}
	slices.SortFunc(all, func(a, b Neighbor) int {
		if less(a, b) {
			return -1
		}
		if less(b, a) {
			return 1
		}
		return 0
	})
	return all
}

func TestPointIndexMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, tc := range indexCases(r) {
		t.Run(tc.name, func(t *testing.T) {
			ix := NewPointIndex(tc.pts, tc.planar)
			if ix.Len() != len(tc.pts) || ix.Planar() != tc.planar {
				t.Fatalf("Len %d Planar %v", ix.Len(), ix.Planar())
			}
			var dst []Neighbor
			for _, q := range tc.qs {
				want := bruteIndex(tc.planar, q, tc.pts)
				for _, k := range []int{1, 2, 5, 16, len(tc.pts) + 3} {
					dst = ix.Nearest(q, k, dst)
					if !slices.Equal(dst, want[:min(k, len(want))]) {
						t.Fatalf("Nearest(%v, %d) = %v, want %v", q, k, dst, want[:min(k, len(want))])
					}
				}
				var scanned []Neighbor
				ix.Scan(q, func(n Neighbor) bool { scanned = append(scanned, n); return true })
				if !slices.Equal(scanned, want) {
					t.Fatalf("Scan(%v) order differs from brute force (%d vs %d items)", q, len(scanned), len(want))
				}
				scanned = scanned[:0]
				ix.Scan(q, func(n Neighbor) bool { scanned = append(scanned, n); return len(scanned) < 3 })
				if !slices.Equal(scanned, want[:min(3, len(want))]) {
					t.Fatalf("Scan(%v) stopped after 3 = %v, want %v", q, scanned, want[:min(3, len(want))])
				}
				for _, radius := range []float64{0, 150, 1000, 5000} {
					dst = ix.Within(q, radius, dst)
					n := 0
					for n < len(want) && want[n].Meters <= radius {
						n++
					}
					if !slices.Equal(dst, want[:n]) {
						t.Fatalf("Within(%v, %v) = %v, want %v", q, radius, dst, want[:n])
					}
				}
			}
		})
	}
}

func TestPointIndexDegenerateQueries(t *testing.T) {
	ix := NewPointIndex([]orb.Point{{116, 39}, {116.01, 39}}, false)
	buf := make([]Neighbor, 5)
	tests := []struct {
		name string
		got  []Neighbor
	}{
		{"k=0", ix.Nearest(orb.Point{116, 39}, 0, buf)},
		{"k<0", ix.Nearest(orb.Point{116, 39}, -3, buf)},
		{"NaN query", ix.Nearest(orb.Point{math.NaN(), 39}, 1, buf)},
		{"Inf query", ix.Within(orb.Point{math.Inf(1), 39}, 100, buf)},
		{"negative radius", ix.Within(orb.Point{116, 39}, -1, buf)},
		{"NaN radius", ix.Within(orb.Point{116, 39}, math.NaN(), buf)},
	}
	for _, tt := range tests {
		if len(tt.got) != 0 {
			t.Errorf("%s: got %v, want none", tt.name, tt.got)
		}
	}
	called := false
	ix.Scan(orb.Point{math.NaN(), 0}, func(Neighbor) bool { called = true; return true })
	if called {
		t.Error("Scan of a NaN query yielded points")
	}
	if got := ix.Point(1); got != (orb.Point{116.01, 39}) {
		t.Errorf("Point(1) = %v", got)
	}
}

// TestLowerBoundProperty checks the inequality the index's exactness rests
// on: slack × projected distance ≤ Geodesic, for pairs near and far from
// the projection centre.
func TestLowerBoundProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, c := range []orb.Point{{116.4, 39.9}, {105, 35}, {126.6, 45.7}} {
		lp := NewLocalProjection(c, false)
		for _, spread := range []float64{0.01, 0.5, 5, 30} {
			for range 3000 {
				a := orb.Point{c[0] + (2*r.Float64()-1)*spread, math.Max(-89, math.Min(89, c[1]+(2*r.Float64()-1)*spread))}
				b := orb.Point{a[0] + (2*r.Float64()-1)*spread/10, math.Max(-89, math.Min(89, a[1]+(2*r.Float64()-1)*spread/10))}
				lb := euclideanMeters(lp.Forward(a), lp.Forward(b)) * lowerBoundSlack
				if g := geodesicMeters(a, b); lb > g {
					t.Fatalf("centre %v: bound %.9f > geodesic %.9f for %v-%v", c, lb, g, a, b)
				}
			}
		}
	}
}

func TestPointIndexConcurrentReaders(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	pts := randomCity(r, 5000, false)
	qs := randomCity(r, 400, false)
	ix := NewPointIndex(pts, false)
	want := make([][]Neighbor, len(qs))
	for i, q := range qs {
		want[i] = ix.Nearest(q, 7, nil)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst []Neighbor
			for rep := range 5 {
				for i := range qs {
					i := (i + w*37 + rep) % len(qs)
					switch i % 3 {
					case 0:
						dst = ix.Nearest(qs[i], 7, dst)
					case 1:
						dst = dst[:0]
						ix.Scan(qs[i], func(n Neighbor) bool { dst = append(dst, n); return len(dst) < 7 })
					default:
						// The 7th distance may be tied by an 8th point.
						dst = ix.Within(qs[i], want[i][6].Meters, dst)
						dst = dst[:min(len(dst), 7)]
					}
					if !slices.Equal(dst, want[i]) {
						errs <- fmt.Sprintf("query %d (mode %d): %v, want %v", i, i%3, dst, want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
