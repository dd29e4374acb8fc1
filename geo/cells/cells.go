// Package cells owns the tessellation of a study area into unit cells: one
// cell per residential unit (a compound's own polygon, or the Voronoi cell of
// a point unit clipped to the study boundary and minus the polygon units),
// the adjacency of units derived from it, the dissolving of cells into zone
// polygons, and locating the unit whose cell contains a point.
//
// All cells live on one snap grid (1e-7 degree for WGS-84, 1 mm for planar
// metres) and form a proper planar subdivision: two adjacent cells share an
// identical sequence of edges, so unions of cells (zones) tile exactly, with
// no overlaps and no slivers. Voronoi cells are computed in a local
// equirectangular projection in metres around the centre of the data. That
// projection is an affine map of longitude and latitude, so straight Voronoi
// edges stay straight in degrees, and "nearest point unit" means nearest in
// that projection everywhere in this package.
//
// How it works: the Delaunay triangulation of the point units (a radial
// sweep with exact orientation and in-circle predicates) gives their Voronoi
// edges; these, the study boundary, every polygon unit ring and a frame box
// become segments on the snap grid, which Hobby-style snap rounding nodes
// into a planar arrangement (every segment re-routed through the hot pixels
// it touches, all predicates exact in integers). Faces of the arrangement
// are labelled by walking from the outside: crossing an edge flips
// membership of the polygons it belongs to (even–odd), and Voronoi edges
// say which point unit owns each side. Edges between different units make
// the cell subdivision, from which cells and zones are traced as rings
// (split at pinch vertices, holes assigned to the smallest enclosing shell).
//
// The package knows no policy: it never looks at pupils, schools or stages.
// Known limits: longitudes must not wrap around ±180°, the data must fit
// within about ±107° (±1,073 km planar) of its centre, and polygon units
// whose shared edges differ by more than the snap grid are not merged
// (their sliver gaps are filled by neighbouring point cells, and the gap
// rule of Adjacency still connects them).
package cells

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"catchment/data"

	"github.com/paulmach/orb"
)

// Options tune Build. The zero value gives the documented defaults.
type Options struct {
	// HullBufferMeters is how far the default study boundary (the convex hull
	// of all unit geometry, used when Build gets a nil boundary) extends
	// beyond the hull. Values ≤ 0 mean the default, 1000 m.
	HullBufferMeters float64
	// MaxLocateMeters bounds Locate for point units: a point farther than this
	// from the point unit whose cell holds it is not located. Values ≤ 0
	// mean the default, 3000 m; +Inf disables the bound.
	MaxLocateMeters float64
	// GapMeters is the widest gap (a road between compounds, say) across
	// which two units that are Delaunay neighbours, at least one a polygon,
	// still count as adjacent although their cells do not touch. Values ≤ 0
	// mean the default, 50 m. See Tessellation.Adjacency.
	GapMeters float64
}

const (
	defaultHullBuffer = 1000.0
	defaultMaxLocate  = 3000.0
	defaultGap        = 50.0
	earthRadius       = 6371008.8
	maxExtent         = 1 << 30 // grid units either side of the origin
)

func (o Options) withDefaults() Options {
	if !(o.HullBufferMeters > 0) {
		o.HullBufferMeters = defaultHullBuffer
	}
	if !(o.MaxLocateMeters > 0) {
		o.MaxLocateMeters = defaultMaxLocate
	}
	if !(o.GapMeters > 0) {
		o.GapMeters = defaultGap
	}
	return o
}

// frame maps input coordinates to the snap grid and to local metres. Grid
// coordinates are relative to an origin on the grid; metres are an affine
// (axis-scaled) image of grid coordinates.
type frame struct {
	planar   bool
	scale    float64 // grid units per input unit: 1e7 (degrees) or 1e3 (metres)
	ox, oy   int64   // origin, absolute grid units
	mpgX     float64 // metres per grid unit along x
	mpgY     float64
	fox, foy float64 // float64(ox), float64(oy)
}

func newFrame(planar bool, cx, cy float64) frame {
	f := frame{planar: planar}
	if planar {
		f.scale = 1e3
		f.mpgX, f.mpgY = 1e-3, 1e-3
	} else {
		f.scale = 1e7
		mpd := earthRadius * math.Pi / 180
		f.mpgY = mpd / 1e7
		f.mpgX = mpd * math.Cos(cy*math.Pi/180) / 1e7
	}
	f.ox, f.oy = int64(math.Round(cx*f.scale)), int64(math.Round(cy*f.scale))
	f.fox, f.foy = float64(f.ox), float64(f.oy)
	return f
}

// grid returns p in relative grid units (not rounded).
func (f *frame) grid(p orb.Point) (float64, float64) {
	return p[0]*f.scale - f.fox, p[1]*f.scale - f.foy
}

// snap returns p rounded to the grid.
func (f *frame) snap(p orb.Point) (int64, int64) {
	x, y := f.grid(p)
	return int64(math.Round(x)), int64(math.Round(y))
}

// point converts relative grid coordinates back to input coordinates,
// exactly the decimal value on the grid (7 decimals for degrees).
func (f *frame) point(x, y int32) orb.Point {
	return orb.Point{float64(int64(x)+f.ox) / f.scale, float64(int64(y)+f.oy) / f.scale}
}

// Tessellation is the cell subdivision of a study area: one cell per unit,
// indexed like the units given to Build. It is immutable after Build and
// safe for concurrent use.
type Tessellation struct {
	n       int
	fr      frame
	opt     Options
	isPoint []bool
	mx, my  []float64 // unit representative points in local metres
	sub     subdiv
	cells   *shapes
	adjOff  []int32
	adj     []int32
	tree    *strTree // cells of polygon units
	edges   *sgrid   // sparse bucket grid over subdivision edges
	egMaxX  int64
	egMaxY  int64
}

// Build tessellates the study area into one cell per unit. Units with a
// geometry (Polygon or MultiPolygon) keep their own polygon as cell; where
// polygon units overlap, the overlap goes to the lowest-indexed of them.
// Point units (nil Geom) get their Voronoi cell among the point units,
// computed in local metres, clipped to the study boundary and minus the area
// of the polygon units. boundary may be a Polygon, MultiPolygon or Bound,
// non-convex and with holes; nil means the convex hull of all unit geometry
// buffered by opt.HullBufferMeters. Each polygon (of a unit or the
// boundary) is read by the even–odd rule, whatever its ring orientation,
// and a MultiPolygon is the union of its polygons, even if they overlap.
// planar says that coordinates are metres rather than WGS-84 degrees.
//
// Point units that fall on the same grid point share one Voronoi cell, which
// goes to the lowest-indexed of them; the others get an empty cell. A point
// unit whose Voronoi cell lies wholly under polygon units or outside the
// boundary also has an empty cell. Build fails on invalid unit geometry or
// when the data spans more than about ±107° (±1073 km planar) from its centre.
func Build(units []data.Unit, planar bool, boundary orb.Geometry, opt Options) (*Tessellation, error) {
	return BuildContext(context.Background(), units, planar, boundary, opt)
}

// BuildContext is Build with cancellation: it returns ctx's error when ctx
// is cancelled before it finishes.
func BuildContext(ctx context.Context, units []data.Unit, planar bool, boundary orb.Geometry, opt Options) (*Tessellation, error) {
	start := time.Now()
	opt = opt.withDefaults()
	n := len(units)
	if n == 0 {
		return nil, errors.New("cells: no units")
	}
	// Validate and find the data centre.
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	grow := func(p orb.Point) {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	polys := make([][]orb.Polygon, n)
	for i := range units {
		u := &units[i]
		if !finite(u.Loc[0]) || !finite(u.Loc[1]) {
			return nil, fmt.Errorf("cells: unit %d (%q): location is not finite", i, u.ID)
		}
		grow(u.Loc)
		if u.Geom == nil {
			continue
		}
		if err := data.ValidatePolygonal(u.Geom); err != nil {
			return nil, fmt.Errorf("cells: unit %d (%q): %w", i, u.ID, err)
		}
		polys[i] = polygonsOf(u.Geom)
		for _, p := range polys[i] {
			for _, r := range p {
				for _, pt := range r {
					grow(pt)
				}
			}
		}
	}
	var bpolys []orb.Polygon
	if boundary != nil {
		switch b := boundary.(type) {
		case orb.Bound:
			bpolys = []orb.Polygon{b.ToPolygon()}
		case orb.Polygon, orb.MultiPolygon:
			if err := data.ValidatePolygonal(b); err != nil {
				return nil, fmt.Errorf("cells: boundary: %w", err)
			}
			bpolys = polygonsOf(b)
		default:
			return nil, fmt.Errorf("cells: boundary is a %s, want Polygon or MultiPolygon", boundary.GeoJSONType())
		}
		for _, p := range bpolys {
			for _, r := range p {
				for _, pt := range r {
					grow(pt)
				}
			}
		}
	}
	if !planar && (minY < -90 || maxY > 90) {
		return nil, fmt.Errorf("cells: latitude outside [-90, 90]")
	}
	t := &Tessellation{n: n, opt: opt}
	t.fr = newFrame(planar, (minX+maxX)/2, (minY+maxY)/2)
	fr := &t.fr

	t.isPoint = make([]bool, n)
	t.mx = make([]float64, n)
	t.my = make([]float64, n)
	for i := range units {
		t.isPoint[i] = units[i].Geom == nil
		gx, gy := fr.grid(units[i].Loc)
		t.mx[i], t.my[i] = gx*fr.mpgX, gy*fr.mpgY
	}

	// The frame box: everything, plus a margin.
	bx0, by0 := fr.snap(orb.Point{minX, minY})
	bx1, by1 := fr.snap(orb.Point{maxX, maxY})
	bufGrid := int64(math.Ceil(opt.HullBufferMeters / math.Min(fr.mpgX, fr.mpgY)))
	margin := max((bx1-bx0)/20, (by1-by0)/20, int64(100/math.Min(fr.mpgX, fr.mpgY))) + 16
	if boundary == nil {
		margin += bufGrid
	}
	bx0, by0, bx1, by1 = bx0-margin, by0-margin, bx1+margin, by1+margin
	if bx0 < -maxExtent || by0 < -maxExtent || bx1 > maxExtent || by1 > maxExtent {
		return nil, errors.New("cells: the data spans too large an area for the snap grid")
	}

	var segs []iseg
	var src []segSrc
	addRing := func(r orb.Ring, region int32) {
		px, py := fr.snap(r[0])
		for _, p := range r[1:] {
			x, y := fr.snap(p)
			segs = append(segs, iseg{px, py, x, y})
			src = append(src, segSrc{region, -1, -1})
			px, py = x, y
		}
		if x, y := fr.snap(r[0]); x != px || y != py {
			segs = append(segs, iseg{px, py, x, y})
			src = append(src, segSrc{region, -1, -1})
		}
	}
	// Box.
	addRing(orb.Ring{fr.point(int32(bx0), int32(by0)), fr.point(int32(bx1), int32(by0)),
		fr.point(int32(bx1), int32(by1)), fr.point(int32(bx0), int32(by1)), fr.point(int32(bx0), int32(by0))}, -1)
	// Polygon units: one even–odd region per polygon part (so that
	// overlapping parts of a MultiPolygon still count as inside), numbered
	// in unit order so that the lowest region means the lowest unit.
	var regionUnit []int32
	for i, ps := range polys {
		for _, p := range ps {
			for _, r := range p {
				addRing(r, int32(len(regionUnit)))
			}
			regionUnit = append(regionUnit, int32(i))
		}
	}
	// Study boundary: regions after the polygon units', one per part.
	boundaryRegion := int32(len(regionUnit))
	if bpolys == nil {
		hull := t.bufferedHull(units, polys, opt.HullBufferMeters)
		if len(hull) >= 4 {
			addRing(hull, boundaryRegion)
		}
	} else {
		for k, p := range bpolys {
			for _, r := range p {
				addRing(r, boundaryRegion+int32(k))
			}
		}
	}
	// Voronoi edges of the point units.
	siteUnit, unitSite := t.sites(units)
	vsegs, vsrc := t.voronoi(siteUnit, bx0, by0, bx1, by1)
	segs = append(segs, vsegs...)
	src = append(src, vsrc...)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	arr, err := buildArrangement(ctx, segs, src, bx0, by0, bx1, by1)
	if err != nil {
		return nil, fmt.Errorf("cells: %w", err)
	}
	unitOfFace := t.labelFaces(arr, regionUnit, siteUnit)
	t.buildSubdiv(arr, unitOfFace)
	hz := make([]int32, 2*len(t.sub.ea))
	for h := range hz {
		hz[h] = t.sub.left(int32(h))
	}
	t.cells = t.sub.trace(hz, n, false)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.buildAdjacency(unitSite, siteUnit)
	t.buildIndex()
	slog.Debug("cells: tessellated", "units", n, "sites", len(siteUnit), "segments", len(segs),
		"fragments", len(arr.fa), "faces", arr.nFaces, "cell_edges", len(t.sub.ea), "seconds", time.Since(start).Seconds())
	return t, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func polygonsOf(g orb.Geometry) []orb.Polygon {
	switch t := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{t}
	case orb.MultiPolygon:
		return t
	}
	return nil
}

// sites returns the Voronoi sites: one per distinct grid position of point
// units, owned by the lowest-indexed unit there. unitSite maps every point
// unit to its site (−1 for polygon units).
func (t *Tessellation) sites(units []data.Unit) (siteUnit, unitSite []int32) {
	unitSite = make([]int32, t.n)
	type kp struct {
		k uint64
		u int32
	}
	var ks []kp
	for i := range units {
		unitSite[i] = -1
		if t.isPoint[i] {
			x, y := t.fr.snap(units[i].Loc)
			ks = append(ks, kp{pack(x, y), int32(i)})
		}
	}
	slices.SortFunc(ks, func(a, b kp) int {
		if a.k != b.k {
			if a.k < b.k {
				return -1
			}
			return 1
		}
		return int(a.u - b.u)
	})
	for i, e := range ks {
		if i == 0 || ks[i-1].k != e.k {
			siteUnit = append(siteUnit, e.u)
		}
		unitSite[e.u] = int32(len(siteUnit) - 1)
	}
	return siteUnit, unitSite
}

// voronoi returns the Voronoi edges of the sites as grid segments clipped
// to the frame box, each with its left and right site.
func (t *Tessellation) voronoi(siteUnit []int32, bx0, by0, bx1, by1 int64) ([]iseg, []segSrc) {
	ns := len(siteUnit)
	if ns < 2 {
		return nil, nil
	}
	xs := make([]float64, ns)
	ys := make([]float64, ns)
	for s, u := range siteUnit {
		xs[s], ys[s] = t.mx[u], t.my[u]
	}
	d := triangulate(xs, ys)
	if len(d.failed) > 0 {
		slog.Warn("cells: points could not be triangulated and are merged into a neighbour", "count", len(d.failed))
	}
	fr := &t.fr
	// Clipping happens in grid space; L is a length that surely leaves the box.
	boxDiag := math.Hypot(float64(bx1-bx0), float64(by1-by0))
	var segs []iseg
	var src []segSrc
	emit := func(x0, y0, x1, y1 float64, l, r int32) { // metres
		gx0, gy0 := x0/fr.mpgX, y0/fr.mpgY
		gx1, gy1 := x1/fr.mpgX, y1/fr.mpgY
		ok, ax, ay, bx, by := clip(gx0, gy0, gx1, gy1, float64(bx0), float64(by0), float64(bx1), float64(by1))
		if !ok {
			return
		}
		s := iseg{int64(math.Round(ax)), int64(math.Round(ay)), int64(math.Round(bx)), int64(math.Round(by))}
		if s.ax == s.bx && s.ay == s.by {
			return
		}
		segs = append(segs, s)
		src = append(src, segSrc{-1, l, r})
	}
	if len(d.tri) == 0 {
		// Collinear sites: parallel bisectors.
		for k := 0; k+1 < len(d.hull); k++ {
			p, q := d.hull[k], d.hull[k+1]
			mx, my := (xs[p]+xs[q])/2, (ys[p]+ys[q])/2
			dx, dy := -(ys[q] - ys[p]), xs[q]-xs[p]
			l := math.Hypot(dx, dy)
			gx, gy := mx/fr.mpgX, my/fr.mpgY
			big := (math.Hypot(gx-float64(bx0), gy-float64(by0)) + 2*boxDiag) * math.Max(fr.mpgX, fr.mpgY)
			dx, dy = dx/l*big, dy/l*big
			emit(mx-dx, my-dy, mx+dx, my+dy, p, q)
		}
		return segs, src
	}
	ntri := len(d.tri) / 3
	ccx := make([]float64, ntri)
	ccy := make([]float64, ntri)
	for tr := range ntri {
		a, b, c := d.tri[3*tr], d.tri[3*tr+1], d.tri[3*tr+2]
		ccx[tr], ccy[tr] = circumcenter(xs[a], ys[a], xs[b], ys[b], xs[c], ys[c])
	}
	for e := range int32(len(d.tri)) {
		p, q := d.tri[e], d.tri[nextHalf(e)]
		o := d.half[e]
		c1x, c1y := ccx[e/3], ccy[e/3]
		if o == -1 {
			dx, dy := ys[q]-ys[p], -(xs[q] - xs[p])
			l := math.Hypot(dx, dy)
			gx, gy := c1x/fr.mpgX, c1y/fr.mpgY
			big := (math.Hypot(gx-float64(bx0), gy-float64(by0)) + 2*boxDiag) * math.Max(fr.mpgX, fr.mpgY)
			emit(c1x, c1y, c1x+dx/l*big, c1y+dy/l*big, q, p)
			continue
		}
		if o < e {
			continue
		}
		c2x, c2y := ccx[o/3], ccy[o/3]
		cr := (c2x-c1x)*(ys[q]-ys[p]) - (c2y-c1y)*(xs[q]-xs[p])
		switch {
		case cr > 0:
			emit(c1x, c1y, c2x, c2y, q, p)
		case cr < 0:
			emit(c1x, c1y, c2x, c2y, p, q)
		}
	}
	return segs, src
}

// clip clips the segment to the box (Liang–Barsky) and clamps the result
// into it.
func clip(x0, y0, x1, y1, minX, minY, maxX, maxY float64) (bool, float64, float64, float64, float64) {
	t0, t1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	for _, e := range [4][2]float64{{-dx, x0 - minX}, {dx, maxX - x0}, {-dy, y0 - minY}, {dy, maxY - y0}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return false, 0, 0, 0, 0
			}
			continue
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return false, 0, 0, 0, 0
			}
			t0 = math.Max(t0, r)
		} else {
			if r < t0 {
				return false, 0, 0, 0, 0
			}
			t1 = math.Min(t1, r)
		}
	}
	cl := func(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }
	ax, ay := x0+t0*dx, y0+t0*dy
	bx, by := x0+t1*dx, y0+t1*dy
	return true, cl(ax, minX, maxX), cl(ay, minY, maxY), cl(bx, minX, maxX), cl(by, minY, maxY)
}

// bufferedHull returns the default study boundary: the convex hull of all
// unit geometry, grown by buf metres (as the hull of 16-gons around the hull
// vertices, circumscribing the true buffer).
func (t *Tessellation) bufferedHull(units []data.Unit, polys [][]orb.Polygon, buf float64) orb.Ring {
	fr := &t.fr
	var xs, ys []float64
	add := func(p orb.Point) {
		gx, gy := fr.grid(p)
		xs = append(xs, gx*fr.mpgX)
		ys = append(ys, gy*fr.mpgY)
	}
	for i := range units {
		add(units[i].Loc)
		for _, p := range polys[i] {
			for _, pt := range p[0] {
				add(pt)
			}
		}
	}
	h := convexHull(xs, ys)
	r := buf / math.Cos(math.Pi/16)
	var bx, by []float64
	for _, i := range h {
		for k := range 16 {
			a := float64(k) * math.Pi / 8
			bx = append(bx, xs[i]+r*math.Cos(a))
			by = append(by, ys[i]+r*math.Sin(a))
		}
	}
	h2 := convexHull(bx, by)
	ring := make(orb.Ring, 0, len(h2)+1)
	for _, i := range h2 {
		ring = append(ring, orb.Point{(bx[i]/fr.mpgX + fr.fox) / fr.scale, (by[i]/fr.mpgY + fr.foy) / fr.scale})
	}
	if len(ring) > 0 {
		ring = append(ring, ring[0])
	}
	return ring
}

// convexHull returns the indices of the convex hull, counter-clockwise
// (Andrew's monotone chain with exact orientation).
func convexHull(xs, ys []float64) []int {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmpF(xs[a], xs[b]); c != 0 {
			return c
		}
		return cmpF(ys[a], ys[b])
	})
	if len(idx) < 3 {
		return idx
	}
	var h []int
	for pass := 0; pass < 2; pass++ {
		start := len(h)
		for _, i := range idx {
			for len(h) >= start+2 && orient(xs[h[len(h)-2]], ys[h[len(h)-2]], xs[h[len(h)-1]], ys[h[len(h)-1]], xs[i], ys[i]) <= 0 {
				h = h[:len(h)-1]
			}
			h = append(h, i)
		}
		h = h[:len(h)-1]
		slices.Reverse(idx)
	}
	return h
}
