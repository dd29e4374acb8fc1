package cells

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// checkDelaunay checks a triangulation of distinct points: consistent
// twins, counter-clockwise triangles, every point used, the empty-circle
// property on every interior edge, and triangles covering the convex hull.
func checkDelaunay(t *testing.T, xs, ys []float64) {
	t.Helper()
	d := triangulate(xs, ys)
	if len(d.failed) > 0 {
		t.Fatalf("%d points failed", len(d.failed))
	}
	n := len(xs)
	if len(d.tri) == 0 {
		if len(d.hull) != n {
			t.Fatalf("collinear: hull has %d of %d points", len(d.hull), n)
		}
		for i := 0; i+2 < n; i++ {
			a, b, c := d.hull[i], d.hull[i+1], d.hull[i+2]
			if orient(xs[a], ys[a], xs[b], ys[b], xs[c], ys[c]) != 0 {
				t.Fatalf("no triangles but points %d %d %d are not collinear", a, b, c)
			}
		}
		return
	}
	used := make([]bool, n)
	triArea := 0.0
	for e := range int32(len(d.tri)) {
		used[d.tri[e]] = true
		if o := d.half[e]; o >= 0 {
			if d.half[o] != e || d.tri[o] != d.tri[nextHalf(e)] || d.tri[nextHalf(o)] != d.tri[e] {
				t.Fatalf("half-edge %d and twin %d inconsistent", e, o)
			}
			// Opposite vertex of o must not be inside e's circumcircle.
			tr := e - e%3
			p := d.tri[nextHalf(nextHalf(o))]
			a, b, c := d.tri[tr], d.tri[tr+1], d.tri[tr+2]
			if incircle(xs[a], ys[a], xs[b], ys[b], xs[c], ys[c], xs[p], ys[p]) > 0 {
				t.Fatalf("edge %d not locally Delaunay", e)
			}
		}
		if e%3 == 0 {
			a, b, c := d.tri[e], d.tri[e+1], d.tri[e+2]
			o := orient(xs[a], ys[a], xs[b], ys[b], xs[c], ys[c])
			if o <= 0 {
				t.Fatalf("triangle %d not counter-clockwise", e/3)
			}
			triArea += ((xs[b]-xs[a])*(ys[c]-ys[a]) - (ys[b]-ys[a])*(xs[c]-xs[a])) / 2
		}
	}
	for i, u := range used {
		if !u {
			t.Fatalf("point %d in no triangle", i)
		}
	}
	h := convexHull(xs, ys)
	hullArea := 0.0
	for i := range h {
		a, b := h[i], h[(i+1)%len(h)]
		hullArea += (xs[a]*ys[b] - xs[b]*ys[a]) / 2
	}
	minX, maxX := math.Inf(1), math.Inf(-1)
	minY, maxY := math.Inf(1), math.Inf(-1)
	for i := range xs {
		minX, maxX = math.Min(minX, xs[i]), math.Max(maxX, xs[i])
		minY, maxY = math.Min(minY, ys[i]), math.Max(maxY, ys[i])
	}
	diag2 := (maxX-minX)*(maxX-minX) + (maxY-minY)*(maxY-minY)
	if math.Abs(triArea-hullArea) > 1e-9*hullArea+1e-12*diag2 {
		t.Fatalf("triangles cover %g, hull %g", triArea, hullArea)
	}
}

func TestTriangulate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	type pts struct{ xs, ys []float64 }
	gen := func(n int, f func(i int) (float64, float64)) pts {
		var p pts
		for i := range n {
			x, y := f(i)
			p.xs = append(p.xs, x)
			p.ys = append(p.ys, y)
		}
		return p
	}
	tests := []struct {
		name string
		p    pts
	}{
		{"random", gen(2000, func(int) (float64, float64) { return r.Float64() * 1000, r.Float64() * 1000 })},
		{"square grid (co-circular)", gen(400, func(i int) (float64, float64) { return float64(i % 20), float64(i / 20) })},
		{"circle (all co-circular)", gen(64, func(i int) (float64, float64) {
			a := float64(i) * math.Pi / 32
			return math.Round(1e6*math.Cos(a)) / 1e6, math.Round(1e6*math.Sin(a)) / 1e6
		})},
		{"collinear", gen(10, func(i int) (float64, float64) { return float64(i) * 3, float64(i)*2 + 1 })},
		{"two points", gen(2, func(i int) (float64, float64) { return float64(i), 0 })},
		{"one point", gen(1, func(int) (float64, float64) { return 5, 5 })},
		{"triangle", gen(3, func(i int) (float64, float64) { return float64(i), float64(i * i) })},
		{"nearly collinear", gen(50, func(i int) (float64, float64) {
			return float64(i), float64(i)*0.5 + float64(i%3)*1e-9
		})},
		{"line plus one", gen(30, func(i int) (float64, float64) {
			if i == 29 {
				return 7.5, 0.001
			}
			return float64(i), 0
		})},
		{"clusters and outliers", gen(600, func(i int) (float64, float64) {
			if i%100 == 0 {
				return r.Float64() * 1e6, r.Float64() * 1e6
			}
			return 5e5 + r.NormFloat64(), 5e5 + r.NormFloat64()
		})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkDelaunay(t, tc.p.xs, tc.p.ys) })
	}
}

// FuzzTriangulate feeds small integer point sets (rich in degeneracies)
// to the triangulation.
func FuzzTriangulate(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 0, 1, 1, 1, 2, 2})
	f.Add([]byte{0, 0, 1, 1, 2, 2, 3, 3})
	f.Add([]byte{5, 5, 5, 6, 6, 5, 4, 5, 5, 4, 9, 9, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		seen := map[[2]float64]bool{}
		var xs, ys []float64
		for i := 0; i+1 < len(b) && len(xs) < 200; i += 2 {
			p := [2]float64{float64(b[i] % 16), float64(b[i+1] % 16)}
			if seen[p] {
				continue
			}
			seen[p] = true
			xs = append(xs, p[0])
			ys = append(ys, p[1])
		}
		if len(xs) == 0 {
			return
		}
		checkDelaunay(t, xs, ys)
	})
}

// The float fast paths must agree with exact rational arithmetic, also on
// nearly degenerate inputs where naive float arithmetic fails.
func TestPredicatesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	rat := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	for i := range 20000 {
		var ax, ay, bx, by, cx, cy float64
		if i%2 == 0 {
			// Nearly collinear: c on the line a→b, rounded.
			ax, ay = r.Float64()*1e5, r.Float64()*1e5
			bx, by = r.Float64()*1e5, r.Float64()*1e5
			u := r.Float64()*3 - 1
			cx, cy = ax+u*(bx-ax), ay+u*(by-ay)
		} else {
			ax, ay, bx, by, cx, cy = r.Float64(), r.Float64(), r.Float64(), r.Float64(), r.Float64(), r.Float64()
		}
		l := new(big.Rat).Mul(new(big.Rat).Sub(rat(ax), rat(cx)), new(big.Rat).Sub(rat(by), rat(cy)))
		rr := new(big.Rat).Mul(new(big.Rat).Sub(rat(ay), rat(cy)), new(big.Rat).Sub(rat(bx), rat(cx)))
		want := l.Cmp(rr)
		if got := sign(orient(ax, ay, bx, by, cx, cy)); got != want {
			t.Fatalf("orient(%v,%v,%v,%v,%v,%v) sign %d, want %d", ax, ay, bx, by, cx, cy, got, want)
		}
		// In-circle: d on the circle through a, b, c (rounded).
		if orient(ax, ay, bx, by, cx, cy) > 0 {
			ox, oy := circumcenter(ax, ay, bx, by, cx, cy)
			rad := math.Hypot(ax-ox, ay-oy)
			a := r.Float64() * 2 * math.Pi
			dx, dy := ox+rad*math.Cos(a), oy+rad*math.Sin(a)
			want := sign(incircleExact(ax, ay, bx, by, cx, cy, dx, dy))
			if got := sign(incircle(ax, ay, bx, by, cx, cy, dx, dy)); got != want {
				t.Fatalf("incircle sign %d, exact %d", got, want)
			}
		}
	}
	// Exact integer orientation beyond float precision.
	big1 := int64(1) << 40
	if got := orientI(0, 0, big1, big1+1, big1-1, big1); got != 1 {
		t.Errorf("orientI = %d, want 1", got)
	}
	if got := orientI(0, 0, big1, big1, 2*big1, 2*big1); got != 0 {
		t.Errorf("orientI collinear = %d", got)
	}
}

func sign(f float64) int {
	switch {
	case f > 0:
		return 1
	case f < 0:
		return -1
	}
	return 0
}

// The fallback insertion (for points that float rounding puts inside the
// hull) splits triangles and edges correctly:
//
//	(0,4)
//	  2
//	  | \        3 = (1,1): inside triangle 0-1-2
//	  |   5      4 = (2,0): on hull edge 0-1
//	  | 3   \    5 = (2,2): on hull edge 1-2
//	  |6      \  6 = (0.5,0.5): on interior edge 0-3
//	  0---4---1
//	(0,0)   (4,0)
func TestInsertInside(t *testing.T) {
	xs := []float64{0, 4, 0, 1, 2, 2, 0.5}
	ys := []float64{0, 0, 4, 1, 0, 2, 0.5}
	tr := newTriangulator(xs, ys)
	tr.hullNext[0], tr.hullNext[1], tr.hullNext[2] = 1, 2, 0
	tr.hullPrev[0], tr.hullPrev[1], tr.hullPrev[2] = 2, 0, 1
	tr.hullTri[0], tr.hullTri[1], tr.hullTri[2] = 0, 1, 2
	tr.addTriangle(0, 1, 2, -1, -1, -1)
	for p := int32(3); p < int32(len(xs)); p++ {
		if !tr.insertInside(p) {
			t.Fatalf("insert %d failed", p)
		}
	}
	if tr.insertInside(0) {
		t.Error("inserted a duplicate vertex")
	}
	for e := range int32(len(tr.tri)) {
		if o := tr.half[e]; o >= 0 && (tr.half[o] != e || tr.tri[o] != tr.tri[nextHalf(e)]) {
			t.Fatalf("twin of %d inconsistent", e)
		}
		if o := tr.half[e]; o < 0 && tr.hullTri[tr.tri[e]] != e {
			t.Errorf("hull edge %d from %d not recorded (hullTri %d)", e, tr.tri[e], tr.hullTri[tr.tri[e]])
		}
	}
	if got := len(tr.tri) / 3; got != 2*len(xs)-2-5 {
		t.Errorf("%d triangles, want %d", got, 2*len(xs)-2-5)
	}
	area := 0.0
	for e := 0; e < len(tr.tri); e += 3 {
		a, b, c := tr.tri[e], tr.tri[e+1], tr.tri[e+2]
		o := orient(xs[a], ys[a], xs[b], ys[b], xs[c], ys[c])
		if o <= 0 {
			t.Errorf("triangle %d not counter-clockwise", e/3)
		}
		area += o / 2
	}
	if area != 8 {
		t.Errorf("area %g, want 8", area)
	}
}

// Exact duplicates cannot be triangulated; they are reported as failed
// (callers merge them beforehand) and never corrupt the triangulation.
func TestTriangulateDuplicates(t *testing.T) {
	xs := []float64{0, 10, 0, 10, 5, 0, 5}
	ys := []float64{0, 0, 10, 10, 5, 0, 5}
	d := triangulate(xs, ys)
	if len(d.failed) != 2 {
		t.Fatalf("failed %v, want the two duplicates", d.failed)
	}
	if got := len(d.tri) / 3; got != 4 {
		t.Errorf("%d triangles, want 4", got)
	}
}
