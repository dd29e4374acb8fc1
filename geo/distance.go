package geo

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
)

// Geodesic is the straight-line Metric on WGS-84 [lon, lat] degrees: the
// length of the shortest path on the WGS-84 ellipsoid.
//
// Up to 1° apart in both latitude and longitude (city and county scale) it
// is the ellipsoidal flat-earth formula at the mid-latitude, with the
// meridian and prime-vertical radii of curvature: about 20 ns, relative
// error below 5·10⁻⁷ up to 10 km and below 4·10⁻⁵ up to 1°, far inside the
// 0.1% zoning needs (checked against Vincenty's formula). Farther apart it
// is Vincenty's inverse formula (sub-millimetre), falling back to Andoyer's
// formula (within 5·10⁻⁴) for the nearly antipodal pairs where Vincenty does
// not converge. Equal points give exactly 0. The
// result is finite and ≥ 0 for finite input, NaN for non-finite input.
//
// The zero value is ready to use and safe for concurrent use.
type Geodesic struct{}

// Euclidean is the straight-line Metric on planar metres (--crs xy).
// The zero value is ready to use and safe for concurrent use.
type Euclidean struct{}

// StraightLine returns Euclidean for planar data and Geodesic otherwise.
func StraightLine(planar bool) Metric {
	if planar {
		return Euclidean{}
	}
	return Geodesic{}
}

// Name returns "geodesic".
func (Geodesic) Name() string { return "geodesic" }

// Name returns "euclidean".
func (Euclidean) Name() string { return "euclidean" }

// Meters returns the geodesic distance between a and b; see Geodesic.
func (Geodesic) Meters(a, b orb.Point) float64 { return geodesicMeters(a, b) }

// Meters returns the Euclidean distance between a and b.
func (Euclidean) Meters(a, b orb.Point) float64 { return euclideanMeters(a, b) }

func euclideanMeters(a, b orb.Point) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	return math.Sqrt(dx*dx + dy*dy)
}

// flatLimit is the largest separation, in radians of latitude and of
// longitude, handled by the flat-earth formula.
const flatLimit = 1 * deg

func geodesicMeters(a, b orb.Point) float64 {
	p1, p2 := a[1]*deg, b[1]*deg
	dphi := p2 - p1
	dlam := (b[0] - a[0]) * deg
	if dlam > math.Pi || dlam < -math.Pi {
		dlam = math.Remainder(dlam, 2*math.Pi)
	}
	if math.Abs(dphi) <= flatLimit && math.Abs(dlam) <= flatLimit {
		cm := math.Cos((p1 + p2) / 2)
		w := 1 - wgsE2*(1-cm*cm)
		sw := math.Sqrt(w)
		n := wgsA / sw                     // prime-vertical radius
		m := wgsA * (1 - wgsE2) / (w * sw) // meridian radius
		dx := n * cm * dlam
		dy := m * dphi
		return math.Sqrt(dx*dx + dy*dy)
	}
	if d, ok := vincenty(p1, p2, dlam); ok {
		return d
	}
	return andoyer(p1, p2, dlam)
}

// vincenty is Vincenty's inverse formula (1975) on WGS-84 for geodetic
// latitudes p1, p2 and longitude difference dlam in radians, iterated to
// 1e-12 rad. ok is false when it does not converge (nearly antipodal points).
func vincenty(p1, p2, dlam float64) (meters float64, ok bool) {
	const b = wgsA * (1 - wgsF)
	sU1, cU1 := math.Sincos(math.Atan((1 - wgsF) * math.Tan(p1)))
	sU2, cU2 := math.Sincos(math.Atan((1 - wgsF) * math.Tan(p2)))
	lam := dlam
	var sSig, cSig, sig, cos2A, cos2SM float64
	for i := 0; ; i++ {
		if i == 100 {
			return 0, false
		}
		sLam, cLam := math.Sincos(lam)
		t1 := cU2 * sLam
		t2 := cU1*sU2 - sU1*cU2*cLam
		sSig = math.Sqrt(t1*t1 + t2*t2)
		if sSig == 0 {
			return 0, true
		}
		cSig = sU1*sU2 + cU1*cU2*cLam
		sig = math.Atan2(sSig, cSig)
		sA := cU1 * cU2 * sLam / sSig
		cos2A = 1 - sA*sA
		cos2SM = 0
		if cos2A != 0 {
			cos2SM = cSig - 2*sU1*sU2/cos2A
		}
		C := wgsF / 16 * cos2A * (4 + wgsF*(4-3*cos2A))
		prev := lam
		lam = dlam + (1-C)*wgsF*sA*(sig+C*sSig*(cos2SM+C*cSig*(-1+2*cos2SM*cos2SM)))
		if math.Abs(lam) > math.Pi {
			return 0, false
		}
		if math.Abs(lam-prev) < 1e-12 {
			break
		}
	}
	u2 := cos2A * (wgsA*wgsA - b*b) / (b * b)
	A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
	B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
	dSig := B * sSig * (cos2SM + B/4*(cSig*(-1+2*cos2SM*cos2SM)-B/6*cos2SM*(-3+4*sSig*sSig)*(-3+4*cos2SM*cos2SM)))
	d := b * A * (sig - dSig)
	if math.IsNaN(d) || d < 0 {
		return 0, false
	}
	return d, true
}

// halfMeridian is the length of the shortest path between antipodal points.
const halfMeridian = 20003931.4586

// andoyer is Andoyer's formula (as given in Meeus, Astronomical Algorithms,
// ch. 11) for geodetic latitudes p1, p2 and longitude difference dlam in
// radians: the fallback where Vincenty does not converge. Its relative
// error is below 5·10⁻⁴ beyond 100 km; results are capped at the
// half-meridian. NaN input gives NaN.
func andoyer(p1, p2, dlam float64) float64 {
	sF, cF := math.Sincos((p1 + p2) / 2)
	sG, cG := math.Sincos((p1 - p2) / 2)
	sL, cL := math.Sincos(dlam / 2)
	S := sG*sG*cL*cL + cF*cF*sL*sL
	C := cG*cG*cL*cL + sF*sF*sL*sL
	if math.IsNaN(S) || math.IsNaN(C) {
		return math.NaN()
	}
	if S <= 0 {
		return 0
	}
	if C <= 1e-12 {
		return halfMeridian
	}
	w := math.Atan(math.Sqrt(S / C))
	R := math.Sqrt(S*C) / w
	D := 2 * w * wgsA
	H1 := (3*R - 1) / (2 * C)
	H2 := (3*R + 1) / (2 * S)
	s := D * (1 + wgsF*H1*sF*sF*cG*cG - wgsF*H2*cF*cF*sG*sG)
	if math.IsNaN(s) || s < 0 || s > halfMeridian {
		return halfMeridian
	}
	return s
}

// Nearest implements Metric: for every origin its k geodesically nearest
// destinations. See straightNearest.
func (Geodesic) Nearest(ctx context.Context, origins, dests []orb.Point, k int) (*Candidates, error) {
	return straightNearest(ctx, origins, dests, k, false)
}

// Nearest implements Metric: for every origin its k nearest destinations in
// the plane. See straightNearest.
func (Euclidean) Nearest(ctx context.Context, origins, dests []orb.Point, k int) (*Candidates, error) {
	return straightNearest(ctx, origins, dests, k, true)
}

// nearestChunk is the number of origins a worker claims at a time; the
// context is checked between chunks.
const nearestChunk = 256

// straightNearest fills Candidates for a straight-line metric. Every
// destination is reachable, so every row has exactly min(k, len(dests))
// entries, sorted by distance with ties by ascending destination index, and
// Beyond is the distance of the (k+1)-th nearest destination (+Inf when the
// row lists them all). The work is spread over GOMAXPROCS workers through a
// PointIndex over dests; the result does not depend on the scheduling.
// It fails, without panicking, on k < 0 and on non-finite coordinates.
func straightNearest(ctx context.Context, origins, dests []orb.Point, k int, planar bool) (*Candidates, error) {
	if k < 0 {
		return nil, fmt.Errorf("nearest: k = %d, want ≥ 0", k)
	}
	for i, p := range origins {
		if !finitePoint(p) {
			return nil, fmt.Errorf("nearest: origin %d has a non-finite coordinate %v", i, p)
		}
	}
	for i, p := range dests {
		if !finitePoint(p) {
			return nil, fmt.Errorf("nearest: destination %d has a non-finite coordinate %v", i, p)
		}
	}
	if int64(len(origins))*int64(min(k, len(dests))) > math.MaxInt32 {
		return nil, fmt.Errorf("nearest: %d origins × %d destinations overflow the candidate table", len(origins), min(k, len(dests)))
	}
	m := min(k, len(dests))
	n := len(origins)
	c := &Candidates{
		Off:    make([]int32, n+1),
		Dest:   make([]int32, n*m),
		Meters: make([]float64, n*m),
		Beyond: make([]float64, n),
	}
	for i := range c.Off {
		c.Off[i] = int32(i * m)
	}
	if len(dests) == 0 {
		for i := range c.Beyond {
			c.Beyond[i] = math.Inf(1)
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("nearest: %w", err)
		}
		return c, nil
	}
	ix := NewPointIndex(dests, planar)
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), (n+nearestChunk-1)/nearestChunk)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]Neighbor, 0, m+1)
			for ctx.Err() == nil {
				lo := int(next.Add(nearestChunk)) - nearestChunk
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+nearestChunk, n); i++ {
					buf = ix.Nearest(origins[i], m+1, buf)
					off := i * m
					for j := range m {
						c.Dest[off+j] = buf[j].ID
						c.Meters[off+j] = buf[j].Meters
					}
					if len(buf) > m {
						c.Beyond[i] = buf[m].Meters
					} else {
						c.Beyond[i] = math.Inf(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("nearest: %w", err)
	}
	return c, nil
}
