package roads

import (
	"math"
	"math/bits"
)

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

// radixHeap is a monotone priority queue for the k-label search: keys
// pushed are never below the last key popped (true in Dijkstra, since
// costs are non-negative). Non-negative float64 costs order like their IEEE
// bit patterns, so entries are bucketed by the highest bit in which their
// key differs from the last popped key; a pop only rescans the lowest
// non-empty bucket. Each entry moves down at most 64 times, in practice a
// handful, which beats a comparison heap on city-scale graphs.
type radixHeap struct {
	last    uint64
	size    int
	buckets [65][]rentry
}

// rentry is a queued label: cost bits, node, source.
type rentry struct {
	key  uint64
	node int32
	src  int32
}

func (h *radixHeap) len() int { return h.size }

func (h *radixHeap) push(d float64, node, src int32) {
	key := math.Float64bits(d)
	b := bits.Len64(key ^ h.last)
	h.buckets[b] = append(h.buckets[b], rentry{key, node, src})
	h.size++
}

// pop removes an entry with the smallest key; h must not be empty.
func (h *radixHeap) pop() (d float64, node, src int32) {
	if len(h.buckets[0]) == 0 {
		i := 1
		for len(h.buckets[i]) == 0 {
			i++
		}
		b := h.buckets[i]
		m := b[0].key
		for _, e := range b[1:] {
			if e.key < m {
				m = e.key
			}
		}
		h.last = m
		for _, e := range b {
			j := bits.Len64(e.key ^ m)
			h.buckets[j] = append(h.buckets[j], e)
		}
		h.buckets[i] = b[:0]
	}
	b0 := h.buckets[0]
	e := b0[len(b0)-1]
	h.buckets[0] = b0[:len(b0)-1]
	h.size--
	return math.Float64frombits(e.key), e.node, e.src
}
