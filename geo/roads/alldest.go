package roads

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
)

// maxLabels is the largest k served by the k-label search; above it
// Nearest runs one bounded Dijkstra per destination instead (memory
// O(nodes) per worker, time O(destinations × nodes within MaxWalkMeters)),
// which is also the better algorithm when nearly every destination is wanted.
const maxLabels = 255

// perDest holds, for every origin × destination, the cost and crossings.
type perDest struct {
	cost  []float64 // [i*nd + j], +Inf when beyond MaxWalkMeters or unreachable
	cross []int32
}

// allDest runs one Dijkstra per snapped destination, in parallel, and
// fills the origin × destination matrix.
func (nw *Network) allDest(ctx context.Context, osnap []Snap, ook []bool, dsnap []Snap, dok []bool) (*perDest, error) {
	g := nw.g
	no, nd := len(osnap), len(dsnap)
	out := &perDest{cost: make([]float64, no*nd), cross: make([]int32, no*nd)}
	for i := range out.cost {
		out.cost[i] = math.Inf(1)
	}
	// Origins by the nodes they hang from, so each search visits only them.
	type hang struct {
		origin int32
		to     float64
		end    int32
	}
	byNode := map[int32][]hang{}
	onEdge := map[int32][]int32{}
	for i, s := range osnap {
		if !ook[i] {
			continue
		}
		toU, toV := nw.snapCosts(s)
		byNode[g.edgeU[s.Edge]] = append(byNode[g.edgeU[s.Edge]], hang{int32(i), toU, g.edgeU[s.Edge]})
		byNode[g.edgeV[s.Edge]] = append(byNode[g.edgeV[s.Edge]], hang{int32(i), toV, g.edgeV[s.Edge]})
		onEdge[s.Edge] = append(onEdge[s.Edge], int32(i))
	}
	maxWalk := nw.opts.MaxWalkMeters
	var next atomic.Int64
	var wg sync.WaitGroup
	var stop atomic.Bool
	for range nw.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := g.NumNodes()
			dist := make([]float64, n)
			cr := make([]uint32, n) // crossings<<1 | arrived-by-minor-edge
			for i := range dist {
				dist[i] = math.Inf(1)
			}
			var touched []int32
			var h minHeap
			for {
				j := int(next.Add(1) - 1)
				if j >= nd || stop.Load() {
					return
				}
				if ctx.Err() != nil {
					stop.Store(true)
					return
				}
				if !dok[j] {
					continue
				}
				s := dsnap[j]
				var minor uint32
				if nw.minorEdge(s.Edge) {
					minor = 1
				}
				toU, toV := nw.snapCosts(s)
				relax := func(u int32, d float64, c uint32) {
					if d < dist[u] && d <= maxWalk {
						if math.IsInf(dist[u], 1) {
							touched = append(touched, u)
						}
						dist[u], cr[u] = d, c
						h.push(entry{d: d, node: u})
					}
				}
				relax(g.edgeU[s.Edge], s.Off+toU, minor)
				relax(g.edgeV[s.Edge], s.Off+toV, minor)
				for h.len() > 0 {
					e := h.pop()
					u := e.node
					if e.d > dist[u] {
						continue
					}
					for _, hg := range byNode[u] {
						o := osnap[hg.origin]
						c := int32(cr[u] >> 1)
						if nw.crossingNode(u) && cr[u]&1 == 1 && nw.minorEdge(o.Edge) {
							c++
						}
						at := int(hg.origin)*nd + j
						if d := o.Off + hg.to + e.d; d < out.cost[at] {
							out.cost[at], out.cross[at] = d, c
						}
					}
					crossHere := nw.crossingNode(u) && cr[u]&1 == 1
					for arc := g.off[u]; arc < g.off[u+1]; arc++ {
						c := cr[u] &^ 1
						if nw.minorEdge(g.arcEdge[arc]) {
							if crossHere {
								c += 2
							}
							c |= 1
						}
						relax(g.arcTo[arc], e.d+float64(nw.arcCost[arc]), c)
					}
				}
				for _, i := range onEdge[s.Edge] {
					o := osnap[i]
					at := int(i)*nd + j
					c, _, _ := nw.sameEdge(o, s)
					if d := o.Off + c + s.Off; d < out.cost[at] {
						out.cost[at], out.cross[at] = d, 0
					}
				}
				for _, u := range touched {
					dist[u] = math.Inf(1)
				}
				touched = touched[:0]
				h.reset()
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// rowAll builds origin i's row from the matrix. A cost is known exactly
// when it does not exceed the radius bound of the origin's nearer edge end;
// those are listed, nearest first, at most k.
func (nw *Network) rowAll(m *perDest, i, nd, k int, o Snap, out []cand) ([]cand, float64) {
	for j := range nd {
		if c := m.cost[i*nd+j]; !math.IsInf(c, 1) {
			out = append(out, cand{int32(j), c, m.cross[i*nd+j]})
		}
	}
	toU, toV := nw.snapCosts(o)
	return finishRow(out, k, o.Off+math.Min(toU, toV)+nw.opts.MaxWalkMeters)
}
