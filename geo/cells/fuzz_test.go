package cells

import (
	"fmt"
	"math"
	"testing"

	"catchment/data"
)

// FuzzBuild tessellates small mixed unit sets on a coarse lattice (rich in
// collinear, co-circular, duplicate, touching and overlapping cases) and
// checks the subdivision invariants: cells tile (their union has the area
// of their sum), shells and holes are oriented, shared edges are noded, and
// every cell locates its own interior.
func FuzzBuild(f *testing.F) {
	f.Add([]byte{0, 1, 1, 1, 5, 5, 2, 9, 3, 4, 2, 2})
	f.Add([]byte{1, 0, 0, 1, 0, 10, 1, 0, 20, 1, 0, 30})
	f.Add([]byte{0, 0, 0, 4, 1, 0, 8, 0, 1, 1, 3, 3, 2, 3, 3})
	f.Add([]byte{3, 7, 7, 0, 2, 2, 0, 3, 2, 5, 9, 1})
	f.Add([]byte{3, 7, 7, 0, 2, 2, 0, 3, 2, 5, 9, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Inputs whose length is a multiple of 5 are WGS-84 (lattice
		// points off the 1e-7 degree grid); the others planar.
		wgs := len(b)%5 == 0
		var units []data.Unit
		for i := 0; i+2 < len(b) && len(units) < 40; i += 3 {
			k, x, y := b[i], float64(b[i+1]%32), float64(b[i+2]%32)
			switch {
			case wgs && k%4 == 0:
				side := float64(k/4%5+1) * 10
				units = append(units, data.Unit{ID: fmt.Sprint(i), Loc: at(x*10+side/2, y*10+side/2), Geom: square(x*10, y*10, side)})
			case wgs:
				units = append(units, data.Unit{ID: fmt.Sprint(i), Loc: at(x*10, y*10)})
			case k%4 == 0:
				side := float64(k/4%5+1) * 10
				units = append(units, sqUnit(fmt.Sprint(i), x*10, y*10, side))
			default:
				units = append(units, ptUnit(fmt.Sprint(i), x*10, y*10))
			}
		}
		if len(units) == 0 {
			return
		}
		var boundary = lShape
		if len(b)%2 == 0 || wgs {
			boundary = nil
		}
		var ts *Tessellation
		var err error
		if boundary == nil {
			ts, err = Build(units, !wgs, nil, Options{HullBufferMeters: 15})
		} else {
			ts, err = Build(units, true, boundary, Options{})
		}
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		n := len(units)
		ident := make([]int32, n)
		one := make([]int32, n)
		sum := 0.0
		for i := range ident {
			ident[i] = int32(i)
			checkShape(t, "cell", ts.Cell(i))
			sum += area(ts.Cell(i))
		}
		checkTiling(t, ts, ident, n)
		all := checkTiling(t, ts, one, 1)
		if math.Abs(area(all[0])-sum) > 1e-6*math.Max(sum, 1) {
			t.Fatalf("union %g, cells %g", area(all[0]), sum)
		}
		checkSubdivision(t, ts)
		checkLocateInterior(t, ts)
		adj := ts.Adjacency()
		for i, row := range adj {
			for _, j := range row {
				if j == int32(i) {
					t.Fatalf("unit %d adjacent to itself", i)
				}
			}
		}
	})
}
