package cells

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// TestRandomCity builds a WGS-84 city of 2,000 random point villages
// around a core of 300 square compounds, dissolves it under random labels
// and checks the zones with shapely, then checks that Locate agrees with
// the zone polygons and with the nearest point unit.
func TestRandomCity(t *testing.T) {
	units := randomCity(2300, 300, 5, 42)
	ts := mustBuild(t, units, false, nil, Options{MaxLocateMeters: math.Inf(1)})
	n := len(units)
	cellSum := 0.0
	for i := range n {
		cellSum += area(ts.Cell(i))
	}
	checkSubdivision(t, ts)
	checkLocateInterior(t, ts)

	r := rand.New(rand.NewPCG(9, 9))
	const nz = 30
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(r.IntN(nz))
	}
	zones := checkTiling(t, ts, labels, nz)
	// Some units unzoned, and compact zones.
	holey := make([]int32, n)
	for i := range holey {
		holey[i] = labels[i]
		if r.IntN(10) == 0 {
			holey[i] = -1
		}
	}
	checkTiling(t, ts, holey, nz)
	compact := checkTiling(t, ts, blockLabels(units, 36), 36)

	reps := shapely(t, zones, compact)
	for k, rep := range reps {
		if len(rep.Invalid) > 0 {
			t.Errorf("set %d: shapely: %d invalid zones, e.g. %v", k, len(rep.Invalid), rep.Invalid[0])
		}
		sum := 0.0
		for _, a := range rep.Areas {
			sum += a
		}
		if math.Abs(rep.Union-sum) > 1e-3*sum {
			t.Errorf("set %d: zone areas add up to %g, union %g", k, sum, rep.Union)
		}
		if rep.Overlap > 1e-4*sum {
			t.Errorf("set %d: zones overlap by %g of %g", k, rep.Overlap, sum)
		}
		if math.Abs(rep.Union-cellSum) > 1e-3*cellSum {
			t.Errorf("set %d: union %g, cells %g", k, rep.Union, cellSum)
		}
	}

	// Locate against zone containment and against the nearest point unit.
	b := orb.Bound{Min: at(-3000, -3000), Max: at(3000, 3000)}
	var pts []int
	for i := range units {
		if ts.isPoint[i] {
			pts = append(pts, i)
		}
	}
	zoneParts := make([][]orb.Polygon, nz)
	partBounds := make([][]orb.Bound, nz)
	for z, g := range zones {
		zoneParts[z] = polygonsOf(g)
		for _, poly := range zoneParts[z] {
			partBounds[z] = append(partBounds[z], poly.Bound())
		}
	}
	disagree := 0
	for range 10000 {
		p := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
		u, ok := ts.Locate(p)
		inZone := -1
		for z, parts := range zoneParts {
			for k, poly := range parts {
				if partBounds[z][k].Contains(p) && planar.PolygonContains(poly, p) {
					inZone = z
				}
			}
		}
		want := -1
		if ok {
			want = int(labels[u])
		}
		if inZone != want {
			disagree++
			t.Errorf("Locate(%v) = unit %d (ok %v, zone %d) but zone polygons say %d", p, u, ok, want, inZone)
		}
		if ok && ts.isPoint[u] {
			// The unit must be the nearest point unit in the local
			// projection, up to the snap grid (about a centimetre).
			mx, my := ts.metres(p)
			du := math.Hypot(ts.mx[u]-mx, ts.my[u]-my)
			lim := (du - 0.05) * (du - 0.05)
			for _, j := range pts {
				dx, dy := ts.mx[j]-mx, ts.my[j]-my
				if d2 := dx*dx + dy*dy; d2 < lim && du > 0.05 {
					t.Errorf("Locate(%v) = %d at %.3f m, but %d is at %.3f m", p, u, du, j, math.Sqrt(d2))
					break
				}
			}
		}
		if disagree > 5 {
			t.Fatal("too many disagreements")
		}
	}
}

// Zone coordinates are on the 1e-7 degree grid: at most 7 decimals.
func TestSevenDecimals(t *testing.T) {
	units := randomCity(400, 100, 3, 3)
	ts := mustBuild(t, units, false, nil, Options{})
	zones, err := ts.Dissolve(blockLabels(units, 9), 9)
	if err != nil {
		t.Fatal(err)
	}
	for z, g := range zones {
		for _, p := range polygonsOf(g) {
			for _, r := range p {
				for _, pt := range r {
					for _, c := range pt {
						s := strconv.FormatFloat(c, 'f', -1, 64)
						if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > 7 {
							t.Fatalf("zone %d: coordinate %s has more than 7 decimals", z, s)
						}
					}
				}
			}
		}
	}
}

// Locate is safe for concurrent readers.
func TestLocateConcurrent(t *testing.T) {
	units := randomCity(600, 200, 3, 5)
	ts := mustBuild(t, units, false, nil, Options{})
	r := rand.New(rand.NewPCG(1, 3))
	pts := make([]orb.Point, 2000)
	want := make([]int, len(pts))
	for i := range pts {
		pts[i] = at((r.Float64()*2-1)*2000, (r.Float64()*2-1)*2000)
		u, ok := ts.Locate(pts[i])
		if !ok {
			u = -1
		}
		want[i] = u
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, p := range pts {
				u, ok := ts.Locate(p)
				if !ok {
					u = -1
				}
				if u != want[i] {
					t.Errorf("concurrent Locate(%v) = %d, want %d", p, u, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// Locate does not allocate.
func TestLocateAllocs(t *testing.T) {
	units := randomCity(600, 200, 3, 5)
	ts := mustBuild(t, units, false, nil, Options{})
	p := at(100, 200)
	if n := testing.AllocsPerRun(100, func() { ts.Locate(p) }); n != 0 {
		t.Errorf("Locate allocates %v times", n)
	}
}
