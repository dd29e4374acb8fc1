package roads

// entry is one tentative label in a Dijkstra queue: distance d at node, from
// source src (−1 for single-source searches), with the crossings counted so
// far and whether the last edge walked was non-major (bit 0 of cr).
type entry struct {
	d    float64
	node int32
	src  int32
	cr   uint32 // crossings<<1 | lastEdgeMinor
}

// minHeap is a flat 4-ary min-heap of entries keyed by d.
type minHeap struct{ a []entry }

func (h *minHeap) len() int { return len(h.a) }

func (h *minHeap) reset() { h.a = h.a[:0] }

func (h *minHeap) push(e entry) {
	h.a = append(h.a, e)
	a := h.a
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 4
		if a[p].d <= e.d {
			break
		}
		a[i] = a[p]
		i = p
	}
	a[i] = e
}

func (h *minHeap) pop() entry {
	a := h.a
	top := a[0]
	last := a[len(a)-1]
	a = a[:len(a)-1]
	h.a = a
	n := len(a)
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		end := min(c+4, n)
		for j := c + 1; j < end; j++ {
			if a[j].d < a[m].d {
				m = j
			}
		}
		if a[m].d >= last.d {
			break
		}
		a[i] = a[m]
		i = m
	}
	a[i] = last
	return top
}
