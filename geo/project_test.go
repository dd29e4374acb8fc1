package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func TestLocalProjectionRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	centers := []orb.Point{{116.4, 39.9}, {121.47, 31.23}, {87.6, 43.8}, {0, 0}, {-70, -60}, {179.9, 10}}
	for _, c := range centers {
		lp := NewLocalProjection(c, false)
		if got := lp.Forward(c); math.Abs(got[0]) > 1e-9 || math.Abs(got[1]) > 1e-9 {
			t.Errorf("Forward(center %v) = %v, want origin", c, got)
		}
		for range 500 {
			p := orb.Point{normLon(c[0] + (2*r.Float64()-1)*2), c[1] + (2*r.Float64()-1)*2}
			back := lp.Inverse(lp.Forward(p))
			if d := (Geodesic{}).Meters(p, back); d > 1e-6 {
				t.Fatalf("center %v: %v -> %v: %.2g m", c, p, back, d)
			}
		}
	}
}

// TestLocalProjectionError checks the documented error: projected distances
// never exceed the geodesic ones, and fall short by at most θ²/2 (θ the
// angular distance of the farther point from the centre), with 1e-6 slack
// for Vincenty's own rounding.
func TestLocalProjectionError(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	c := orb.Point{116.4, 39.9}
	lp := NewLocalProjection(c, false)
	for _, radius := range []float64{0.05, 0.45, 0.9} { // degrees ≈ 5, 50, 100 km
		worst := 0.0
		for range 3000 {
			a := orb.Point{c[0] + (2*r.Float64()-1)*radius, c[1] + (2*r.Float64()-1)*radius}
			b := orb.Point{c[0] + (2*r.Float64()-1)*radius, c[1] + (2*r.Float64()-1)*radius}
			v, ok := refVincenty(a, b)
			if !ok || v < 1 {
				continue
			}
			planar := euclideanMeters(lp.Forward(a), lp.Forward(b))
			if planar > v*(1+1e-9)+1e-9 {
				t.Fatalf("projection lengthens %v-%v: %.6f > %.6f", a, b, planar, v)
			}
			ra, _ := refVincenty(c, a)
			rb, _ := refVincenty(c, b)
			theta := math.Max(ra, rb) / 6335439
			rel := (v - planar) / v
			if rel > theta*theta/2+1e-6 {
				t.Fatalf("radius %g°: relative error %.3g > θ²/2 = %.3g", radius, rel, theta*theta/2)
			}
			worst = math.Max(worst, rel)
		}
		t.Logf("within %g° of the centre: worst relative shortening %.3g", radius, worst)
	}
}

func TestLocalProjectionIdentityAndLimits(t *testing.T) {
	p := orb.Point{500123.5, 3400456.25}
	for _, lp := range []LocalProjection{NewLocalProjection(orb.Point{1, 2}, true), {}, NewLocalProjection(orb.Point{math.NaN(), 0}, false)} {
		if !lp.Planar() || lp.Forward(p) != p || lp.Inverse(p) != p {
			t.Errorf("%+v is not the identity", lp)
		}
	}
	lp := NewLocalProjection(orb.Point{116.4, 39.9}, false)
	if got := lp.Center(); math.Abs(got[0]-116.4) > 1e-12 || math.Abs(got[1]-39.9) > 1e-12 {
		t.Errorf("Center() = %v", got)
	}
	// 20,000 km east of the centre is off the projected disc.
	if got := lp.Inverse(orb.Point{2e7, 0}); !math.IsNaN(got[0]) || !math.IsNaN(got[1]) {
		t.Errorf("Inverse off the disc = %v, want NaN", got)
	}
	for _, tt := range []struct{ in, want float64 }{{190, -170}, {-190, 170}, {540, 180}, {45, 45}} {
		if got := normLon(tt.in); math.Abs(got-tt.want) > 1e-12 && !(math.Abs(got) == 180 && math.Abs(tt.want) == 180) {
			t.Errorf("normLon(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
