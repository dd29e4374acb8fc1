package geo

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"testing"

	"github.com/paulmach/orb"
)

// TestGeodesicReference checks published ellipsoidal distances
// (testdata/geodesic_reference.csv) and the Vincenty reference used by the
// other tests against them.
func TestGeodesicReference(t *testing.T) {
	for _, rec := range readCSV(t, "testdata/geodesic_reference.csv", 7) {
		a := orb.Point{mustFloat(t, rec[1]), mustFloat(t, rec[2])}
		b := orb.Point{mustFloat(t, rec[3]), mustFloat(t, rec[4])}
		want := mustFloat(t, rec[5])
		if v, ok := refVincenty(a, b); !ok || math.Abs(v-want) > 0.001 {
			t.Errorf("%s: vincenty reference = %.4f (ok %v), want %.3f", rec[0], v, ok, want)
		}
		for _, args := range [][2]orb.Point{{a, b}, {b, a}} {
			got := Geodesic{}.Meters(args[0], args[1])
			if rel := math.Abs(got-want) / want; rel > 1e-5 {
				t.Errorf("%s: Geodesic = %.3f, want %.3f (%s): relative error %.2g", rec[0], got, want, rec[6], rel)
			}
		}
	}
}

// TestGeodesicAccuracy compares Geodesic with Vincenty's formula over random
// pairs at every scale, from 10 m to 10,000 km, at all latitudes: the
// flat-earth regime (both separations ≤ 1°) must be within the documented
// bounds, the Vincenty regime must agree to rounding.
func TestGeodesicAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		span    float64 // degrees
		maxFlat float64 // bound on relative error for flat-regime pairs
	}{
		{0.001, 1e-7},
		{0.1, 5e-7},
		{0.9, 4e-5},
		{1.1, 4e-5},
		{10, 4e-5},
		{90, 4e-5},
	}
	for _, tt := range tests {
		worstFlat, worstFar := 0.0, 0.0
		for range 5000 {
			a := orb.Point{-180 + r.Float64()*360, -80 + r.Float64()*160}
			b := orb.Point{a[0] + (2*r.Float64()-1)*tt.span, math.Max(-89.9, math.Min(89.9, a[1]+(2*r.Float64()-1)*tt.span))}
			v, ok := refVincenty(a, b)
			if !ok || v == 0 {
				continue
			}
			g := geodesicMeters(a, b)
			if g < 0 || math.IsNaN(g) {
				t.Fatalf("Geodesic(%v, %v) = %v", a, b, g)
			}
			rel := math.Abs(g-v) / v
			if math.Abs(b[1]-a[1]) <= 1 && math.Abs(math.Remainder(b[0]-a[0], 360)) <= 1 {
				worstFlat = math.Max(worstFlat, rel)
			} else {
				worstFar = math.Max(worstFar, rel)
			}
		}
		if worstFlat > tt.maxFlat {
			t.Errorf("span %g°: flat regime worst relative error %.3g > %.3g", tt.span, worstFlat, tt.maxFlat)
		}
		if worstFar > 1e-9 {
			t.Errorf("span %g°: Vincenty regime worst relative error %.3g > 1e-9", tt.span, worstFar)
		}
		if math.Max(worstFlat, worstFar) > 1e-4 {
			t.Errorf("span %g°: relative error breaks the PointIndex lower-bound slack 1e-4", tt.span)
		}
	}
}

// TestAndoyerFallback checks the formula used where Vincenty's iteration
// does not converge, against Vincenty where it does.
func TestAndoyerFallback(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	worst := 0.0
	for range 20000 {
		a := orb.Point{-180 + r.Float64()*360, -85 + r.Float64()*170}
		b := orb.Point{-180 + r.Float64()*360, -85 + r.Float64()*170}
		v, ok := refVincenty(a, b)
		if !ok || v < 100000 {
			continue
		}
		got := andoyer(a[1]*deg, b[1]*deg, math.Remainder((b[0]-a[0])*deg, 2*math.Pi))
		worst = math.Max(worst, math.Abs(got-v)/v)
	}
	if worst > 5e-4 {
		t.Errorf("Andoyer: worst relative error %.3g > 5e-4", worst)
	}
	t.Logf("Andoyer worst relative error beyond 100 km: %.3g", worst)
	if got := andoyer(0, 0, math.Pi); got != halfMeridian {
		t.Errorf("andoyer(antipodal) = %v, want %v", got, halfMeridian)
	}
	if got := andoyer(0.5, 0.5, 0); got != 0 {
		t.Errorf("andoyer(same point) = %v, want 0", got)
	}
}

func TestGeodesicEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		a, b orb.Point
		want float64
		tol  float64
	}{
		{"same point", orb.Point{116.4, 39.9}, orb.Point{116.4, 39.9}, 0, 0},
		{"equator 1 degree", orb.Point{0, 0}, orb.Point{1, 0}, 111319.49, 0.01},
		{"across antimeridian", orb.Point{179.9995, 10}, orb.Point{-179.9995, 10}, 109.6, 0.1},
		{"antipodal", orb.Point{0, 0}, orb.Point{180, 0}, 20003931.46, 1},
		{"nearly antipodal", orb.Point{0, 0.5}, orb.Point{179.7, -0.5}, 19980000, 40000},
		{"pole to pole", orb.Point{0, 90}, orb.Point{0, -90}, 20003931.46, 100},
	}
	for _, tt := range tests {
		got := Geodesic{}.Meters(tt.a, tt.b)
		if math.Abs(got-tt.want) > tt.tol || math.IsNaN(got) {
			t.Errorf("%s: Geodesic(%v, %v) = %.3f, want %.3f ± %g", tt.name, tt.a, tt.b, got, tt.want, tt.tol)
		}
	}
	if got := (Geodesic{}).Meters(orb.Point{math.NaN(), 0}, orb.Point{}); !math.IsNaN(got) {
		t.Errorf("Geodesic of NaN = %v, want NaN", got)
	}
}

func TestEuclidean(t *testing.T) {
	tests := []struct {
		a, b orb.Point
		want float64
	}{
		{orb.Point{0, 0}, orb.Point{3, 4}, 5},
		{orb.Point{-1, -1}, orb.Point{-1, -1}, 0},
		{orb.Point{500000, 3000000}, orb.Point{500300, 3000400}, 500},
	}
	for _, tt := range tests {
		if got := (Euclidean{}).Meters(tt.a, tt.b); got != tt.want {
			t.Errorf("Euclidean(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestStraightLine(t *testing.T) {
	if m := StraightLine(true); m.Name() != "euclidean" {
		t.Errorf("StraightLine(true).Name() = %q", m.Name())
	}
	if m := StraightLine(false); m.Name() != "geodesic" {
		t.Errorf("StraightLine(false).Name() = %q", m.Name())
	}
}

// randomCity returns n points scattered over a city-sized box around
// (116.2, 39.8) in degrees, or in a 40 km square of metres when planar.
// Every tenth point duplicates an earlier one, to exercise ties.
func randomCity(r *rand.Rand, n int, planar bool) []orb.Point {
	pts := make([]orb.Point, n)
	for i := range pts {
		if i%10 == 9 {
			pts[i] = pts[r.IntN(i)]
			continue
		}
		if planar {
			pts[i] = orb.Point{500000 + r.Float64()*40000, 4400000 + r.Float64()*40000}
		} else {
			pts[i] = orb.Point{116.0 + r.Float64()*0.45, 39.6 + r.Float64()*0.35}
		}
	}
	return pts
}

// bruteNearest is the obviously correct reference: every destination, sorted
// by (distance, index).
func bruteNearest(m Metric, o orb.Point, dests []orb.Point) []Neighbor {
	all := make([]Neighbor, len(dests))
	for j, d := range dests {
		all[j] = Neighbor{ID: int32(j), Meters: m.Meters(o, d)}
	}
	sort.Slice(all, func(a, b int) bool { return less(all[a], all[b]) })
	return all
}

func TestStraightNearestMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, planar := range []bool{false, true} {
		m := StraightLine(planar)
		tests := []struct {
			name           string
			origins, dests int
			k              int
		}{
			{"k=0", 50, 40, 0},
			{"k=1", 300, 200, 1},
			{"k=16", 300, 500, 16},
			{"k=len", 50, 16, 16},
			{"k>len", 50, 7, 20},
			{"no dests", 20, 0, 5},
			{"no origins", 0, 30, 5},
		}
		for _, tt := range tests {
			t.Run(m.Name()+"/"+tt.name, func(t *testing.T) {
				dests := randomCity(r, tt.dests, planar)
				origins := randomCity(r, tt.origins, planar)
				// Some origins sit exactly on destinations.
				for i := 0; i < len(origins) && i < len(dests); i += 7 {
					origins[i] = dests[i]
				}
				c, err := m.Nearest(context.Background(), origins, dests, tt.k)
				if err != nil {
					t.Fatal(err)
				}
				if c.Len() != len(origins) || len(c.Beyond) != len(origins) {
					t.Fatalf("Len = %d, Beyond %d; want %d", c.Len(), len(c.Beyond), len(origins))
				}
				for i, o := range origins {
					want := bruteNearest(m, o, dests)
					dest, meters := c.Row(i)
					n := min(tt.k, len(dests))
					if len(dest) != n {
						t.Fatalf("origin %d: %d candidates, want %d", i, len(dest), n)
					}
					for j := range dest {
						if dest[j] != want[j].ID || meters[j] != want[j].Meters {
							t.Fatalf("origin %d rank %d: (%d, %v), want (%d, %v)", i, j, dest[j], meters[j], want[j].ID, want[j].Meters)
						}
					}
					wantBeyond := math.Inf(1)
					if n < len(dests) {
						wantBeyond = want[n].Meters
					}
					if c.Beyond[i] != wantBeyond {
						t.Fatalf("origin %d: Beyond = %v, want %v", i, c.Beyond[i], wantBeyond)
					}
				}
			})
		}
	}
}

func TestStraightNearestDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	origins := randomCity(r, 3000, false)
	dests := randomCity(r, 300, false)
	a, err := Geodesic{}.Nearest(context.Background(), origins, dests, 8)
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	b, err := Geodesic{}.Nearest(context.Background(), origins, dests, 8)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Off, b.Off) || !slices.Equal(a.Dest, b.Dest) || !slices.Equal(a.Meters, b.Meters) || !slices.Equal(a.Beyond, b.Beyond) {
		t.Error("results differ between GOMAXPROCS settings")
	}
}

func TestStraightNearestErrors(t *testing.T) {
	good := []orb.Point{{116, 39}, {116.1, 39.1}}
	bad := []orb.Point{{116, 39}, {math.NaN(), 39}}
	tests := []struct {
		name            string
		origins, dests  []orb.Point
		k               int
		wantErrContains string
	}{
		{"negative k", good, good, -1, "k = -1"},
		{"NaN origin", bad, good, 1, "origin 1"},
		{"Inf dest", good, []orb.Point{{math.Inf(1), 0}}, 1, "destination 0"},
	}
	for _, tt := range tests {
		_, err := Geodesic{}.Nearest(context.Background(), tt.origins, tt.dests, tt.k)
		if err == nil || !contains(err.Error(), tt.wantErrContains) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.wantErrContains)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := rand.New(rand.NewPCG(1, 1))
	_, err := Euclidean{}.Nearest(ctx, randomCity(r, 5000, true), randomCity(r, 50, true), 3)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v, want context.Canceled", err)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub)))
}
