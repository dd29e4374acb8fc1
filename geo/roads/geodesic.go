package roads

import (
	"math"

	"github.com/paulmach/orb"

	"catchment/geo"
)

// earthRadius is the mean Earth radius in metres (IUGG R1), used only for
// the snapping index's conservative box bounds.
const earthRadius = 6371008.8

const degToRad = math.Pi / 180

// geodesic is the straight-line distance of package geo (WGS-84
// ellipsoid), so walking and straight-line metrics agree on what a metre
// is and a walking distance is never shorter than the straight line.
func geodesic(a, b orb.Point) float64 { return geo.Geodesic{}.Meters(a, b) }

// projectOnSegment finds the point of segment a–b closest to p in a local
// tangent plane centred on p (equirectangular at p's latitude, accurate to
// well under a metre at snapping distances). It returns the fraction t ∈
// [0, 1] along a→b and the closest point.
func projectOnSegment(p, a, b orb.Point) (t float64, q orb.Point) {
	kx := math.Cos(p[1] * degToRad)
	ax, ay := (a[0]-p[0])*kx, a[1]-p[1]
	bx, by := (b[0]-p[0])*kx, b[1]-p[1]
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	if l2 > 0 {
		t = -(ax*dx + ay*dy) / l2
	}
	if t < 0 || math.IsNaN(t) {
		t = 0
	} else if t > 1 {
		t = 1
	}
	q = orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
	return t, q
}

// boxLowerBound returns a lower bound, in metres, of the distance from p to
// any point of the lon/lat box [min, max]: the planar distance to the
// clamped point on the mean sphere with parallels scaled at the larger of
// the two latitudes (where they are shortest), shrunk by 1% to cover the
// sphere's curvature and the ellipsoid's smaller meridian radius (−0.5%).
func boxLowerBound(p orb.Point, min, max [2]float64) float64 {
	qx := math.Min(math.Max(p[0], min[0]), max[0])
	qy := math.Min(math.Max(p[1], min[1]), max[1])
	dx, dy := qx-p[0], qy-p[1]
	if dx == 0 && dy == 0 {
		return 0
	}
	if dx != 0 {
		dx *= math.Cos(math.Min(math.Max(math.Abs(p[1]), math.Abs(qy)), 90) * degToRad)
	}
	return 0.99 * earthRadius * degToRad * math.Sqrt(dx*dx+dy*dy)
}

// roundUp32 converts x ≥ 0 to the smallest float32 not below it, so sums of
// stored edge lengths never undercut the geodesic they approximate.
func roundUp32(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}
