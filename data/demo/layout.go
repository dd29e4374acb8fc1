package demo

import (
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
)

// Geometry of the demo city, in local metres: x east, y north, origin at
// Config.Center. Everything is converted to WGS-84 only at the edges.

const (
	earthRadius = 6371008.8 // mean Earth radius (m), for the equirectangular projection

	cellW      = 56.0 // fine grid cell size along the grid's u axis (m)
	cellH      = 50.0 // fine grid cell size along the grid's v axis (m)
	blockCells = 4    // fine cells per street block side; every 4th grid line is a street-block line

	riverHalfWidth = 60.0 // half the river's width (m)
	railHalfWidth  = 15.0 // half the railway corridor (m)
	ringHalfWidth  = 20.0 // half the motorway corridor (m)
	buildMargin    = 12.0 // extra clearance between a corridor and buildings (m)
)

// projection is the equirectangular projection around the city centre.
type projection struct {
	lon0, lat0 float64
	kx, ky     float64 // degrees per metre
}

func newProjection(c orb.Point) projection {
	lat := c[1] * math.Pi / 180
	return projection{
		lon0: c[0], lat0: c[1],
		kx: 180 / (math.Pi * earthRadius * math.Cos(lat)),
		ky: 180 / (math.Pi * earthRadius),
	}
}

// round7 rounds to 7 decimals, the precision of every written coordinate.
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

// lonLat converts local metres to WGS-84, rounded to 7 decimals.
func (p projection) lonLat(x, y float64) orb.Point {
	return orb.Point{round7(p.lon0 + x*p.kx), round7(p.lat0 + y*p.ky)}
}

// radial is a smooth closed curve around a centre: r(φ) = R·(1 + Σ a_k sin(kφ+ψ_k)).
type radial struct {
	r   float64
	amp [4]float64
	psi [4]float64
}

func newRadial(rng *rand.Rand, r, wobble float64) radial {
	q := radial{r: r}
	for k := range q.amp {
		q.amp[k] = wobble * (0.3 + 0.7*rng.Float64()) / float64(k+1)
		q.psi[k] = 2 * math.Pi * rng.Float64()
	}
	return q
}

func (q *radial) at(phi float64) float64 {
	f := 1.0
	for k := range q.amp {
		f += q.amp[k] * math.Sin(float64(k+2)*phi+q.psi[k])
	}
	return q.r * f
}

// maxR bounds at() from above.
func (q *radial) maxR() float64 {
	f := 1.0
	for _, a := range q.amp {
		f += a
	}
	return q.r * f
}

// starPolygon is a polygon that is star-shaped around the origin, with
// vertices at equal angular steps; containment is a single chord test.
type starPolygon struct {
	xs, ys []float64 // n vertices, counter-clockwise, vertex k at angle 2πk/n
}

func newStarPolygon(q *radial, n int) starPolygon {
	p := starPolygon{xs: make([]float64, n), ys: make([]float64, n)}
	for k := range n {
		phi := 2 * math.Pi * float64(k) / float64(n)
		r := q.at(phi)
		p.xs[k], p.ys[k] = r*math.Cos(phi), r*math.Sin(phi)
	}
	return p
}

// contains reports whether (x, y) is strictly inside the polygon.
func (p *starPolygon) contains(x, y float64) bool {
	n := len(p.xs)
	phi := math.Atan2(y, x)
	if phi < 0 {
		phi += 2 * math.Pi
	}
	k := int(phi / (2 * math.Pi) * float64(n))
	if k >= n {
		k = n - 1
	}
	k2 := (k + 1) % n
	ax, ay := p.xs[k], p.ys[k]
	bx, by := p.xs[k2], p.ys[k2]
	return (bx-ax)*(y-ay)-(by-ay)*(x-ax) > 0
}

// barrierKind names the linear features that cut the street grid.
type barrierKind int

const (
	river barrierKind = iota
	rail
	ring
	numBarriers
)

// barrier is a river or railway (a wavy line across the whole study area) or
// the motorway ring (a circle around the core). sdist returns an approximate
// signed distance: its sign is the side, its magnitude the distance (m).
type barrier struct {
	kind      barrierKind
	halfWidth float64
	// Line: in a frame rotated by cos/sin, across = off + Σ amp_k sin(along/len_k + ph_k).
	cos, sin float64
	off      float64
	amp, wl  [2]float64
	ph       [2]float64
	// Ring: radius.
	radius float64
}

func (b *barrier) frame(x, y float64) (along, across float64) {
	return x*b.cos + y*b.sin, -x*b.sin + y*b.cos
}

func (b *barrier) curve(along float64) (f, df float64) {
	f = b.off
	for k := range b.amp {
		if b.amp[k] == 0 {
			continue
		}
		t := along/b.wl[k] + b.ph[k]
		f += b.amp[k] * math.Sin(t)
		df += b.amp[k] / b.wl[k] * math.Cos(t)
	}
	return f, df
}

// sdist is the signed distance from (x, y) to the barrier's centre line.
func (b *barrier) sdist(x, y float64) float64 {
	if b.kind == ring {
		return math.Hypot(x, y) - b.radius
	}
	along, across := b.frame(x, y)
	// Cheap reject: far from the whole band of the curve.
	band := math.Abs(b.amp[0]) + math.Abs(b.amp[1])
	if d := across - b.off; d > band+500 || d < -band-500 {
		return d
	}
	f, df := b.curve(along)
	return (across - f) / math.Sqrt(1+df*df)
}

// point returns the centre-line point at parameter t: the along-coordinate
// for lines, the angle for the ring.
func (b *barrier) point(t float64) (x, y float64) {
	if b.kind == ring {
		return b.radius * math.Cos(t), b.radius * math.Sin(t)
	}
	f, _ := b.curve(t)
	return t*b.cos - f*b.sin, t*b.sin + f*b.cos
}

// offsetPoint returns the point at distance d to the positive side of the
// centre line at parameter t.
func (b *barrier) offsetPoint(t, d float64) (x, y float64) {
	if b.kind == ring {
		r := b.radius + d
		return r * math.Cos(t), r * math.Sin(t)
	}
	f, df := b.curve(t)
	n := math.Sqrt(1 + df*df)
	// Normal to (1, df) in the frame is (-df, 1)/n.
	u, v := t-d*df/n, f+d/n
	return u*b.cos - v*b.sin, u*b.sin + v*b.cos
}

// town is a 镇区: a dense grid patch with a fringe of scattered point units.
type town struct {
	x, y   float64
	shape  radial // radius of the dense part
	pupils int
	name   string
	// industrial towns host many migrant children.
	industrial bool
}

func (t *town) dist(x, y float64) (d, phi float64) {
	dx, dy := x-t.x, y-t.y
	return math.Hypot(dx, dy), math.Atan2(dy, dx)
}

func (t *town) inDense(x, y float64) bool {
	dx, dy := x-t.x, y-t.y
	if r := t.shape.maxR(); dx > r || dx < -r || dy > r || dy < -r {
		return false
	}
	d, phi := t.dist(x, y)
	return d < t.shape.at(phi)
}

// layout is the large-scale plan of the city.
type layout struct {
	scale    float64 // sqrt(pupils / 1,000,000): linear size relative to the default city
	boundary radial
	poly     starPolygon
	core     radial
	bars     [numBarriers]barrier
	towns    []town
	// The industrial wedge of the core: directions within ±indHalf of indDir,
	// beyond indR0 from the centre.
	indDir, indHalf, indR0 float64
	// Grid orientation.
	gcos, gsin float64
}

func angleDiff(a, b float64) float64 {
	d := math.Mod(a-b, 2*math.Pi)
	if d > math.Pi {
		d -= 2 * math.Pi
	}
	if d < -math.Pi {
		d += 2 * math.Pi
	}
	return d
}

func (l *layout) inCore(x, y float64) bool {
	return l.core.at(math.Atan2(y, x)) > math.Hypot(x, y)
}

func (l *layout) inIndustrialWedge(x, y float64) bool {
	r := math.Hypot(x, y)
	if r < l.indR0 {
		return false
	}
	return math.Abs(angleDiff(math.Atan2(y, x), l.indDir)) < l.indHalf
}

// clearance is the distance from (x, y) to the nearest corridor edge
// (negative inside a corridor).
func (l *layout) clearance(x, y float64) float64 {
	c := math.Inf(1)
	for k := range l.bars {
		b := &l.bars[k]
		c = min(c, math.Abs(b.sdist(x, y))-b.halfWidth)
	}
	return c
}

// sides packs the side of every barrier into bits.
func (l *layout) sides(x, y float64) uint8 {
	var s uint8
	for k := range l.bars {
		if l.bars[k].sdist(x, y) > 0 {
			s |= 1 << k
		}
	}
	return s
}

// newLayout draws the city plan for the given pupils. Region sizes follow
// from fixed densities, so every linear size scales with sqrt(pupils).
func newLayout(rng *rand.Rand, pupils int, nTowns int, townPupils []int) *layout {
	s := math.Sqrt(float64(pupils) / 1e6)
	l := &layout{scale: s}
	theta := (rng.Float64()*2 - 1) * 15 * math.Pi / 180
	l.gcos, l.gsin = math.Cos(theta), math.Sin(theta)

	// The core holds corePupilShare of the pupils at about 10 pupils per
	// residential cell, three quarters of the cells being residential.
	coreCells := corePupilShare * float64(pupils) / 10 / 0.72
	rc := math.Sqrt(coreCells * cellW * cellH / math.Pi)
	l.core = newRadial(rng, rc, 0.06)
	ringR := l.core.maxR() + max(300, 1100*s)
	l.bars[ring] = barrier{kind: ring, halfWidth: ringHalfWidth, radius: ringR}

	// Town radii: the dense part holds 65% of a town's pupils at ~8 per
	// residential cell.
	rts := make([]float64, nTowns)
	rtMax := 0.0
	for k := range nTowns {
		cells := 0.65 * float64(townPupils[k]) / 8 / 0.75
		rts[k] = math.Sqrt(cells * cellW * cellH / math.Pi)
		rtMax = max(rtMax, rts[k])
	}
	margin := max(400, 1500*s)
	l.boundary = newRadial(rng, max(27000*s, (ringR+2*1.9*rtMax+2*margin)*1.2), 0.07)
	l.poly = newStarPolygon(&l.boundary, 160)

	// The river crosses the core off-centre; the railway crosses it on the
	// other side at a wide angle, so both cut natural catchments.
	ar := 2 * math.Pi * rng.Float64()
	side := 1.0
	if rng.IntN(2) == 0 {
		side = -1
	}
	l.bars[river] = barrier{
		kind: river, halfWidth: riverHalfWidth,
		cos: math.Cos(ar), sin: math.Sin(ar),
		off: side * rc * (0.22 + 0.1*rng.Float64()),
		amp: [2]float64{rc * 0.11, rc * 0.035},
		wl:  [2]float64{rc * 0.45, rc * 0.13},
		ph:  [2]float64{2 * math.Pi * rng.Float64(), 2 * math.Pi * rng.Float64()},
	}
	at := ar + (70+40*rng.Float64())*math.Pi/180
	l.bars[rail] = barrier{
		kind: rail, halfWidth: railHalfWidth,
		cos: math.Cos(at), sin: math.Sin(at),
		off: -side * rc * (0.3 + 0.1*rng.Float64()),
		amp: [2]float64{rc * 0.08, 0},
		wl:  [2]float64{rc * 1.6, 1},
		ph:  [2]float64{2 * math.Pi * rng.Float64(), 0},
	}

	l.indDir = 2 * math.Pi * rng.Float64()
	l.indHalf = 35 * math.Pi / 180
	l.indR0 = 0.45 * rc

	// Towns on a ring between the motorway and the boundary, away from the river.
	phi0 := 2 * math.Pi * rng.Float64()
	for k := range nTowns {
		rt := rts[k]
		t := town{pupils: townPupils[k], industrial: k == 0}
		t.shape = newRadial(rng, rt, 0.05)
		inner := ringR + 1.9*rt + margin
		best, bestClear := [2]float64{}, -1.0
		for try := range 24 {
			phi := phi0 + 2*math.Pi*(float64(k)+0.5*(rng.Float64()-0.5))/float64(nTowns)
			outer := l.boundary.at(phi) - 1.9*rt - margin/2
			if outer < inner {
				outer = inner
			}
			frac := rng.Float64()
			if nTowns > 6 && k%2 == 1 {
				frac = 0.5 + 0.5*frac
			} else if nTowns > 6 {
				frac *= 0.5
			}
			d := inner + (outer-inner)*frac
			x, y := d*math.Cos(phi), d*math.Sin(phi)
			c := math.Abs(l.bars[river].sdist(x, y)) - 1.3*rt
			if c > bestClear || try == 0 {
				best, bestClear = [2]float64{x, y}, c
			}
			if c > 0 {
				break
			}
		}
		t.x, t.y = best[0], best[1]
		l.towns = append(l.towns, t)
	}
	return l
}

// regionAt classifies a point: regionOutside, regionRural, regionCore or
// regionTown+k.
func (l *layout) regionAt(x, y float64) int {
	if !l.poly.contains(x, y) {
		return regionOutside
	}
	if l.inCore(x, y) {
		return regionCore
	}
	for k := range l.towns {
		if l.towns[k].inDense(x, y) {
			return regionTown + k
		}
	}
	return regionRural
}

const (
	regionOutside = -1
	regionRural   = 0
	regionCore    = 1
	regionTown    = 2 // town k is regionTown + k
)
