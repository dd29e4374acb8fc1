package cells

import (
	"math"
	"slices"
)

// bgrid is a uniform bucket grid over the integer snap grid, used to find
// nearby segments and hot pixels in the noding and ray-casting passes.
type bgrid struct {
	x0, y0 int64 // lower-left corner of bucket (0, 0)
	size   int64 // bucket side in grid units
	nx, ny int
}

// newBgrid covers [minX, maxX]×[minY, maxY] with about n buckets.
func newBgrid(minX, minY, maxX, maxY int64, n int) bgrid {
	w := float64(maxX-minX) + 1
	h := float64(maxY-minY) + 1
	n = max(n, 1)
	size := int64(math.Ceil(math.Sqrt(w * h / float64(n))))
	size = max(size, 8)
	g := bgrid{x0: minX, y0: minY, size: size}
	g.nx = int((maxX-minX)/size) + 1
	g.ny = int((maxY-minY)/size) + 1
	for g.nx*g.ny > 4*n+16 { // guard against degenerate aspect ratios
		g.size *= 2
		g.nx = int((maxX-minX)/g.size) + 1
		g.ny = int((maxY-minY)/g.size) + 1
	}
	return g
}

func (g *bgrid) col(x int64) int {
	c := int(floorDiv(x-g.x0, g.size))
	return min(max(c, 0), g.nx-1)
}

func (g *bgrid) row(y int64) int {
	r := int(floorDiv(y-g.y0, g.size))
	return min(max(r, 0), g.ny-1)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// forSeg calls f for every bucket within one grid unit of the segment a→b
// (a superset of the buckets the closed segment touches, thickened by one
// grid unit in every direction).
func (g *bgrid) forSeg(ax, ay, bx, by int64, f func(b int32)) {
	minX, maxX := min(ax, bx), max(ax, bx)
	minY, maxY := min(ay, by), max(ay, by)
	c0, c1 := g.col(minX-1), g.col(maxX+1)
	if c0 == c1 || ax == bx {
		r0, r1 := g.row(minY-1), g.row(maxY+1)
		for c := c0; c <= c1; c++ {
			for r := r0; r <= r1; r++ {
				f(int32(r*g.nx + c))
			}
		}
		return
	}
	slope := float64(by-ay) / float64(bx-ax)
	for c := c0; c <= c1; c++ {
		lo := float64(g.x0+int64(c)*g.size) - 1
		hi := float64(g.x0+int64(c+1)*g.size) + 1
		lo = math.Max(lo, float64(minX))
		hi = math.Min(hi, float64(maxX))
		ylo := float64(ay) + (lo-float64(ax))*slope
		yhi := float64(ay) + (hi-float64(ax))*slope
		if ylo > yhi {
			ylo, yhi = yhi, ylo
		}
		r0 := g.row(int64(math.Floor(ylo)) - 1)
		r1 := g.row(int64(math.Ceil(yhi)) + 1)
		for r := r0; r <= r1; r++ {
			f(int32(r*g.nx + c))
		}
	}
}

// csr is a compressed bucket → items table.
type csr struct {
	off   []int32
	items []int32
}

func (c *csr) bucket(b int32) []int32 { return c.items[c.off[b]:c.off[b+1]] }

// buildSegCSR registers n segments (given by the seg callback) in the grid.
func buildSegCSR(g *bgrid, n int, seg func(i int) (int64, int64, int64, int64)) csr {
	nb := g.nx * g.ny
	off := make([]int32, nb+1)
	for i := range n {
		ax, ay, bx, by := seg(i)
		g.forSeg(ax, ay, bx, by, func(b int32) { off[b+1]++ })
	}
	for i := 1; i <= nb; i++ {
		off[i] += off[i-1]
	}
	items := make([]int32, off[nb])
	fill := make([]int32, nb)
	copy(fill, off[:nb])
	for i := range n {
		ax, ay, bx, by := seg(i)
		g.forSeg(ax, ay, bx, by, func(b int32) {
			items[fill[b]] = int32(i)
			fill[b]++
		})
	}
	return csr{off: off, items: items}
}

// buildPointCSR registers points in the bucket that contains them.
func buildPointCSR(g *bgrid, xs, ys []int64) csr {
	nb := g.nx * g.ny
	off := make([]int32, nb+1)
	for i := range xs {
		off[g.row(ys[i])*g.nx+g.col(xs[i])+1]++
	}
	for i := 1; i <= nb; i++ {
		off[i] += off[i-1]
	}
	items := make([]int32, off[nb])
	fill := make([]int32, nb)
	copy(fill, off[:nb])
	for i := range xs {
		b := g.row(ys[i])*g.nx + g.col(xs[i])
		items[fill[b]] = int32(i)
		fill[b]++
	}
	return csr{off: off, items: items}
}

// sgrid is a sparse bucket grid: only non-empty buckets are stored, row by
// row with their columns sorted, so a ray can jump from one non-empty
// bucket to the next however empty the space between them. Its buckets can
// therefore be sized for the densest part of the data (a city core) without
// paying for the empty countryside.
type sgrid struct {
	g      bgrid
	rowOff []int32 // groups of row r: rowOff[r]..rowOff[r+1]
	gcol   []int32 // column of each group, ascending within a row
	gOff   []int32 // items of group k: items[gOff[k]:gOff[k+1]]
	items  []int32
}

// newSgrid registers n segments in buckets about twice the median segment
// length wide.
func newSgrid(minX, minY, maxX, maxY int64, n int, seg func(i int) (int64, int64, int64, int64)) *sgrid {
	lens := make([]int64, n)
	for i := range n {
		ax, ay, bx, by := seg(i)
		lens[i] = max(abs64(bx-ax), abs64(by-ay))
	}
	slices.Sort(lens)
	size := int64(8)
	if n > 0 {
		size = max(size, 2*lens[n/2])
	}
	mk := func(size int64) bgrid {
		return bgrid{x0: minX, y0: minY, size: size,
			nx: int((maxX-minX)/size) + 1, ny: int((maxY-minY)/size) + 1}
	}
	g := mk(size)
	// Keep bucket ids within int32 and registrations proportionate.
	for {
		total := int64(0)
		for _, l := range lens {
			total += l/size + 2
		}
		if int64(g.nx)*int64(g.ny) < 1<<31-1 && total <= 16*int64(n)+1024 {
			break
		}
		size *= 2
		g = mk(size)
	}
	type reg struct{ b, item int32 }
	var regs []reg
	for i := range n {
		ax, ay, bx, by := seg(i)
		g.forSeg(ax, ay, bx, by, func(b int32) { regs = append(regs, reg{b, int32(i)}) })
	}
	slices.SortFunc(regs, func(a, b reg) int {
		if a.b != b.b {
			return int(a.b - b.b)
		}
		return int(a.item - b.item)
	})
	s := &sgrid{g: g, rowOff: make([]int32, g.ny+1)}
	for i, r := range regs {
		if i == 0 || regs[i-1].b != r.b {
			s.gcol = append(s.gcol, r.b%int32(g.nx))
			s.gOff = append(s.gOff, int32(len(s.items)))
			s.rowOff[r.b/int32(g.nx)+1]++
		}
		s.items = append(s.items, r.item)
	}
	s.gOff = append(s.gOff, int32(len(s.items)))
	for r := 1; r <= g.ny; r++ {
		s.rowOff[r] += s.rowOff[r-1]
	}
	return s
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
