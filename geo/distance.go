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
// Accuracy (checked against Vincenty's inverse formula): relative error
// below 5·10⁻⁷ up to 10 km and below 3·10⁻⁵ at any distance, far inside
// the 0.1% the zoning needs; exactly 0 for equal points. Up to 1° of latitude and longitude apart it uses
// the ellipsoidal flat-earth formula at the mid-latitude (meridian and
// prime-vertical radii of curvature), beyond that Andoyer's formula. The
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
	return andoyer(p1, p2, dlam)
}

// andoyer is Andoyer's formula (as given in Meeus, Astronomical Algorithms,
// ch. 11) for geodetic latitudes p1, p2 and longitude difference dlam, in
// radians.
func andoyer(p1, p2, dlam float64) float64 {
	sF, cF := math.Sincos((p1 + p2) / 2)
	sG, cG := math.Sincos((p1 - p2) / 2)
	sL, cL := math.Sincos(dlam / 2)
	S := sG*sG*cL*cL + cF*cF*sL*sL
	C := cG*cG*cL*cL + sF*sF*sL*sL
	if S <= 0 {
		return 0
	}
	if C <= 1e-300 {
		// Antipodal: the half-meridian.
		return math.Pi * wgsA * (1 - wgsF/2)
	}
	w := math.Atan(math.Sqrt(S / C))
	R := math.Sqrt(S*C) / w
	D := 2 * w * wgsA
	H1 := (3*R - 1) / (2 * C)
	H2 := (3*R + 1) / (2 * S)
	s := D * (1 + wgsF*H1*sF*sF*cG*cG - wgsF*H2*cF*cF*sG*sG)
	if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
		return D
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
		return c, ctx.Err()
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
