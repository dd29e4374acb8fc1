package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseCRS(t *testing.T) {
	tests := []struct {
		in      string
		want    CRS
		wantErr bool
	}{
		{"wgs84", WGS84, false},
		{" WGS84 ", WGS84, false},
		{"CGCS2000", WGS84, false},
		{"EPSG:4490", WGS84, false},
		{"gcj02", GCJ02, false},
		{"GCJ-02", GCJ02, false},
		{"bd09", BD09, false},
		{"Bd09LL", BD09, false},
		{"xy", XY, false},
		{"XY", XY, false},
		{"", 0, true},
		{"bd09mc", 0, true},
		{"utm50", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseCRS(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseCRS(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("ParseCRS(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCRSString(t *testing.T) {
	tests := []struct {
		c      CRS
		want   string
		planar bool
	}{
		{WGS84, "wgs84", false},
		{GCJ02, "gcj02", false},
		{BD09, "bd09", false},
		{XY, "xy", true},
		{CRS(9), "crs(9)", false},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("%d.String() = %q, want %q", int(tt.c), got, tt.want)
		}
		if got := tt.c.Planar(); got != tt.planar {
			t.Errorf("%v.Planar() = %v, want %v", tt.c, got, tt.planar)
		}
		if tt.c <= XY {
			back, err := ParseCRS(tt.want)
			if err != nil || back != tt.c {
				t.Errorf("ParseCRS(%q) = %v, %v; want %v", tt.want, back, err, tt.c)
			}
		}
	}
}

var conversions = map[string]func(orb.Point) orb.Point{
	"wgs84_to_gcj02": WGS84ToGCJ02,
	"gcj02_to_wgs84": GCJ02ToWGS84,
	"gcj02_to_bd09":  GCJ02ToBD09,
	"bd09_to_gcj02":  BD09ToGCJ02,
	"wgs84_to_bd09":  WGS84ToBD09,
	"bd09_to_wgs84":  BD09ToWGS84,
}

// TestReferencePairs checks the published pairs in
// testdata/crs_reference.csv (provenance in that file).
func TestReferencePairs(t *testing.T) {
	for _, rec := range readCSV(t, "testdata/crs_reference.csv", 7) {
		conv, ok := conversions[rec[0]]
		if !ok {
			t.Fatalf("unknown conversion %q", rec[0])
		}
		in := orb.Point{mustFloat(t, rec[1]), mustFloat(t, rec[2])}
		want := orb.Point{mustFloat(t, rec[3]), mustFloat(t, rec[4])}
		tol := mustFloat(t, rec[5])
		got := conv(in)
		if d := degMeters(got, want); d > tol {
			t.Errorf("%s(%v) = %.12f, want %.12f (%s): off by %.3f m > %.3f m", rec[0], in, got, want, rec[6], d, tol)
		}
	}
}

// chinaGrid returns points on a grid across mainland China.
func chinaGrid() []orb.Point {
	var pts []orb.Point
	for lon := 74.0; lon <= 134.5; lon += 1.5 {
		for lat := 18.0; lat <= 53.5; lat += 1.25 {
			pts = append(pts, orb.Point{lon + 0.123, lat + 0.0456})
		}
	}
	return pts
}

func TestRoundTripsAcrossChina(t *testing.T) {
	tests := []struct {
		name      string
		fwd, back func(orb.Point) orb.Point
	}{
		{"wgs-gcj-wgs", WGS84ToGCJ02, GCJ02ToWGS84},
		{"wgs-bd-wgs", WGS84ToBD09, BD09ToWGS84},
		{"gcj-bd-gcj", GCJ02ToBD09, BD09ToGCJ02},
		{"crs gcj", GCJ02.FromWGS84, GCJ02.ToWGS84},
		{"crs bd", BD09.FromWGS84, BD09.ToWGS84},
	}
	pts := chinaGrid()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			worst := 0.0
			for _, p := range pts {
				q := tt.fwd(p)
				if q == p {
					t.Fatalf("%v: no offset applied inside China", p)
				}
				r := tt.back(q)
				d := degMeters(p, r)
				worst = math.Max(worst, d)
				if d > 0.5 {
					t.Errorf("%v -> %v -> %v: %.3f m > 0.5 m", p, q, r, d)
				}
			}
			t.Logf("%d points, worst round trip %.4f m", len(pts), worst)
		})
	}
}

// TestOffsetProperties checks what any correct implementation must satisfy:
// inside China the GCJ-02 offset is a few hundred metres and BD-09 adds
// roughly another kilometre or less; outside, and for planar or WGS-84
// input, points pass unchanged.
func TestOffsetProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		p := orb.Point{75 + r.Float64()*59, 19 + r.Float64()*34}
		g := WGS84ToGCJ02(p)
		if d := degMeters(p, g); d < 1 || d > 1200 {
			t.Errorf("GCJ-02 offset at %v is %.1f m, want 1..1200 m", p, d)
		}
		b := GCJ02ToBD09(g)
		if d := degMeters(g, b); d < 100 || d > 1500 {
			t.Errorf("BD-09 offset at %v is %.1f m, want 100..1500 m", g, d)
		}
		if WGS84.ToWGS84(p) != p || XY.ToWGS84(p) != p || WGS84.FromWGS84(p) != p || XY.FromWGS84(p) != p {
			t.Errorf("WGS84/XY conversions of %v are not the identity", p)
		}
		// Out of China: mirror the point into the western hemisphere.
		o := orb.Point{-p[0], p[1]}
		for name, conv := range conversions {
			if got := conv(o); got != o {
				t.Errorf("%s(%v) = %v, want unchanged outside China", name, o, got)
			}
		}
	}
	edges := []struct {
		p  orb.Point
		in bool
	}{
		{orb.Point{72.004, 30}, true},
		{orb.Point{72.0039, 30}, false},
		{orb.Point{137.8347, 55.8271}, true},
		{orb.Point{137.8348, 30}, false},
		{orb.Point{100, 0.8292}, false},
		{orb.Point{100, 55.8272}, false},
		{orb.Point{math.NaN(), 30}, false},
	}
	for _, e := range edges {
		if got := InChina(e.p); got != e.in {
			t.Errorf("InChina(%v) = %v, want %v", e.p, got, e.in)
		}
	}
}

func TestNonFiniteUnchanged(t *testing.T) {
	inf := math.Inf(1)
	for _, p := range []orb.Point{{math.NaN(), 30}, {116, math.NaN()}, {inf, 30}, {116, -inf}, {1e300, 1e300}} {
		for name, conv := range conversions {
			got := conv(p)
			same := (got[0] == p[0] || (math.IsNaN(got[0]) && math.IsNaN(p[0]))) &&
				(got[1] == p[1] || (math.IsNaN(got[1]) && math.IsNaN(p[1])))
			if !same {
				t.Errorf("%s(%v) = %v, want unchanged", name, p, got)
			}
		}
	}
}

// FuzzConversions feeds arbitrary coordinates to every conversion: none may
// panic; finite input gives finite output; non-finite or out-of-China input
// comes back unchanged; and inside China (away from the box edge, where
// the offset is discontinuous) every inverse undoes its forward conversion
// within 0.5 m.
func FuzzConversions(f *testing.F) {
	f.Add(116.404, 39.915)
	f.Add(72.004, 0.8293)
	f.Add(-74.0, 40.7)
	f.Add(math.NaN(), 1.0)
	f.Add(math.Inf(-1), 1e308)
	f.Add(105.0, 35.0)
	f.Fuzz(func(t *testing.T, lon, lat float64) {
		p := orb.Point{lon, lat}
		for name, conv := range conversions {
			got := conv(p)
			if finitePoint(p) && !finitePoint(got) {
				t.Fatalf("%s(%v) = %v, not finite", name, p, got)
			}
			if !InChina(p) && !(got == p || !finitePoint(p)) {
				t.Fatalf("%s(%v) = %v, want unchanged outside China", name, p, got)
			}
		}
		if lon > 73 && lon < 136.8 && lat > 2 && lat < 54.8 {
			if d := degMeters(p, GCJ02ToWGS84(WGS84ToGCJ02(p))); d > 0.5 {
				t.Fatalf("wgs-gcj-wgs round trip of %v off by %.3f m", p, d)
			}
			if d := degMeters(p, BD09ToWGS84(WGS84ToBD09(p))); d > 0.5 {
				t.Fatalf("wgs-bd-wgs round trip of %v off by %.3f m", p, d)
			}
		}
	})
}
