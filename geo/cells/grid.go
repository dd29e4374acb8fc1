package cells

import (
	"math"
	"slices"
)

// bgrid is the geometry of a uniform bucket grid over the integer snap
// grid; the buckets themselves are stored sparsely (sgrid).
type bgrid struct {
	x0, y0 int64 // lower-left corner of bucket (0, 0)
	size   int64 // bucket side in grid units
	nx, ny int
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

// sgridGeom sizes buckets for n segments: about twice the median segment
// length, enlarged while bucket ids would overflow int32 or long segments
// would need too many registrations.
func sgridGeom(minX, minY, maxX, maxY int64, n int, seg func(i int) (int64, int64, int64, int64)) bgrid {
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
	for {
		total := int64(0)
		for _, l := range lens {
			total += l/size + 2
		}
		if int64(g.nx)*int64(g.ny) < 1<<31-1 && total <= 16*int64(n)+1024 {
			return g
		}
		size *= 2
		g = mk(size)
	}
}

// newSgrid registers n segments in a sparse grid sized by sgridGeom.
func newSgrid(minX, minY, maxX, maxY int64, n int, seg func(i int) (int64, int64, int64, int64)) *sgrid {
	return buildSgrid(sgridGeom(minX, minY, maxX, maxY, n, seg), n, seg)
}

type reg struct{ b, item int32 }

// buildSgrid registers n segments (thickened by one grid unit) in g.
func buildSgrid(g bgrid, n int, seg func(i int) (int64, int64, int64, int64)) *sgrid {
	regs := make([]reg, 0, 3*n)
	for i := range n {
		ax, ay, bx, by := seg(i)
		g.forSeg(ax, ay, bx, by, func(b int32) { regs = append(regs, reg{b, int32(i)}) })
	}
	return fromRegs(g, regs)
}

// buildSgridPoints registers points in the bucket holding them.
func buildSgridPoints(g bgrid, xs, ys []int64) *sgrid {
	regs := make([]reg, len(xs))
	for i := range xs {
		regs[i] = reg{int32(g.row(ys[i])*g.nx + g.col(xs[i])), int32(i)}
	}
	return fromRegs(g, regs)
}

func fromRegs(g bgrid, regs []reg) *sgrid {
	regs = radixByBucket(regs)
	s := &sgrid{g: g, rowOff: make([]int32, g.ny+1)}
	s.items = make([]int32, 0, len(regs))
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

// lookup returns the items of bucket b.
func (s *sgrid) lookup(b int32) []int32 {
	nx := int32(s.g.nx)
	r, c := b/nx, b%nx
	lo, hi := s.rowOff[r], s.rowOff[r+1]
	for lo < hi {
		m := int32(uint32(lo+hi) >> 1)
		switch {
		case s.gcol[m] < c:
			lo = m + 1
		case s.gcol[m] > c:
			hi = m
		default:
			return s.items[s.gOff[m]:s.gOff[m+1]]
		}
	}
	return nil
}

// lastAtOrLeft returns the index of the last group of row r whose column is
// at most c, or rowOff[r]−1 when there is none.
func (s *sgrid) lastAtOrLeft(r int, c int32) int32 {
	lo, hi := s.rowOff[r], s.rowOff[r+1]
	for lo < hi {
		m := int32(uint32(lo+hi) >> 1)
		if s.gcol[m] <= c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// radixByBucket sorts registrations by bucket, stably (two 16-bit LSD
// passes), so items stay in registration order within a bucket.
func radixByBucket(regs []reg) []reg {
	tmp := make([]reg, len(regs))
	for shift := uint(0); shift < 32; shift += 16 {
		var count [1<<16 + 1]int32
		for _, r := range regs {
			count[(uint32(r.b)>>shift)&0xffff+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, r := range regs {
			k := (uint32(r.b) >> shift) & 0xffff
			tmp[count[k]] = r
			count[k]++
		}
		regs, tmp = tmp, regs
	}
	return regs
}
