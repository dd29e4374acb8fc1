package cells

import (
	"slices"
	"testing"

	"catchment/data"

	"github.com/paulmach/orb"
)

// Gappy compounds: polygon units separated by roads, no point units.
//
//	+----+ 20 m +----+   200 m   +----+
//	| 0  | road | 1  |           | 2  |
//	+----+      +----+           +----+
//	   30 m gap (36 m from 1's corner)
//	+----+
//	| 3  |
//	+----+
func TestAdjacencyGaps(t *testing.T) {
	units := []data.Unit{
		sqUnit("0", 0, 0, 100),
		sqUnit("1", 120, 0, 100),
		sqUnit("2", 420, 0, 100),
		sqUnit("3", 0, -130, 100),
	}
	tests := []struct {
		name string
		gap  float64
		want [][]int32
	}{
		{"default 50 m", 0, [][]int32{{1, 3}, {0, 3}, {}, {0, 1}}},
		{"25 m", 25, [][]int32{{1}, {0}, {}, {}}},
		{"10 m", 10, [][]int32{{}, {}, {}, {}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := mustBuild(t, units, true, nil, Options{GapMeters: tc.gap})
			if got := ts.Adjacency(); !slices.EqualFunc(got, tc.want, slices.Equal) {
				t.Errorf("adjacency\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

// A village whose Voronoi cell lies inside a compound has an empty cell
// and joins the units around its point:
//
//	        5
//	  +-----------+
//	  |           |
//	2 |     1     | 3     1 = village at the compound's centroid
//	  |           |
//	  +-----------+ 0 = compound [0,100]²
//	        4
func TestAdjacencySwallowed(t *testing.T) {
	units := []data.Unit{sqUnit("0", 0, 0, 100), ptUnit("1", 50, 50),
		ptUnit("2", -10, 50), ptUnit("3", 110, 50), ptUnit("4", 50, -10), ptUnit("5", 50, 110)}
	ts := mustBuild(t, units, true, nil, Options{})
	if c := ts.Cell(1); c != nil {
		t.Errorf("swallowed village has cell %v", c)
	}
	if got, want := ts.Adjacency()[1], []int32{0, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("village neighbours %v, want %v", got, want)
	}
	if u, ok := ts.Locate(orb.Point{50, 50}); !ok || u != 0 {
		t.Errorf("Locate(centre) = %d, %v; want the compound", u, ok)
	}
}

// Adjacency is symmetric and its result is a copy.
func TestAdjacencyCopy(t *testing.T) {
	ts := mustBuild(t, grid3(), true, nil, Options{})
	a := ts.Adjacency()
	for i, row := range a {
		for _, j := range row {
			if !slices.Contains(a[j], int32(i)) {
				t.Errorf("%d lists %d but not the reverse", i, j)
			}
		}
	}
	a[0][0] = 99
	if ts.Adjacency()[0][0] == 99 {
		t.Error("Adjacency exposes internal storage")
	}
}

// Half-open hot pixels: a pixel owns its left and bottom sides and its
// lower-left corner only.
func TestSquareHit(t *testing.T) {
	tests := []struct {
		name string
		s    iseg
		want bool
	}{
		{"through centre", iseg{-5, 0, 5, 0}, true},
		{"ends at centre", iseg{0, 0, 5, 5}, true},
		{"far away", iseg{3, 3, 9, 9}, false},
		{"passes the lower-right corner outside", iseg{0, -2, 2, 0}, false},
		{"vertical line next door", iseg{-1, -3, -1, 3}, false},
		{"vertical through pixel", iseg{0, -3, 0, 3}, true},
	}
	for _, tc := range tests {
		if got := squareHit(tc.s, 0, 0); got != tc.want {
			t.Errorf("%s: squareHit = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Diagonals through the corner (½, ½) between pixels (0,0), (1,0),
	// (0,1) and (1,1): only (1,1), the owner of that corner, is touched.
	up := iseg{0, 0, 1, 1}   // from the centre of (0,0) to the centre of (1,1)
	down := iseg{0, 1, 1, 0} // from the centre of (0,1) to the centre of (1,0)
	for _, c := range []struct {
		s      iseg
		hx, hy int64
		want   bool
	}{
		{up, 0, 1, false}, {up, 1, 0, false}, {up, 1, 1, true}, {up, 0, 0, true},
		{down, 1, 1, true}, {down, 0, 0, false}, {down, 0, 1, true}, {down, 1, 0, true},
	} {
		if got := squareHit(c.s, c.hx, c.hy); got != c.want {
			t.Errorf("squareHit(%v, %d, %d) = %v, want %v", c.s, c.hx, c.hy, got, c.want)
		}
	}
}
