package mcf_test

import (
	"context"
	"fmt"
	"os"

	"catchment/allocation/mcf"
)

// Three nodes: a neighbourhood with 5 pupils (node 0) and a sink taking
// them (node 2). Pupils go straight to the sink at cost 10 each, or through
// node 1 at 2 + 3 = 5 each, where the first hop has room for only 3.
func Example() {
	g := mcf.NewGraph(3, 3)
	direct := g.AddArc(0, 2, mcf.Inf, 10)
	hop := g.AddArc(0, 1, 3, 2)
	g.AddArc(1, 2, mcf.Inf, 3)
	g.SetSupply(0, 5)
	g.SetSupply(2, -5)

	st, err := g.Solve(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st, g.TotalCost())
	fmt.Println("direct:", g.Flow(direct), "via 1:", g.Flow(hop))
	// The marginal pupil costs the direct route; the full hop has a
	// negative reduced cost (it would be used more if it could).
	fmt.Println("marginal cost:", g.Potential(2)-g.Potential(0), "hop reduced cost:", g.ReducedCost(hop))

	// Warm start: the hop gains 2 places.
	g.SetCapacity(hop, 5)
	st, _ = g.Solve(context.Background())
	fmt.Println(st, g.TotalCost(), "warm:", g.Stats().Warm)
	// Output:
	// optimal 35
	// direct: 2 via 1: 3
	// marginal cost: 10 hop reduced cost: -5
	// optimal 25 warm: true
}

// ExampleWriteLP writes the instance for an independent LP solver.
func ExampleWriteLP() {
	g := mcf.NewGraph(3, 2)
	g.AddArc(0, 1, 4, 2)
	g.AddArc(1, 2, mcf.Inf, 1)
	g.SetSupply(0, 3)
	g.SetSupply(2, -3)
	if err := mcf.WriteLP(os.Stdout, g); err != nil {
		fmt.Println(err)
	}
	// Output:
	// \ catchment mcf instance: 3 nodes, 2 arcs
	// Minimize
	//  obj: + 2 x0 + 1 x1
	// Subject To
	//  n0: + 1 x0 = 3
	//  n1: - 1 x0 + 1 x1 = 0
	//  n2: - 1 x1 = -3
	// Bounds
	//  0 <= x0 <= 4
	//  x1 >= 0
	// End
}
