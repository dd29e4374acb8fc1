package cells

import (
	"math"
	"slices"
)

// strTree is a static, packed R-tree (sort-tile-recursive) over boxes,
// queried by point without allocating. Level 0 holds the items in STR
// order; node i of level L covers nodes [i·fanout, (i+1)·fanout) of level L−1.
type strTree struct {
	item   []int32 // level-0 position → item id
	levels [][]box // levels[0] are the item boxes in STR order
}

type box struct{ minX, minY, maxX, maxY float64 }

const fanout = 16

func (b box) contains(x, y float64) bool {
	return x >= b.minX && x <= b.maxX && y >= b.minY && y <= b.maxY
}

func newSTRTree(ids []int32, boxes []box) *strTree {
	n := len(ids)
	t := &strTree{item: slices.Clone(ids)}
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	cx := func(i int32) float64 { return boxes[i].minX + boxes[i].maxX }
	cy := func(i int32) float64 { return boxes[i].minY + boxes[i].maxY }
	slices.SortFunc(order, func(a, b int32) int { return cmpF(cx(a), cx(b)) })
	leaves := (n + fanout - 1) / fanout
	slabs := int(math.Ceil(math.Sqrt(float64(leaves))))
	per := max(slabs*fanout, 1)
	for s := 0; s < n; s += per {
		part := order[s:min(s+per, n)]
		slices.SortFunc(part, func(a, b int32) int { return cmpF(cy(a), cy(b)) })
	}
	lv := make([]box, n)
	for i, o := range order {
		t.item[i] = ids[o]
		lv[i] = boxes[o]
	}
	t.levels = append(t.levels, lv)
	for len(lv) > 1 {
		up := make([]box, (len(lv)+fanout-1)/fanout)
		for i := range up {
			b := box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
			for _, c := range lv[i*fanout : min((i+1)*fanout, len(lv))] {
				b.minX, b.minY = math.Min(b.minX, c.minX), math.Min(b.minY, c.minY)
				b.maxX, b.maxY = math.Max(b.maxX, c.maxX), math.Max(b.maxY, c.maxY)
			}
			up[i] = b
		}
		t.levels = append(t.levels, up)
		lv = up
	}
	return t
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// stabbing is a reusable, allocation-free cursor over the items whose box
// contains a point.
type stabbing struct {
	t     *strTree
	x, y  float64
	stack [128]struct{ level, idx int32 }
	n     int
}

func (s *stabbing) reset(t *strTree, x, y float64) {
	s.t, s.x, s.y, s.n = t, x, y, 0
	if len(t.levels) == 0 || len(t.levels[0]) == 0 {
		return
	}
	top := int32(len(t.levels) - 1)
	for i := range t.levels[top] {
		if t.levels[top][i].contains(x, y) {
			s.push(top, int32(i))
		}
	}
}

func (s *stabbing) push(level, idx int32) {
	if s.n < len(s.stack) {
		s.stack[s.n].level, s.stack[s.n].idx = level, idx
		s.n++
	}
}

// next returns the next item whose box contains the point, or −1.
func (s *stabbing) next() int32 {
	for s.n > 0 {
		s.n--
		e := s.stack[s.n]
		if e.level == 0 {
			return s.t.item[e.idx]
		}
		below := s.t.levels[e.level-1]
		hi := min(int(e.idx+1)*fanout, len(below))
		for i := int(e.idx) * fanout; i < hi; i++ {
			if below[i].contains(s.x, s.y) {
				s.push(e.level-1, int32(i))
			}
		}
	}
	return -1
}
