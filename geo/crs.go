package geo

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// CRS is the coordinate system of an input file (FORMATS.md "Coordinates").
// Internally catchment stores WGS-84 [lon, lat] degrees, or planar metres for
// XY; a CRS converts its points to and from that internal form.
type CRS int

// The coordinate systems catchment reads. The zero value is WGS84.
const (
	// WGS84 is longitude, latitude in degrees on WGS-84 (GPS, OSM). CGCS2000
	// agrees with it to about a metre and is read as WGS84.
	WGS84 CRS = iota
	// GCJ02 is the obfuscated system of Chinese web maps (Amap, Tencent, WeChat).
	GCJ02
	// BD09 is Baidu's BD09LL, degrees offset again from GCJ02.
	BD09
	// XY is projected planar metres; distances are Euclidean.
	XY
)

// ParseCRS parses "wgs84", "gcj02", "bd09" or "xy" (case-insensitive,
// surrounding space ignored). "cgcs2000" is accepted as WGS84, and so are
// "wgs-84", "epsg:4326" and "epsg:4490" (CGCS2000); "gcj-02", "bd-09" and
// "bd09ll" name GCJ02 and BD09. Baidu's planar BD09MC is not supported.
func ParseCRS(s string) (CRS, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "wgs84", "wgs-84", "cgcs2000", "epsg:4326", "epsg:4490":
		return WGS84, nil
	case "gcj02", "gcj-02":
		return GCJ02, nil
	case "bd09", "bd-09", "bd09ll":
		return BD09, nil
	case "xy":
		return XY, nil
	}
	return 0, fmt.Errorf("unknown coordinate system %q (want wgs84, gcj02, bd09 or xy)", s)
}

// String returns the FORMATS.md spelling: "wgs84", "gcj02", "bd09" or "xy".
func (c CRS) String() string {
	switch c {
	case WGS84:
		return "wgs84"
	case GCJ02:
		return "gcj02"
	case BD09:
		return "bd09"
	case XY:
		return "xy"
	}
	return fmt.Sprintf("crs(%d)", int(c))
}

// Planar reports whether coordinates are planar metres (XY) rather than
// degrees of longitude and latitude.
func (c CRS) Planar() bool { return c == XY }

// ToWGS84 converts p from c to the internal form: WGS-84 degrees, or p
// itself for WGS84 and XY (and for an unknown CRS value). Non-finite input is
// returned unchanged; see the conversion functions for the out-of-China rule.
func (c CRS) ToWGS84(p orb.Point) orb.Point {
	switch c {
	case GCJ02:
		return GCJ02ToWGS84(p)
	case BD09:
		return BD09ToWGS84(p)
	}
	return p
}

// FromWGS84 converts an internal WGS-84 point to c, for display on a web map
// of that system. It is the identity for WGS84 and XY.
func (c CRS) FromWGS84(p orb.Point) orb.Point {
	switch c {
	case GCJ02:
		return WGS84ToGCJ02(p)
	case BD09:
		return WGS84ToBD09(p)
	}
	return p
}

// GCJ-02 parameters (POLICY.md §D): the Krasovsky 1940 ellipsoid.
const (
	gcjA  = 6378245.0
	gcjEE = 0.00669342162296594323
	// bdXPi is π·3000/180, the BD-09 phase constant.
	bdXPi = math.Pi * 3000.0 / 180.0
)

// The China box. Points outside it get no offset in any direction of any
// conversion: GCJ-02 and BD-09 coincide with WGS-84 there. This is the box
// of wandergis/coordtransform and googollee/eviltransform (lon 72.004 to
// 137.8347, lat 0.8293 to 55.8271), the wider of the two boxes in use; it
// covers all of mainland China including eastern Heilongjiang, which the
// narrower 73.66–135.05 box cuts off. Boundary values count as inside.
const (
	chinaMinLon = 72.004
	chinaMaxLon = 137.8347
	chinaMinLat = 0.8293
	chinaMaxLat = 55.8271
)

// InChina reports whether p lies in the box where the Chinese offsets apply.
// It is false for non-finite points.
func InChina(p orb.Point) bool {
	return p[0] >= chinaMinLon && p[0] <= chinaMaxLon && p[1] >= chinaMinLat && p[1] <= chinaMaxLat
}

// gcjOffset returns the GCJ-02 offset (dlon, dlat) in degrees at WGS-84 point
// (lon, lat); the caller has checked that the point is in China.
func gcjOffset(lon, lat float64) (dlon, dlat float64) {
	x, y := lon-105.0, lat-35.0
	sx := math.Sqrt(math.Abs(x))
	common := (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	tlat := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*sx + common +
		(20.0*math.Sin(y*math.Pi)+40.0*math.Sin(y/3.0*math.Pi))*2.0/3.0 +
		(160.0*math.Sin(y/12.0*math.Pi)+320*math.Sin(y*math.Pi/30.0))*2.0/3.0
	tlon := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*sx + common +
		(20.0*math.Sin(x*math.Pi)+40.0*math.Sin(x/3.0*math.Pi))*2.0/3.0 +
		(150.0*math.Sin(x/12.0*math.Pi)+300.0*math.Sin(x/30.0*math.Pi))*2.0/3.0
	rad := lat / 180.0 * math.Pi
	s := math.Sin(rad)
	magic := 1 - gcjEE*s*s
	sm := math.Sqrt(magic)
	dlat = (tlat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sm) * math.Pi)
	dlon = (tlon * 180.0) / (gcjA / sm * math.Cos(rad) * math.Pi)
	return dlon, dlat
}

func finitePoint(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0)
}

// WGS84ToGCJ02 applies the GCJ-02 offset (Krasovsky a = 6378245.0,
// ee = 0.00669342162296594323; POLICY.md §D). Points outside the China box
// (see InChina), and non-finite points, are returned unchanged.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	dlon, dlat := gcjOffset(p[0], p[1])
	return orb.Point{p[0] + dlon, p[1] + dlat}
}

// inverseTol is the convergence threshold of the iterative inverses, in
// degrees (1e-7° ≈ 1 cm), and inverseMaxIter caps their iterations.
const (
	inverseTol     = 1e-7
	inverseMaxIter = 20
)

// GCJ02ToWGS84 inverts WGS84ToGCJ02 by fixed-point iteration until the
// step is below 1e-7° (about 1 cm), at most 20 steps; the result w satisfies
// |WGS84ToGCJ02(w) − p| < 1e-7° wherever the offset is continuous (everywhere
// but within about 700 m of the China box edge). Points outside the China
// box, and non-finite points, are returned unchanged.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	w := p
	for range inverseMaxIter {
		g := WGS84ToGCJ02(w)
		dx, dy := g[0]-p[0], g[1]-p[1]
		w[0] -= dx
		w[1] -= dy
		if math.Abs(dx) < inverseTol && math.Abs(dy) < inverseTol {
			break
		}
	}
	return w
}

// GCJ02ToBD09 applies Baidu's BD-09 transform (POLICY.md §D):
// z = √(x²+y²) + 0.00002·sin(y·π·3000/180), θ = atan2(y,x) +
// 0.000003·cos(x·π·3000/180), bd = (z·cosθ + 0.0065, z·sinθ + 0.006).
// Points outside the China box, and non-finite points, are returned unchanged.
func GCJ02ToBD09(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// BD09ToGCJ02 inverts GCJ02ToBD09. It starts from the usual closed-form
// approximate inverse and refines it by fixed-point iteration to 1e-7°, at
// most 20 steps. Points outside the China box, and non-finite points, are
// returned unchanged.
func BD09ToGCJ02(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	x, y := p[0]-0.0065, p[1]-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	g := orb.Point{z * math.Cos(theta), z * math.Sin(theta)}
	for range inverseMaxIter {
		b := GCJ02ToBD09(g)
		dx, dy := b[0]-p[0], b[1]-p[1]
		g[0] -= dx
		g[1] -= dy
		if math.Abs(dx) < inverseTol && math.Abs(dy) < inverseTol {
			break
		}
	}
	return g
}

// WGS84ToBD09 converts WGS-84 to BD-09 through GCJ-02.
func WGS84ToBD09(p orb.Point) orb.Point { return GCJ02ToBD09(WGS84ToGCJ02(p)) }

// BD09ToWGS84 converts BD-09 to WGS-84 through GCJ-02.
func BD09ToWGS84(p orb.Point) orb.Point { return GCJ02ToWGS84(BD09ToGCJ02(p)) }
