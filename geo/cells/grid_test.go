package cells

import (
	"slices"
	"testing"
)

// The sparse grid finds every registered segment in every bucket it
// passes within one grid unit of, and nothing in empty buckets.
func TestSgrid(t *testing.T) {
	segs := []iseg{
		{0, 0, 100, 0},       // along the bottom row
		{5, 5, 5, 95},        // up the first column
		{0, 0, 99, 99},       // diagonal
		{250, 40, 260, 41},   // short, far right
		{-10, 90, 310, 90},   // long horizontal
		{150, 150, 150, 150}, // a point
	}
	g := bgrid{x0: -10, y0: -10, size: 20, nx: 17, ny: 9}
	sg := buildSgrid(g, len(segs), func(i int) (int64, int64, int64, int64) {
		s := segs[i]
		return s.ax, s.ay, s.bx, s.by
	})
	for b := int32(0); b < int32(g.nx*g.ny); b++ {
		r, c := int(b)/g.nx, int(b)%g.nx
		x0, y0 := g.x0+int64(c)*g.size, g.y0+int64(r)*g.size
		var want []int32
		for i, s := range segs {
			// Brute force: sample the segment densely, thickened by 1.
			for k := 0; k <= 1000; k++ {
				x := float64(s.ax) + float64(s.bx-s.ax)*float64(k)/1000
				y := float64(s.ay) + float64(s.by-s.ay)*float64(k)/1000
				if x >= float64(x0)+1 && x < float64(x0+g.size)-1 && y >= float64(y0)+1 && y < float64(y0+g.size)-1 {
					want = append(want, int32(i))
					break
				}
			}
		}
		got := sg.lookup(b)
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("bucket (%d,%d): segment %d missing from %v", r, c, w, got)
			}
		}
		if !slices.IsSorted(got) {
			t.Errorf("bucket (%d,%d): items %v not in registration order", r, c, got)
		}
	}
	// lastAtOrLeft skips empty buckets.
	r := g.row(40)
	k := sg.lastAtOrLeft(r, int32(g.col(300)))
	if k < sg.rowOff[r] || sg.gcol[k] != int32(g.col(255)) {
		t.Errorf("lastAtOrLeft found group %d", k)
	}
	if k := sg.lastAtOrLeft(r, -1); k != sg.rowOff[r]-1 {
		t.Errorf("lastAtOrLeft left of everything = %d", k)
	}
}

func TestRadixByBucket(t *testing.T) {
	regs := []reg{{70000, 1}, {3, 2}, {70000, 3}, {1 << 20, 4}, {3, 5}, {0, 6}}
	got := radixByBucket(slices.Clone(regs))
	want := []reg{{0, 6}, {3, 2}, {3, 5}, {70000, 1}, {70000, 3}, {1 << 20, 4}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
