// Package mcf owns catchment's exact minimum-cost-flow solver: a primal
// network simplex on flat slices, built for the zoning engine's
// transportation problems (tens of thousands of supply nodes, about a
// thousand schools, close to a million arcs, integral data) and for the
// site-selection loop that re-solves many slightly changed instances from
// the previous optimal basis (warm start).
//
// The problem solved is, in equality form,
//
//	minimise   Σ cost(a)·x(a)
//	subject to Σ_{a leaves v} x(a) − Σ_{a enters v} x(a) = supply(v)   for every node v
//	           0 ≤ x(a) ≤ capacity(a)                                   for every arc a
//
// with int64 costs, capacities and supplies. Positive supply is a source,
// negative supply a sink; the supplies must sum to zero. Capacity Inf means
// uncapacitated. Because the constraint matrix is totally unimodular and the
// data are integral, the optimal flow found is integral and exact.
//
// Method (one phase, big-M): an artificial root joined to every node by an
// artificial arc; a strongly feasible spanning tree with the "last blocking
// arc" leaving rule (Cunningham), which rules out cycling; block-search
// pricing (scan ⌈√m⌉ arcs at a time, enter the most negative reduced cost of
// the first block that has one). Artificial arcs start at a modest cost
// 4·(max|cost|+1); only if an optimum still carries artificial flow is it
// raised to (n+1)·(max|cost|+1), which exceeds the cost of any simple path
// and so proves infeasibility.
//
// A cold start does not begin from the all-artificial tree but from a
// "crash" basis: the shortest-path forest towards the demand nodes (every
// unit to its nearest school), repaired into a strongly feasible tree by
// replacing over-full arcs with artificial ones. Nodes are then renumbered in
// the tree's preorder so that subtree walks touch nearly consecutive memory.
// A warm start (after SetCapacity, SetCost, SetSupply) repairs the previous
// tree in the same way.
//
// The spanning tree is stored as parent / predecessor-arc / preorder-thread /
// subtree-size / last-successor arrays indexed by int32 node id; a pivot
// costs O(length of the cycle) for the tree structure plus the potential
// update of the smaller side of the cut. Arcs are parallel int32/int64
// slices, never structs with pointers.
//
// The package imports nothing but the standard library and never logs; the
// caller observes progress through SetProgress.
package mcf
