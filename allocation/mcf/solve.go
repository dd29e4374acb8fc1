package mcf

import (
	"context"
	"fmt"
	"math"
	"math/bits"
)

// aggregateLimit bounds Σ positive supply + Σ finite capacities: every flow
// value and every node balance the solver forms stays below it.
const aggregateLimit = math.MaxInt64 / 4

// bigMLimit bounds the artificial-arc cost M; potentials stay below 2M and
// reduced costs below 5M in magnitude.
const bigMLimit = math.MaxInt64 / 8

// Solve computes a minimum-cost flow and returns its status:
//
//   - Optimal: Flow, Potential, ReducedCost and TotalCost describe an optimal
//     integral flow and matching duals.
//   - Infeasible: Σ supply ≠ 0, or no flow meets every supply within the
//     capacities.
//   - Unbounded: some cycle of uncapacitated arcs has negative cost. (An
//     instance that is both infeasible and has such a cycle may get either
//     answer.)
//
// The first Solve, and any Solve after AddArc or ResetWarmStart, starts cold
// (from the shortest-path crash basis described in the package doc). Later solves start from the last
// spanning tree (SetCapacity, SetCost and SetSupply keep it), repairing tree
// arcs whose flow the new data made infeasible; warm and cold solves reach
// the same optimal cost.
//
// Solve checks ctx every few thousand pivots; on cancellation it returns
// NotSolved and an error wrapping ctx.Err(), and a later Solve resumes from
// the tree reached so far.
//
// Errors: a recorded invalid call (ErrInput); ErrOverflow when Σ positive
// supply + Σ finite capacities exceeds MaxInt64/4, when
// (nodes+1)·(max|cost|+1) exceeds MaxInt64/8, or when the optimal objective
// does not fit in int64 (then the status is still Optimal and the flow is
// valid, but TotalCost is 0).
func (g *Graph) Solve(ctx context.Context) (Status, error) {
	g.status = NotSolved
	g.total = 0
	g.stats = Stats{}
	if g.err != nil {
		return NotSolved, g.err
	}
	if err := ctx.Err(); err != nil {
		return NotSolved, fmt.Errorf("mcf: solve: %w", err)
	}
	pos, neg, bigM, safeM, err := g.aggregates()
	if err != nil {
		return NotSolved, err
	}
	if pos != neg {
		g.status = Infeasible
		return Infeasible, nil
	}

	if g.s == nil || !g.warm {
		g.s = newSolver(g, bigM, safeM)
		if !g.noCrash {
			g.s.crash(g.crashHint())
		}
	} else {
		g.stats.Warm = true
		g.stats.Repaired = g.s.warmStart(g, bigM, safeM)
	}
	g.warm = true
	st, err := g.s.run(ctx, g.progress)
	g.stats.Pivots = g.s.pivots
	if err != nil {
		return NotSolved, fmt.Errorf("mcf: solve cancelled after %d pivots: %w", g.s.pivots, err)
	}
	g.status = st
	if st == Optimal {
		total, ok := g.objective()
		if !ok {
			return Optimal, fmt.Errorf("%w: objective of the optimal flow exceeds int64", ErrOverflow)
		}
		g.total = total
	}
	return st, nil
}

// aggregates returns Σ positive and Σ |negative| supply, the initial
// artificial cost bigM = min(4·(max|cost|+1), safeM) and the provably
// sufficient one safeM = (nodes+1)·(max|cost|+1), or ErrOverflow.
func (g *Graph) aggregates() (pos, neg, bigM, safeM int64, err error) {
	for _, b := range g.supply {
		if b > 0 {
			pos += b
		} else {
			neg -= b
		}
		if pos > aggregateLimit || neg > aggregateLimit {
			return 0, 0, 0, 0, fmt.Errorf("%w: total supply exceeds %d", ErrOverflow, int64(aggregateLimit))
		}
	}
	bound := max(pos, neg)
	var maxCost int64
	for a, c := range g.capa {
		if c != Inf {
			bound += c
			if bound > aggregateLimit {
				return 0, 0, 0, 0, fmt.Errorf("%w: total supply plus finite capacities exceeds %d (use Inf for uncapacitated arcs)", ErrOverflow, int64(aggregateLimit))
			}
		}
		k := g.cost[a]
		if k < 0 {
			k = -k
		}
		maxCost = max(maxCost, k)
	}
	// M must exceed the cost of any simple path, (n−1)·max|cost|, so that a
	// cycle through the root is never negative and an optimum that still
	// uses artificial flow proves infeasibility.
	hi, lo := bits.Mul64(uint64(g.n)+1, uint64(maxCost)+1)
	if hi != 0 || lo > bigMLimit {
		return 0, 0, 0, 0, fmt.Errorf("%w: big-M cost (nodes+1)·(max|cost|+1) exceeds %d", ErrOverflow, int64(bigMLimit))
	}
	safeM = int64(lo)
	return pos, neg, min(safeM, 4*(maxCost+1)), safeM, nil
}

// objective returns Σ cost·flow over the original arcs, and false on
// overflow.
func (g *Graph) objective() (int64, bool) {
	var total int64
	flow := g.s.flow[:len(g.cost)]
	for a, f := range flow {
		if f == 0 {
			continue
		}
		c := g.cost[a]
		hi, lo := bits.Mul64(uint64(f), uint64(abs(c)))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		p := int64(lo)
		if c < 0 {
			p = -p
		}
		s := total + p
		if (p > 0 && s < total) || (p < 0 && s > total) {
			return 0, false
		}
		total = s
	}
	return total, true
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
