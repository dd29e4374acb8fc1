package mcf

import (
	"errors"
	"fmt"
)

// This file holds test-only tools: a tiny, obviously-correct reference
// solver (successive shortest paths with Bellman-Ford) and the
// primal-dual certificate check every solved instance must pass.

// instance is a plain description of a min-cost-flow problem.
type instance struct {
	n      int
	src    []int32
	dst    []int32
	capa   []int64
	cost   []int64
	supply []int64
}

func (in *instance) graph() *Graph {
	g := NewGraph(in.n, len(in.src))
	for a := range in.src {
		g.AddArc(in.src[a], in.dst[a], in.capa[a], in.cost[a])
	}
	for v, b := range in.supply {
		g.SetSupply(int32(v), b)
	}
	return g
}

func (in *instance) addArc(s, t int, c, k int64) {
	in.src = append(in.src, int32(s))
	in.dst = append(in.dst, int32(t))
	in.capa = append(in.capa, c)
	in.cost = append(in.cost, k)
}

// refSolve solves in by successive shortest paths. Arcs with negative cost
// must have finite capacity (they are saturated up front so the residual
// graph has no negative cycle); that is the only restriction. It returns
// Optimal with the cost, or Infeasible.
func refSolve(in *instance) (Status, int64, error) {
	n := in.n
	// Residual arcs in pairs (2a forward, 2a+1 backward).
	m := len(in.src)
	to := make([]int, 2*m)
	res := make([]int64, 2*m)
	cst := make([]int64, 2*m)
	excess := make([]int64, n)
	copy(excess, in.supply)
	var total int64
	for a := range m {
		s, t := int(in.src[a]), int(in.dst[a])
		to[2*a], to[2*a+1] = t, s
		cst[2*a], cst[2*a+1] = in.cost[a], -in.cost[a]
		res[2*a] = in.capa[a]
		if in.cost[a] < 0 {
			if in.capa[a] == Inf {
				return NotSolved, 0, errors.New("reference: negative uncapacitated arc")
			}
			// Saturate.
			res[2*a], res[2*a+1] = 0, in.capa[a]
			excess[s] -= in.capa[a]
			excess[t] += in.capa[a]
			total += in.capa[a] * in.cost[a]
		}
	}
	var sum int64
	for _, b := range in.supply {
		sum += b
	}
	if sum != 0 {
		return Infeasible, 0, nil
	}
	from := make([]int, 2*m)
	for a := range m {
		from[2*a], from[2*a+1] = int(in.src[a]), int(in.dst[a])
	}
	const unreached = int64(1) << 62
	dist := make([]int64, n)
	predArc := make([]int, n)
	for iter := 0; ; iter++ {
		if iter > 1_000_000 {
			return NotSolved, 0, errors.New("reference: too many augmentations")
		}
		// Multi-source Bellman-Ford from every node with positive excess.
		any := false
		for v := range n {
			predArc[v] = -1
			if excess[v] > 0 {
				dist[v] = 0
				any = true
			} else {
				dist[v] = unreached
			}
		}
		if !any {
			return Optimal, total, nil
		}
		for round := 0; round < n; round++ {
			changed := false
			for r := range 2 * m {
				u := from[r]
				if res[r] <= 0 || dist[u] == unreached {
					continue
				}
				if d := dist[u] + cst[r]; d < dist[to[r]] {
					dist[to[r]] = d
					predArc[to[r]] = r
					changed = true
				}
			}
			if !changed {
				break
			}
			if round == n-1 {
				return NotSolved, 0, errors.New("reference: negative residual cycle")
			}
		}
		// Closest deficit node.
		t := -1
		for v := range n {
			if excess[v] < 0 && dist[v] < unreached && (t < 0 || dist[v] < dist[t]) {
				t = v
			}
		}
		if t < 0 {
			return Infeasible, 0, nil
		}
		// Bottleneck.
		amt := -excess[t]
		v := t
		for predArc[v] >= 0 {
			r := predArc[v]
			amt = min(amt, res[r])
			v = from[r]
		}
		amt = min(amt, excess[v])
		for u := t; predArc[u] >= 0; u = from[predArc[u]] {
			r := predArc[u]
			if res[r] != Inf {
				res[r] -= amt
			}
			if res[r^1] != Inf {
				res[r^1] += amt
			}
			total += amt * cst[r]
		}
		excess[v] -= amt
		excess[t] += amt
	}
}

// checkCertificate verifies the solution held by g against in: flow
// conservation, capacity bounds, complementary slackness of the potentials
// (which proves optimality), and TotalCost = Σ cost·flow. It uses only the
// public API.
func checkCertificate(in *instance, g *Graph) error {
	bal := make([]int64, in.n)
	var total int64
	for a := range in.src {
		f := g.Flow(int32(a))
		c := in.capa[a]
		if f < 0 || (c != Inf && f > c) {
			return fmt.Errorf("arc %d: flow %d outside [0, %d]", a, f, c)
		}
		bal[in.src[a]] += f
		bal[in.dst[a]] -= f
		total += f * in.cost[a]
		rc := in.cost[a] + g.Potential(in.src[a]) - g.Potential(in.dst[a])
		if rc != g.ReducedCost(int32(a)) {
			return fmt.Errorf("arc %d: ReducedCost %d, want %d", a, g.ReducedCost(int32(a)), rc)
		}
		switch {
		case rc > 0 && f != 0:
			return fmt.Errorf("arc %d: reduced cost %d > 0 but flow %d", a, rc, f)
		case rc < 0 && f != c:
			return fmt.Errorf("arc %d: reduced cost %d < 0 but flow %d below capacity %d", a, rc, f, c)
		}
	}
	for v := range in.n {
		if bal[v] != in.supply[v] {
			return fmt.Errorf("node %d: net outflow %d, supply %d", v, bal[v], in.supply[v])
		}
	}
	if total != g.TotalCost() {
		return fmt.Errorf("TotalCost %d, Σ cost·flow %d", g.TotalCost(), total)
	}
	return nil
}
