package mcf

import (
	"errors"
	"fmt"
	"math"
)

// Inf is the capacity of an uncapacitated arc.
const Inf int64 = math.MaxInt64

// MaxMagnitude bounds every finite capacity, supply and |cost| that Solve
// accepts: 2^50 (about 1.1e15). Within it, and within the aggregate limits
// documented on Solve, no intermediate value of the solver can overflow.
const MaxMagnitude int64 = 1 << 50

// Status is the outcome of Solve.
type Status int8

// The outcomes of Solve.
const (
	// NotSolved: Solve has not run, failed with an error, or was cancelled.
	NotSolved Status = iota
	// Optimal: an optimal flow was found; Flow, Potential, ReducedCost and
	// TotalCost describe it.
	Optimal
	// Infeasible: no flow satisfies the supplies and capacities (including
	// the case Σ supply ≠ 0).
	Infeasible
	// Unbounded: a cycle of uncapacitated arcs has negative total cost, so
	// the cost can be made arbitrarily small.
	Unbounded
)

// String returns "optimal", "infeasible", "unbounded" or "not solved".
func (s Status) String() string {
	switch s {
	case NotSolved:
		return "not solved"
	case Optimal:
		return "optimal"
	case Infeasible:
		return "infeasible"
	case Unbounded:
		return "unbounded"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// ErrInput reports an invalid call (bad node or arc id, negative capacity,
// value out of range). Errors returned by the package wrap it where it
// applies, so callers can test with errors.Is.
var ErrInput = errors.New("mcf: invalid input")

// ErrOverflow reports that an aggregate of the instance (total supply, total
// finite capacity, the big-M cost, or the optimal objective) does not fit in
// int64.
var ErrOverflow = errors.New("mcf: int64 overflow")

// Graph is a min-cost-flow instance together with its solver state.
//
// Nodes are 0..NumNodes()-1, fixed at NewGraph. Arcs are numbered 0, 1, 2, …
// in the order AddArc returns them. Invalid calls (out-of-range ids,
// negative capacities, values beyond MaxMagnitude) never panic: the first
// one is remembered, the offending call does nothing, and Solve returns that
// error (wrapping ErrInput).
//
// A Graph is not safe for concurrent use.
type Graph struct {
	n      int32
	src    []int32
	dst    []int32
	capa   []int64
	cost   []int64
	supply []int64

	err error

	s      *solver // nil until the first Solve
	status Status
	total  int64
	stats  Stats
	// warm is true while s holds a spanning-tree basis of exactly this
	// node/arc structure, so the next Solve may start from it.
	warm     bool
	progress func(pivots int64)
	// noCrash starts cold solves from the all-artificial tree (tests).
	noCrash bool
	// crashCost, when non-nil, replaces cost in the crash's shortest-path
	// forest (SetCrashCost); len = number of arcs.
	crashCost []int64
}

// Stats describes the last call to Solve.
type Stats struct {
	// Pivots is the number of simplex pivots performed (tree changes and
	// bound flips).
	Pivots int64
	// Warm is true when the solve started from the previous spanning tree
	// instead of a cold crash basis.
	Warm bool
	// Repaired is the number of tree arcs a warm start had to replace by
	// artificial arcs because the changed data made their flow infeasible.
	Repaired int
}

// NewGraph returns a graph with nodes nodes (0 ≤ nodes < 2^31−1), all with
// zero supply, and no arcs. arcHint preallocates room for that many arcs.
func NewGraph(nodes int, arcHint int) *Graph {
	g := &Graph{}
	if nodes < 0 || nodes >= math.MaxInt32 {
		g.fail(fmt.Errorf("%w: node count %d out of range [0, %d)", ErrInput, nodes, math.MaxInt32))
		return g
	}
	if arcHint < 0 || arcHint > 1<<28 {
		arcHint = 0
	}
	g.n = int32(nodes)
	g.supply = make([]int64, nodes)
	g.src = make([]int32, 0, arcHint)
	g.dst = make([]int32, 0, arcHint)
	g.capa = make([]int64, 0, arcHint)
	g.cost = make([]int64, 0, arcHint)
	return g
}

func (g *Graph) fail(err error) {
	if g.err == nil {
		g.err = err
	}
}

// Err returns the first invalid call recorded on g, or nil.
func (g *Graph) Err() error { return g.err }

// NumNodes returns the number of nodes.
func (g *Graph) NumNodes() int { return int(g.n) }

// NumArcs returns the number of arcs added so far.
func (g *Graph) NumArcs() int { return len(g.src) }

func (g *Graph) validNode(v int32) bool { return v >= 0 && v < g.n }
func (g *Graph) validArc(a int32) bool  { return a >= 0 && int(a) < len(g.src) }

func validCapacity(c int64) bool { return c == Inf || (c >= 0 && c <= MaxMagnitude) }
func validCost(c int64) bool     { return c >= -MaxMagnitude && c <= MaxMagnitude }

// AddArc adds an arc from → to with the given capacity (≥ 0, or Inf) and
// per-unit cost, and returns its id. Parallel arcs and self-loops are
// allowed. Adding an arc invalidates the warm start. On invalid input it
// records the error (see Graph) and returns −1.
func (g *Graph) AddArc(from, to int32, capacity int64, cost int64) int32 {
	switch {
	case !g.validNode(from) || !g.validNode(to):
		g.fail(fmt.Errorf("%w: arc %d→%d: node out of range [0, %d)", ErrInput, from, to, g.n))
		return -1
	case !validCapacity(capacity):
		g.fail(fmt.Errorf("%w: arc %d→%d: capacity %d (want 0..%d or Inf)", ErrInput, from, to, capacity, MaxMagnitude))
		return -1
	case !validCost(cost):
		g.fail(fmt.Errorf("%w: arc %d→%d: |cost| %d exceeds %d", ErrInput, from, to, cost, MaxMagnitude))
		return -1
	case len(g.src) >= math.MaxInt32-int(g.n)-1:
		g.fail(fmt.Errorf("%w: too many arcs", ErrInput))
		return -1
	}
	id := int32(len(g.src))
	g.src = append(g.src, from)
	g.dst = append(g.dst, to)
	g.capa = append(g.capa, capacity)
	g.cost = append(g.cost, cost)
	g.warm = false
	return id
}

// SetSupply sets the supply of node: positive for a source, negative for a
// sink (demand), zero for a transshipment node. Supplies may be changed
// between solves; the warm start survives.
func (g *Graph) SetSupply(node int32, b int64) {
	if !g.validNode(node) {
		g.fail(fmt.Errorf("%w: SetSupply: node %d out of range [0, %d)", ErrInput, node, g.n))
		return
	}
	if b < -MaxMagnitude || b > MaxMagnitude {
		g.fail(fmt.Errorf("%w: SetSupply: node %d: |supply| %d exceeds %d", ErrInput, node, b, MaxMagnitude))
		return
	}
	g.supply[node] = b
}

// Supply returns the supply of node (0 for an invalid id).
func (g *Graph) Supply(node int32) int64 {
	if !g.validNode(node) {
		return 0
	}
	return g.supply[node]
}

// SetCrashCost gives arc a different cost for building the starting basis
// of the next cold solve only: the crash hangs every node on its cheapest
// path by these costs. A caller that knows approximate dual prices (for
// instance cost plus a seat price) can start the simplex near the optimum;
// the solution is optimal for the real costs whatever the hint. Negative
// hints keep the arc out of the starting tree.
func (g *Graph) SetCrashCost(arc int32, c int64) {
	if !g.validArc(arc) {
		g.fail(fmt.Errorf("%w: SetCrashCost: no arc %d", ErrInput, arc))
		return
	}
	if !validCost(c) {
		g.fail(fmt.Errorf("%w: SetCrashCost: arc %d: cost %d out of range", ErrInput, arc, c))
		return
	}
	if g.crashCost == nil {
		g.crashCost = make([]int64, len(g.cost), cap(g.cost))
		copy(g.crashCost, g.cost)
	}
	for len(g.crashCost) < len(g.cost) {
		g.crashCost = append(g.crashCost, g.cost[len(g.crashCost)])
	}
	g.crashCost[arc] = c
}

// SetCapacity changes the capacity of arc (≥ 0, or Inf). The next Solve
// starts from the previous spanning tree (warm start), repairing it where
// the new capacity makes the old flow infeasible.
func (g *Graph) SetCapacity(arc int32, c int64) {
	if !g.validArc(arc) {
		g.fail(fmt.Errorf("%w: SetCapacity: arc %d out of range [0, %d)", ErrInput, arc, len(g.src)))
		return
	}
	if !validCapacity(c) {
		g.fail(fmt.Errorf("%w: SetCapacity: arc %d: capacity %d (want 0..%d or Inf)", ErrInput, arc, c, MaxMagnitude))
		return
	}
	g.capa[arc] = c
}

// SetCost changes the per-unit cost of arc. The next Solve starts from the
// previous spanning tree (warm start).
func (g *Graph) SetCost(arc int32, c int64) {
	if !g.validArc(arc) {
		g.fail(fmt.Errorf("%w: SetCost: arc %d out of range [0, %d)", ErrInput, arc, len(g.src)))
		return
	}
	if !validCost(c) {
		g.fail(fmt.Errorf("%w: SetCost: arc %d: |cost| %d exceeds %d", ErrInput, arc, c, MaxMagnitude))
		return
	}
	g.cost[arc] = c
}

// Arc returns the endpoints, capacity and cost of arc. ok is false for an
// invalid id.
func (g *Graph) Arc(arc int32) (from, to int32, capacity, cost int64, ok bool) {
	if !g.validArc(arc) {
		return 0, 0, 0, 0, false
	}
	return g.src[arc], g.dst[arc], g.capa[arc], g.cost[arc], true
}

// SetProgress installs fn, called from Solve (on the solving goroutine)
// every few thousand pivots with the number of pivots so far. nil removes it.
func (g *Graph) SetProgress(fn func(pivots int64)) { g.progress = fn }

// ResetWarmStart makes the next Solve start cold (from a fresh crash basis,
// see the package documentation) instead of from the last spanning tree.
func (g *Graph) ResetWarmStart() { g.warm = false }

// Status returns the outcome of the last Solve (NotSolved before any).
func (g *Graph) Status() Status { return g.status }

// Stats returns statistics of the last Solve.
func (g *Graph) Stats() Stats { return g.stats }

// Flow returns the flow on arc in the last solution. It is meaningful only
// when the last Solve returned Optimal; it is 0 for an invalid id or before
// any solve.
func (g *Graph) Flow(arc int32) int64 {
	if g.s == nil || !g.validArc(arc) || int(arc) >= int(g.s.m) {
		return 0
	}
	return g.s.flow[arc]
}

// Potential returns the dual value π(node) of the last solution.
//
// Sign convention: the reduced cost of arc a = (i, j) is
// cost(a) + π(i) − π(j), and at optimality every arc with flow 0 has reduced
// cost ≥ 0, every arc with flow = capacity has reduced cost ≤ 0, and every
// arc with flow strictly between has reduced cost 0. (So π(j) − π(i) is the
// marginal cost of moving a unit from i to j, and the LP dual of the
// conservation row of node v, written "out − in = supply", is −π(v).)
// Potentials are unique only up to a common constant (and per connected
// component); they may include big-M offsets on nodes whose component is
// tied to the solver's artificial root. Meaningful only after Optimal.
func (g *Graph) Potential(node int32) int64 {
	if g.s == nil || !g.validNode(node) || node >= g.s.n {
		return 0
	}
	return g.s.pi[g.s.node(node)]
}

// ReducedCost returns cost(arc) + π(from) − π(to) for the last solution (see
// Potential for the optimality conditions it satisfies).
func (g *Graph) ReducedCost(arc int32) int64 {
	if g.s == nil || !g.validArc(arc) || int(arc) >= int(g.s.m) {
		return 0
	}
	return g.cost[arc] + g.s.pi[g.s.node(g.src[arc])] - g.s.pi[g.s.node(g.dst[arc])]
}

// TotalCost returns Σ cost(a)·Flow(a) of the last solution. Solve computes it
// with overflow checks and fails with ErrOverflow when it does not fit in
// int64, so after Solve returned (Optimal, nil) the value is exact. It is 0
// unless the last Solve returned Optimal.
func (g *Graph) TotalCost() int64 { return g.total }

// crashHint returns the crash costs when SetCrashCost was used, padded to
// the current arcs, else nil.
func (g *Graph) crashHint() []int64 {
	if g.crashCost == nil {
		return nil
	}
	for len(g.crashCost) < len(g.cost) {
		g.crashCost = append(g.crashCost, g.cost[len(g.crashCost)])
	}
	return g.crashCost
}
