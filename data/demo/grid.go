package demo

import (
	"math"
)

// grid is the city-wide fine grid. Vertex (a, b), 0 ≤ a ≤ ni, 0 ≤ b ≤ nj,
// sits on grid line a (constant u) and grid line b (constant v). Every
// blockCells-th line is a street-block line; the lines between them are
// only used (as lanes, and as compound edges) in dense areas. A vertex's
// position is a pure function of (a, b) and the seed, so polygons that
// share a vertex share exactly the same coordinates.
type grid struct {
	l      *layout
	seed   uint64
	ni, nj int
	i0, j0 int       // absolute index of line a = 0 and b = 0; multiples of blockCells
	us, vs []float64 // line positions (with small per-line jitter on lane lines)

	// Per vertex ((nj+1)*(ni+1)): vInside, vNearBar, vInBar and the side bits.
	vflag []uint8
	vside []uint8
	// Per cell (nj*ni): region (regionOutside, regionRural, ...) and flags.
	creg  []int16
	cflag []uint8
}

const (
	vInside  = 1 << iota // inside the study boundary
	vNearBar             // too close to a corridor to build on
	vInBar               // inside a corridor: no street node here
)

const (
	cEligible = 1 << iota // can hold a compound or a school
	cSchool               // taken by a school site
	cUsed                 // taken by a compound
	cNonRes               // park, factory, office block: no homes
)

// hash64 is splitmix64 over a few words: order-independent deterministic noise.
func hash64(seed uint64, a, b int, salt uint64) uint64 {
	z := seed ^ uint64(a)*0x9E3779B97F4A7C15 ^ uint64(b)*0xC2B2AE3D27D4EB4F ^ salt*0x165667B19E3779F9
	z ^= z >> 30
	z *= 0xBF58476D1CE4E5B9
	z ^= z >> 27
	z *= 0x94D049BB133111EB
	z ^= z >> 31
	return z
}

// unit01 maps a hash to [0, 1).
func unit01(h uint64) float64 { return float64(h>>11) / (1 << 53) }

func newGrid(l *layout, seed uint64) *grid {
	g := &grid{l: l, seed: seed}
	rmax := l.boundary.maxR() + 2*cellW
	ilo := int(math.Floor(-rmax/cellW)) / blockCells * blockCells
	ihi := (int(math.Ceil(rmax/cellW))/blockCells + 1) * blockCells
	jlo := int(math.Floor(-rmax/cellH)) / blockCells * blockCells
	jhi := (int(math.Ceil(rmax/cellH))/blockCells + 1) * blockCells
	ilo -= blockCells
	jlo -= blockCells
	g.i0, g.j0 = ilo, jlo
	g.ni, g.nj = ihi-ilo, jhi-jlo
	g.us = make([]float64, g.ni+1)
	for a := range g.us {
		g.us[a] = float64(g.i0+a) * cellW
		if a%blockCells != 0 {
			g.us[a] += (unit01(hash64(seed, a, 0, 1)) - 0.5) * 10
		}
	}
	g.vs = make([]float64, g.nj+1)
	for b := range g.vs {
		g.vs[b] = float64(g.j0+b) * cellH
		if b%blockCells != 0 {
			g.vs[b] += (unit01(hash64(seed, 0, b, 2)) - 0.5) * 10
		}
	}
	g.classify()
	return g
}

// pos returns the local position (m) of vertex (a, b). Block lines are
// straight; lane vertices get a small jitter.
func (g *grid) pos(a, b int) (x, y float64) {
	u, v := g.us[a], g.vs[b]
	if a%blockCells != 0 || b%blockCells != 0 {
		h := hash64(g.seed, a, b, 3)
		if a%blockCells != 0 {
			u += (unit01(h) - 0.5) * 5
		}
		if b%blockCells != 0 {
			v += (unit01(h*0x9E3779B97F4A7C15) - 0.5) * 5
		}
	}
	return u*g.l.gcos - v*g.l.gsin, u*g.l.gsin + v*g.l.gcos
}

// cellCenter returns the mean of the cell's corners.
func (g *grid) cellCenter(a, b int) (x, y float64) {
	x1, y1 := g.pos(a, b)
	x2, y2 := g.pos(a+1, b)
	x3, y3 := g.pos(a+1, b+1)
	x4, y4 := g.pos(a, b+1)
	return (x1 + x2 + x3 + x4) / 4, (y1 + y2 + y3 + y4) / 4
}

// fracPos maps fractional grid coordinates inside cell (a, b) to a position
// by bilinear interpolation of its corners; the result lies in the cell.
func (g *grid) fracPos(a, b int, fa, fb float64) (x, y float64) {
	x1, y1 := g.pos(a, b)
	x2, y2 := g.pos(a+1, b)
	x3, y3 := g.pos(a+1, b+1)
	x4, y4 := g.pos(a, b+1)
	x = (1-fa)*(1-fb)*x1 + fa*(1-fb)*x2 + fa*fb*x3 + (1-fa)*fb*x4
	y = (1-fa)*(1-fb)*y1 + fa*(1-fb)*y2 + fa*fb*y3 + (1-fa)*fb*y4
	return x, y
}

// toGrid returns the fractional grid coordinates of a local point, ignoring
// jitter.
func (g *grid) toGrid(x, y float64) (fa, fb float64) {
	u := x*g.l.gcos + y*g.l.gsin
	v := -x*g.l.gsin + y*g.l.gcos
	return u/cellW - float64(g.i0), v/cellH - float64(g.j0)
}

func (g *grid) vidx(a, b int) int { return b*(g.ni+1) + a }
func (g *grid) cidx(a, b int) int { return b*g.ni + a }

// classify fills the vertex and cell tables.
func (g *grid) classify() {
	l := g.l
	g.vflag = make([]uint8, (g.ni+1)*(g.nj+1))
	g.vside = make([]uint8, len(g.vflag))
	for b := 0; b <= g.nj; b++ {
		for a := 0; a <= g.ni; a++ {
			x, y := g.pos(a, b)
			k := g.vidx(a, b)
			if !l.poly.contains(x, y) {
				continue
			}
			f := uint8(vInside)
			var side uint8
			for bk := range l.bars {
				br := &l.bars[bk]
				d := br.sdist(x, y)
				if d > 0 {
					side |= 1 << bk
				}
				if math.Abs(d) < br.halfWidth+buildMargin {
					f |= vNearBar
				}
				if math.Abs(d) < br.halfWidth {
					f |= vInBar
				}
			}
			g.vflag[k], g.vside[k] = f, side
		}
	}
	g.creg = make([]int16, g.ni*g.nj)
	g.cflag = make([]uint8, g.ni*g.nj)
	for b := range g.nj {
		for a := range g.ni {
			c := g.cidx(a, b)
			k1, k2, k3, k4 := g.vidx(a, b), g.vidx(a+1, b), g.vidx(a+1, b+1), g.vidx(a, b+1)
			all := g.vflag[k1] & g.vflag[k2] & g.vflag[k3] & g.vflag[k4]
			if all&vInside == 0 {
				g.creg[c] = regionOutside
				continue
			}
			x, y := g.cellCenter(a, b)
			g.creg[c] = int16(l.regionAt(x, y))
			any := g.vflag[k1] | g.vflag[k2] | g.vflag[k3] | g.vflag[k4]
			sameSide := g.vside[k1] == g.vside[k2] && g.vside[k1] == g.vside[k3] && g.vside[k1] == g.vside[k4]
			if any&vNearBar == 0 && sameSide {
				g.cflag[c] |= cEligible
			}
		}
	}
}

// dense reports whether cell (a, b) is in the core or a town.
func (g *grid) dense(a, b int) bool {
	if a < 0 || b < 0 || a >= g.ni || b >= g.nj {
		return false
	}
	return g.creg[g.cidx(a, b)] >= regionCore
}
