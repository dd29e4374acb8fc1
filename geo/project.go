package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// WGS-84 ellipsoid.
const (
	wgsA  = 6378137.0
	wgsF  = 1 / 298.257223563
	wgsE2 = wgsF * (2 - wgsF)
	deg   = math.Pi / 180
)

// LocalProjection maps WGS-84 points near a centre to planar metres and
// back. It is the orthographic projection of the WGS-84 ellipsoid onto its
// tangent plane at the centre (local east-north coordinates): x points east,
// y north, the centre maps to (0, 0).
//
// Error: the projection never lengthens a distance (it is an orthogonal
// projection of 3-D positions, so the planar distance between two projected
// points is at most their chord, which is at most their geodesic distance).
// It shortens distances by a relative error of at most about θ²/2, where θ
// is the angular distance of the farther point from the centre (r/6,335 km):
// below 2·10⁻⁶ within 10 km of the centre, 3·10⁻⁵ within 50 km, 1.3·10⁻⁴
// within 100 km. Forward is defined everywhere but only the hemisphere
// facing the centre is invertible; Inverse returns NaN coordinates for
// planar points outside the projected disc.
//
// For planar data (see NewLocalProjection) both directions are the identity.
// The zero value is the identity projection. A LocalProjection is an
// immutable value, safe for concurrent use.
type LocalProjection struct {
	planar bool
	valid  bool
	lon0   float64 // centre longitude, degrees
	s0, c0 float64 // sin and cos of the centre latitude
	x0, z0 float64 // centre in the rotated ECEF frame (y0 = 0)
}

// NewLocalProjection returns the projection around center (WGS-84 degrees).
// If planar is true the data are already metres and the projection is the
// identity. A non-finite center gives the identity too.
func NewLocalProjection(center orb.Point, planar bool) LocalProjection {
	if planar || !finitePoint(center) {
		return LocalProjection{planar: true}
	}
	lat := math.Max(-90, math.Min(90, center[1]))
	s0, c0 := math.Sincos(lat * deg)
	n0 := wgsA / math.Sqrt(1-wgsE2*s0*s0)
	return LocalProjection{
		valid: true,
		lon0:  center[0],
		s0:    s0, c0: c0,
		x0: n0 * c0,
		z0: n0 * (1 - wgsE2) * s0,
	}
}

// Center returns the centre of the projection, or (0, 0) for the identity.
func (lp LocalProjection) Center() orb.Point {
	if !lp.valid {
		return orb.Point{}
	}
	return orb.Point{lp.lon0, math.Atan2(lp.s0, lp.c0) / deg}
}

// Planar reports whether the projection is the identity.
func (lp LocalProjection) Planar() bool { return !lp.valid }

// Forward maps a WGS-84 point to local east-north metres.
func (lp LocalProjection) Forward(p orb.Point) orb.Point {
	if !lp.valid {
		return p
	}
	s, c := math.Sincos(p[1] * deg)
	sl, cl := math.Sincos((p[0] - lp.lon0) * deg)
	n := wgsA / math.Sqrt(1-wgsE2*s*s)
	// ECEF rotated so that the centre meridian is longitude 0.
	X := n * c * cl
	Y := n * c * sl
	Z := n * (1 - wgsE2) * s
	return orb.Point{Y, -lp.s0*(X-lp.x0) + lp.c0*(Z-lp.z0)}
}

// Inverse maps local east-north metres back to a WGS-84 point on the
// hemisphere facing the centre, longitude in [-180, 180]. Points outside
// the projected disc give NaN coordinates.
func (lp LocalProjection) Inverse(q orb.Point) orb.Point {
	if !lp.valid {
		return q
	}
	const a2 = wgsA * wgsA
	const b2 = a2 * (1 - wgsE2)
	x, y := q[0], q[1]
	// Point on the tangent plane, rotated ECEF; then move along the centre's
	// up vector u = (c0, 0, s0) by t onto the ellipsoid.
	qx := lp.x0 - y*lp.s0
	qy := x
	qz := lp.z0 + y*lp.c0
	A := lp.c0*lp.c0/a2 + lp.s0*lp.s0/b2
	B := 2 * (qx*lp.c0/a2 + qz*lp.s0/b2)
	C := (qx*qx+qy*qy)/a2 + qz*qz/b2 - 1
	disc := B*B - 4*A*C
	if disc < 0 || math.IsNaN(disc) {
		return orb.Point{math.NaN(), math.NaN()}
	}
	// The root nearest zero, in a cancellation-free form (B > 0 near the
	// visible hemisphere).
	var t float64
	if B >= 0 {
		t = -2 * C / (B + math.Sqrt(disc))
	} else {
		t = (-B + math.Sqrt(disc)) / (2 * A)
	}
	X := qx + t*lp.c0
	Y := qy
	Z := qz + t*lp.s0
	lat := math.Atan2(Z, (1-wgsE2)*math.Hypot(X, Y)) / deg
	lon := lp.lon0 + math.Atan2(Y, X)/deg
	return orb.Point{normLon(lon), lat}
}

// normLon wraps a longitude into [-180, 180].
func normLon(lon float64) float64 {
	if lon >= -180 && lon <= 180 {
		return lon
	}
	lon = math.Mod(lon+180, 360)
	if lon < 0 {
		lon += 360
	}
	return lon - 180
}
