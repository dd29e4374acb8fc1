package mcf

// crash replaces the all-artificial starting tree of a cold start by a
// shortest-path forest towards the demand nodes, then repairs it into a
// strongly feasible basis (see repair).
//
// Every node that can reach a node of negative supply along arcs with
// non-negative cost and positive capacity hangs from its successor on a
// cheapest such path (reverse Dijkstra from all demand nodes at once);
// demand nodes and unreachable nodes keep their artificial arcs. On a
// zoning instance this sends every unit to its nearest school, every school
// to the sink, and leaves the simplex to move only the pupils that do not
// fit — far fewer pivots than starting from the big-M solution, on much
// shallower trees. Arcs with negative cost never enter the crash tree; the
// simplex prices them as usual.
//
// hint, when non-nil, gives per-arc costs to use instead of the real ones
// for choosing the forest (see Graph.SetCrashCost).
//
// Work is O(m log n) time and O(n + m) temporary memory.
func (s *solver) crash(hint []int64) {
	cost := s.cost[:s.m]
	if hint != nil {
		cost = hint
	}
	usable := func(a int32) bool {
		return cost[a] >= 0 && s.capa[a] > 0 && s.src[a] != s.dst[a]
	}
	n, m := s.n, s.m
	if n == 0 || m == 0 {
		return
	}
	// Arcs usable by the crash, grouped by head (reverse adjacency).
	off := make([]int32, n+1)
	for a := range m {
		if usable(a) {
			off[s.dst[a]+1]++
		}
	}
	for v := range n {
		off[v+1] += off[v]
	}
	into := make([]int32, off[n])
	fill := make([]int32, n)
	copy(fill, off[:n])
	for a := range m {
		if usable(a) {
			t := s.dst[a]
			into[fill[t]] = a
			fill[t]++
		}
	}

	const unseen = -1
	dist := make([]int64, n)
	via := make([]int32, n)
	done := make([]bool, n)
	h := &minHeap{}
	for v := range n {
		via[v] = -1
		dist[v] = unseen
		if s.supply[v] < 0 {
			dist[v] = 0
			h.push(0, v)
		}
	}
	for h.len() > 0 {
		d, u := h.pop()
		if done[u] || d != dist[u] {
			continue
		}
		done[u] = true
		for _, a := range into[off[u]:off[u+1]] {
			w := s.src[a]
			if done[w] {
				continue
			}
			// (n+1)·(max|cost|+1) fits (see aggregates), so path sums do.
			nd := d + cost[a]
			if dist[w] == unseen || nd < dist[w] {
				dist[w] = nd
				via[w] = a
				h.push(nd, w)
			}
		}
	}

	for v := range n {
		a := via[v]
		if a < 0 {
			continue
		}
		art := s.m + v
		s.state[art] = stateLower
		s.flow[art] = 0
		s.parent[v] = s.dst[a]
		s.pred[v] = a
		s.dir[v] = dirUp
		s.state[a] = stateTree
	}
	s.repair(true)
	s.renumber()
}

// minHeap is a binary heap of (key, node) pairs with lazy deletion.
type minHeap struct {
	key  []int64
	node []int32
}

func (h *minHeap) len() int { return len(h.key) }

func (h *minHeap) push(k int64, v int32) {
	h.key = append(h.key, k)
	h.node = append(h.node, v)
	i := len(h.key) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h.key[p] <= k {
			break
		}
		h.key[i], h.node[i] = h.key[p], h.node[p]
		i = p
	}
	h.key[i], h.node[i] = k, v
}

func (h *minHeap) pop() (int64, int32) {
	k, v := h.key[0], h.node[0]
	last := len(h.key) - 1
	lk, lv := h.key[last], h.node[last]
	h.key, h.node = h.key[:last], h.node[:last]
	if last > 0 {
		i := 0
		for {
			c := 2*i + 1
			if c >= last {
				break
			}
			if c+1 < last && h.key[c+1] < h.key[c] {
				c++
			}
			if lk <= h.key[c] {
				break
			}
			h.key[i], h.node[i] = h.key[c], h.node[c]
			i = c
		}
		h.key[i], h.node[i] = lk, lv
	}
	return k, v
}

// renumber relabels the nodes 0..n−1 in the preorder of the current tree
// (the root keeps id n) and moves every node-indexed array, the arc
// endpoints and the artificial-arc slots accordingly. Subtrees are then
// mostly runs of consecutive ids, so the potential updates that dominate the
// running time walk memory nearly sequentially instead of chasing cache
// misses. s.perm maps graph node ids to solver ids and s.inv back.
func (s *solver) renumber() {
	n, m, root := s.n, s.m, s.root
	perm := make([]int32, n+1)
	inv := make([]int32, n+1)
	i := int32(0)
	for v := s.thread[root]; v != root; v = s.thread[v] {
		perm[v] = i
		inv[i] = v
		i++
	}
	perm[root], inv[root] = root, root
	node := func(x int32) int32 {
		if x < 0 {
			return x
		}
		return perm[x]
	}
	arc := func(a int32) int32 {
		if a < m {
			return a
		}
		return m + perm[a-m]
	}

	tmp32 := make([]int32, n+1)
	remap := func(a []int32, value func(int32) int32) {
		for nw, old := range inv {
			tmp32[nw] = value(a[old])
		}
		copy(a, tmp32)
	}
	ident := func(x int32) int32 { return x }
	remap(s.parent, node)
	remap(s.thread, node)
	remap(s.rev, node)
	remap(s.lastSucc, node)
	remap(s.succ, ident)
	remap(s.pred, func(a int32) int32 {
		if a < 0 {
			return a
		}
		return arc(a)
	})
	tmp64 := make([]int64, n+1)
	for nw, old := range inv {
		tmp64[nw] = s.pi[old]
	}
	copy(s.pi, tmp64)
	tmp8 := make([]int8, n+1)
	for nw, old := range inv {
		tmp8[nw] = s.dir[old]
	}
	copy(s.dir, tmp8)
	for nw, old := range inv[:n] {
		tmp64[nw] = s.supply[old]
	}
	copy(s.supply, tmp64[:n])

	for a := range m {
		s.src[a] = perm[s.src[a]]
		s.dst[a] = perm[s.dst[a]]
	}
	// Artificial slot m+old moves to m+perm[old].
	art := func(a []int32) {
		for nw, old := range inv[:n] {
			tmp32[nw] = node(a[m+old])
		}
		copy(a[m:], tmp32[:n])
	}
	art(s.src)
	art(s.dst)
	art64 := func(a []int64) {
		for nw, old := range inv[:n] {
			tmp64[nw] = a[m+old]
		}
		copy(a[m:], tmp64[:n])
	}
	art64(s.capa)
	art64(s.cost)
	art64(s.flow)
	for nw, old := range inv[:n] {
		tmp8[nw] = s.state[m+old]
	}
	copy(s.state[m:], tmp8[:n])

	s.perm, s.inv = perm[:n], inv[:n]
}
