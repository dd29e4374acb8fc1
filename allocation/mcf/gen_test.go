package mcf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Random instance families for the property, reference and CBC tests. All
// are seeded and deterministic.

// genKind names an instance family.
type genKind int

const (
	genTransport  genKind = iota // units → schools → sink, with an unplaced big-M node
	genGeneral                   // random sparse digraph, mixed supplies, some negative costs
	genDegenerate                // many equal / zero costs, zero supplies, parallel arcs, tight capacities
	genShort                     // transportation with Σ supply > Σ capacity and no unplaced arc
	genNegDAG                    // strongly negative uncapacitated arcs on a DAG, bounded (CBC only)
)

func (k genKind) String() string {
	return [...]string{"transport", "general", "degenerate", "short", "negdag"}[k]
}

// genInstance returns a random instance of family kind with about n nodes.
// negCost allows negative costs on finite-capacity arcs (the reference solver
// handles those; uncapacitated arcs keep non-negative cost).
func genInstance(kind genKind, n int, seed uint64) *instance {
	r := rand.New(rand.NewPCG(seed, uint64(kind)*7919+uint64(n)))
	switch kind {
	case genTransport:
		return genTransportation(r, max(1, n*4/5), max(1, n/5), 1+r.IntN(4), true, 0.9+0.3*r.Float64())
	case genShort:
		return genTransportation(r, max(1, n*4/5), max(1, n/5), 1+r.IntN(4), false, 0.5+0.4*r.Float64())
	case genGeneral:
		return genGeneralNet(r, max(2, n))
	case genNegDAG:
		return genNegDAGNet(r, max(2, n))
	default:
		return genDegenerateNet(r, max(2, n))
	}
}

// genTransportation: nu unit nodes with random pupils, ns school nodes with
// seats totalling ratio × pupils, a sink; each unit has arcs to its k
// nearest schools (Euclidean distance in a 10 km square, metres), each
// school → sink with capacity seats. With unplaced, a node U takes any
// pupil at cost 10^7 (unit → U uncapacitated, U → sink uncapacitated).
func genTransportation(r *rand.Rand, nu, ns, k int, unplaced bool, ratio float64) *instance {
	k = min(k, ns)
	type pt struct{ x, y float64 }
	us := make([]pt, nu)
	ss := make([]pt, ns)
	for i := range us {
		us[i] = pt{r.Float64() * 10000, r.Float64() * 10000}
	}
	for j := range ss {
		ss[j] = pt{r.Float64() * 10000, r.Float64() * 10000}
	}
	n := nu + ns + 1
	if unplaced {
		n++
	}
	sink := nu + ns
	in := &instance{n: n, supply: make([]int64, n)}
	var pupils int64
	for i := range us {
		p := int64(r.IntN(30))
		in.supply[i] = p
		pupils += p
	}
	idx := make([]int, ns)
	for i, u := range us {
		for j := range idx {
			idx[j] = j
		}
		sort.Slice(idx, func(a, b int) bool {
			da := math.Hypot(u.x-ss[idx[a]].x, u.y-ss[idx[a]].y)
			db := math.Hypot(u.x-ss[idx[b]].x, u.y-ss[idx[b]].y)
			return da < db
		})
		for _, j := range idx[:k] {
			d := int64(math.Round(math.Hypot(u.x-ss[j].x, u.y-ss[j].y)))
			in.addArc(i, nu+j, Inf, d)
		}
		if unplaced {
			in.addArc(i, sink+1, Inf, 10_000_000)
		}
	}
	seats := float64(pupils) * ratio
	var given int64
	for j := range ss {
		c := int64(seats / float64(ns) * (0.5 + r.Float64()))
		in.addArc(nu+j, sink, c, 0)
		given += c
	}
	if unplaced {
		in.addArc(sink+1, sink, Inf, 0)
	}
	in.supply[sink] = -pupils
	return in
}

// genGeneralNet: a random sparse digraph on n nodes with a random spanning
// path (so some flow is usually feasible), extra random arcs, finite
// capacities on negative-cost arcs, and supplies summing to zero.
func genGeneralNet(r *rand.Rand, n int) *instance {
	in := &instance{n: n, supply: make([]int64, n)}
	perm := r.Perm(n)
	for i := 0; i+1 < n; i++ {
		a, b := perm[i], perm[i+1]
		if r.IntN(2) == 0 {
			a, b = b, a
		}
		in.addArc(a, b, int64(5+r.IntN(40)), int64(r.IntN(50)))
	}
	extra := n * (1 + r.IntN(4))
	for range extra {
		a, b := r.IntN(n), r.IntN(n)
		c := int64(r.IntN(30))
		k := int64(r.IntN(120) - 20)
		if k >= 0 && r.IntN(4) == 0 {
			c = Inf
		}
		in.addArc(a, b, c, k)
	}
	// Supplies from a random feasible flow (so the instance is feasible),
	// except every fourth seed, which moves extra supply between two random
	// nodes and is often infeasible.
	for a := range in.src {
		if r.IntN(3) != 0 {
			continue
		}
		c := in.capa[a]
		if c == Inf {
			c = 30
		}
		x := r.Int64N(c + 1)
		in.supply[in.src[a]] += x
		in.supply[in.dst[a]] -= x
	}
	if r.IntN(4) == 0 {
		a, b := r.IntN(n), r.IntN(n)
		s := int64(1 + r.IntN(25))
		in.supply[a] += s
		in.supply[b] -= s
	}
	return in
}

// genDegenerateNet: few distinct costs (mostly 0 or 1), parallel arcs, zero
// supplies, and capacities exactly equal to the supplies they must carry.
func genDegenerateNet(r *rand.Rand, n int) *instance {
	in := &instance{n: n, supply: make([]int64, n)}
	for v := 0; v < n; v++ {
		in.supply[v] = 0
	}
	half := max(1, n/2)
	costs := []int64{0, 0, 1, 1, 2}
	// Each source sends its whole supply to a demand node of the other
	// half through two parallel arcs whose capacities sum exactly to it.
	for v := range half {
		if r.IntN(3) == 0 {
			continue // zero supply
		}
		sup := int64(1 + r.IntN(5))
		t := half + r.IntN(n-half)
		if t == v {
			continue
		}
		in.supply[v] += sup
		in.supply[t] -= sup
		c1 := sup / 2
		in.addArc(v, t, c1, costs[r.IntN(len(costs))])
		in.addArc(v, t, sup-c1, costs[r.IntN(len(costs))])
	}
	for range 3 * n {
		a, b := r.IntN(n), r.IntN(n)
		c := int64(r.IntN(6))
		if r.IntN(3) == 0 {
			c = Inf
		}
		in.addArc(a, b, c, costs[r.IntN(len(costs))])
	}
	return in
}

// describe is a short label for test names.
func describe(kind genKind, n int, seed uint64) string {
	return fmt.Sprintf("%s/n%d/s%d", kind, n, seed)
}

// genNegDAGNet: uncapacitated arcs i → j (i > j) with strongly negative
// costs −900..−999 and capacitated arcs i → j (i < j) with small costs, so
// every cycle has a finite arc and the instance is bounded, yet long
// negative uncapacitated paths exist — they would close negative cycles
// through the root if the artificial cost were too small. Supplies come from
// a random feasible flow. The reference solver cannot take these (negative
// uncapacitated arcs); CBC can.
func genNegDAGNet(r *rand.Rand, n int) *instance {
	in := &instance{n: n, supply: make([]int64, n)}
	for range 3 * n {
		a, b := r.IntN(n), r.IntN(n)
		switch {
		case a > b:
			in.addArc(a, b, Inf, -int64(900+r.IntN(100)))
		case a < b:
			in.addArc(a, b, int64(1+r.IntN(10)), int64(r.IntN(10)))
		}
	}
	for a := range in.src {
		if in.capa[a] != Inf && r.IntN(2) == 0 {
			x := r.Int64N(in.capa[a] + 1)
			in.supply[in.src[a]] += x
			in.supply[in.dst[a]] -= x
		}
	}
	return in
}
