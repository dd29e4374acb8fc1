package roads

// The k-label search runs on a contracted "core" of the walking graph:
// OSM ways are mostly shape points of degree 2, which only carry a label
// along. Core nodes are the junctions (degree ≠ 2) and every crossing node;
// each maximal path between core nodes through degree-2 nodes is a chain,
// searched as one arc. Points snapped inside a chain enter at both of its
// ends. Because no crossing node is inside a chain, crossings are counted
// exactly as on the full graph.

// core is the contracted graph and the map from edges to chains.
type core struct {
	id   []int32 // graph node → core node, −1 inside a chain
	node []int32 // core node → graph node

	off  []int32   // core CSR over chains with distinct ends
	to   []int32   // arc head (core node)
	cost []float64 // chain cost
	flag []uint8   // bit 0: the chain's edge at the tail is non-major; bit 1: at the head; bits 2–4: the chain's barrier kinds (geo.BarrierKind)

	chU, chW         []int32   // chain ends (core nodes); equal for a loop
	chFlag           []uint8   // bit 0: edge at chU is non-major; bit 1: edge at chW is non-major; bits 2–4: barrier kinds of the chain's edges
	chCostU, chCostW []float64 // chain cost summed from chU, from chW (equal up to rounding)

	eChain []int32   // edge → chain
	eFwd   []bool    // the edge's U→V runs from chU towards chW
	ePreU  []float64 // cost of the chain's edges between chU and this edge
	ePreW  []float64 // cost of the chain's edges between this edge and chW
}

// buildCore contracts nw.g into nw.core.
func (nw *Network) buildCore() {
	g := nw.g
	n, m := g.NumNodes(), g.NumEdges()
	c := &core{id: make([]int32, n), eChain: make([]int32, m), eFwd: make([]bool, m),
		ePreU: make([]float64, m), ePreW: make([]float64, m)}
	for u := range n {
		c.id[u] = -1
		if deg := g.off[u+1] - g.off[u]; deg != 2 || nw.crossingNode(int32(u)) {
			c.id[u] = int32(len(c.node))
			c.node = append(c.node, int32(u))
		}
	}
	for e := range c.eChain {
		c.eChain[e] = -1
	}
	var edges []int32 // the chain being walked, from its start
	var fwd []bool
	walk := func(start int32, arc int32) {
		edges, fwd = edges[:0], fwd[:0]
		prev, cur := start, g.arcTo[arc]
		e := g.arcEdge[arc]
		for {
			edges = append(edges, e)
			fwd = append(fwd, g.edgeU[e] == prev)
			if c.id[cur] >= 0 {
				break
			}
			// cur has degree 2: leave by the other arc.
			a := g.off[cur]
			if g.arcEdge[a] == e {
				a++
			}
			prev, e = cur, g.arcEdge[a]
			cur = g.arcTo[a]
		}
		ch := int32(len(c.chU))
		c.chU = append(c.chU, c.id[start])
		c.chW = append(c.chW, c.id[cur])
		var f uint8
		if nw.minorEdge(edges[0]) {
			f |= 1
		}
		if nw.minorEdge(edges[len(edges)-1]) {
			f |= 2
		}
		for _, e := range edges {
			if nw.barrierEdge(e) {
				f |= uint8(g.barrierKind(e)) << 2
			}
		}
		c.chFlag = append(c.chFlag, f)
		var sum float64
		for i, e := range edges {
			c.eChain[e], c.eFwd[e], c.ePreU[e] = ch, fwd[i], sum
			sum += float64(nw.edgeC[e])
		}
		c.chCostU = append(c.chCostU, sum)
		sum = 0
		for i := len(edges) - 1; i >= 0; i-- {
			c.ePreW[edges[i]] = sum
			sum += float64(nw.edgeC[edges[i]])
		}
		c.chCostW = append(c.chCostW, sum)
	}
	for _, u := range c.node {
		for a := g.off[u]; a < g.off[u+1]; a++ {
			if c.eChain[g.arcEdge[a]] < 0 {
				walk(u, a)
			}
		}
	}
	// Rings of degree-2 nodes have no junction: promote one node of each.
	for e := range c.eChain {
		if c.eChain[e] >= 0 {
			continue
		}
		u := g.edgeU[e]
		c.id[u] = int32(len(c.node))
		c.node = append(c.node, u)
		for a := g.off[u]; a < g.off[u+1]; a++ {
			if c.eChain[g.arcEdge[a]] < 0 {
				walk(u, a)
			}
		}
	}
	// CSR over chains (loops never shorten a path and are left out).
	nc := len(c.node)
	c.off = make([]int32, nc+1)
	for ch := range c.chU {
		if c.chU[ch] != c.chW[ch] {
			c.off[c.chU[ch]+1]++
			c.off[c.chW[ch]+1]++
		}
	}
	for i := range nc {
		c.off[i+1] += c.off[i]
	}
	fill := append([]int32(nil), c.off[:nc]...)
	c.to = make([]int32, c.off[nc])
	c.cost = make([]float64, c.off[nc])
	c.flag = make([]uint8, c.off[nc])
	for ch := range c.chU {
		u, w := c.chU[ch], c.chW[ch]
		if u == w {
			continue
		}
		f := c.chFlag[ch]
		c.to[fill[u]], c.cost[fill[u]], c.flag[fill[u]] = w, c.chCostU[ch], f
		fill[u]++
		c.to[fill[w]], c.cost[fill[w]], c.flag[fill[w]] = u, c.chCostW[ch], f&^3|f>>1&1|(f&1)<<1
		fill[w]++
	}
	nw.core = c
}

// ends returns where a snapped point enters its chain: the chain, its end
// core nodes, the costs from the point to each, and whether the chain's
// edge at each end is non-major.
func (nw *Network) ends(s Snap) (ch int32, u, w int32, toU, toW float64, minorU, minorW bool) {
	c := nw.core
	ch = c.eChain[s.Edge]
	eu, ev := nw.snapCosts(s) // to the edge's own U and V
	if c.eFwd[s.Edge] {
		toU, toW = c.ePreU[s.Edge]+eu, c.ePreW[s.Edge]+ev
	} else {
		toU, toW = c.ePreU[s.Edge]+ev, c.ePreW[s.Edge]+eu
	}
	f := c.chFlag[ch]
	return ch, c.chU[ch], c.chW[ch], toU, toW, f&1 != 0, f&2 != 0
}
