package allocation

import (
	"math"
	"sort"
	"time"

	"catchment/allocation/mcf"
)

// Limits of the exact search: it runs on small stages only and stops at a
// node budget (deterministic) or, as a safety net on a starved machine, a
// time budget, keeping the best plan found.
const (
	bbMaxArcs  = 2500
	bbMaxNodes = 30000
	bbMaxTime  = 20 * time.Second
)

// branchAndBound solves the whole-unit zoning of a small stage exactly:
// each unit is zoned wholly to one candidate school or left unzoned at the
// unplaced charge, zones within seats, minimum total cost. Bounds come from
// the transportation relaxation (network simplex) at every node; branching
// fixes the largest split unit to each of its schools in turn, depth first.
// It starts from the incumbent zoning (used only if it fits the seats) and
// returns the best zoning found and whether it is proven optimal. Contiguity
// is not part of this model.
func (p *stageProblem) branchAndBound(incumbent []int32) ([]int32, bool) {
	nU, nS := len(p.units), len(p.schools)
	deadline := time.Now().Add(bbMaxTime)
	unitCost := func(lu int, s int32) int64 {
		return p.pupils[lu] * scaleCost(p.cost(int32(lu), s, p.dist(int32(lu), s)))
	}
	best := int64(math.MaxInt64)
	var bestZone []int32
	{ // the incumbent counts only if it respects every seat limit
		load := make([]int64, nS)
		var c int64
		for lu, s := range incumbent {
			if s < 0 {
				c = math.MaxInt64
				break
			}
			load[s] += p.pupils[lu]
			c += unitCost(lu, s)
		}
		ok := c != math.MaxInt64
		for s := range load {
			if load[s] > p.cap[s] {
				ok = false
			}
		}
		if ok {
			best, bestZone = c, append([]int32(nil), incumbent...)
		}
	}
	fixed := make([]int32, nU) // school, -2 unzoned, -1 free
	for lu := range fixed {
		fixed[lu] = -1
		if p.fixed[lu] >= 0 {
			fixed[lu] = p.fixed[lu]
		}
	}
	nodes := 0
	complete := true
	var visit func() // explores the subtree under the current fixings
	visit = func() {
		if nodes >= bbMaxNodes || time.Now().After(deadline) || p.ctx.Err() != nil {
			complete = false
			return
		}
		nodes++
		// Fixed units use up seats and cost; free ones go to the relaxation.
		capLeft := append([]int64(nil), p.cap...)
		var fixedCost int64
		for lu, s := range fixed {
			switch {
			case s >= 0:
				capLeft[s] -= p.pupils[lu]
				fixedCost += unitCost(lu, s)
			case s == -2:
				fixedCost += p.pupils[lu] * scaleCost(unplacedMeters)
			}
		}
		for _, c := range capLeft {
			if c < 0 {
				return
			}
		}
		var free []int
		for lu, s := range fixed {
			if s == -1 {
				free = append(free, lu)
			}
		}
		if len(free) == 0 {
			if fixedCost < best {
				best = fixedCost
				bestZone = make([]int32, nU)
				for lu, s := range fixed {
					bestZone[lu] = max(s, -1)
				}
			}
			return
		}
		nF := len(free)
		sink := int32(nF + nS)
		g := mcf.NewGraph(nF+nS+1, nF*4)
		var total int64
		type arc struct {
			id     int32
			unit   int
			school int32 // -1: unplaced
		}
		var arcs []arc
		for i, lu := range free {
			g.SetSupply(int32(i), p.pupils[lu])
			total += p.pupils[lu]
			d, m := p.cand.Row(lu)
			for j, s := range d {
				c := scaleCost(p.cost(int32(lu), s, m[j]))
				arcs = append(arcs, arc{g.AddArc(int32(i), int32(nF)+s, mcf.Inf, c), i, s})
			}
			arcs = append(arcs, arc{g.AddArc(int32(i), sink, mcf.Inf, scaleCost(unplacedMeters)), i, -1})
		}
		for s := range nS {
			g.AddArc(int32(nF+s), sink, capLeft[s], 0)
		}
		g.SetSupply(sink, -total)
		if st, err := g.Solve(p.ctx); err != nil || st != mcf.Optimal {
			return
		}
		if fixedCost+g.TotalCost() >= best {
			return // cannot beat the incumbent
		}
		// Find the split unit with the most pupils.
		type share struct {
			school int32
			flow   int64
		}
		shares := make([][]share, nF)
		for _, a := range arcs {
			if f := g.Flow(a.id); f > 0 {
				shares[a.unit] = append(shares[a.unit], share{a.school, f})
			}
		}
		branch := -1
		for i := range free {
			if len(shares[i]) > 1 && (branch < 0 || p.pupils[free[i]] > p.pupils[free[branch]]) {
				branch = i
			}
		}
		if branch < 0 { // integral: every free unit on one arc
			c := fixedCost + g.TotalCost()
			if c < best {
				best = c
				bestZone = make([]int32, nU)
				for lu, s := range fixed {
					bestZone[lu] = max(s, -1)
				}
				for i, lu := range free {
					bestZone[lu] = shares[i][0].school
				}
			}
			return
		}
		lu := free[branch]
		// Children: the schools carrying its flow (largest first), then the
		// other candidates by cost, then unzoned.
		sh := shares[branch]
		sort.Slice(sh, func(a, b int) bool { return sh[a].flow > sh[b].flow })
		var order []int32
		seen := map[int32]bool{}
		for _, x := range sh {
			if x.school >= 0 {
				order = append(order, x.school)
				seen[x.school] = true
			}
		}
		d, _ := p.cand.Row(lu)
		for _, s := range d {
			if !seen[s] {
				order = append(order, s)
			}
		}
		order = append(order, -2)
		for _, s := range order {
			fixed[lu] = s
			visit()
		}
		fixed[lu] = -1
	}
	visit()
	if bestZone == nil {
		return incumbent, false
	}
	for _, s := range bestZone {
		if s < 0 {
			// The model left a whole unit unzoned, where the real plan
			// would overflow only the excess pupils: the models disagree,
			// so keep the heuristic zoning.
			return incumbent, false
		}
	}
	return bestZone, complete
}
