package mcf

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// WriteLP writes g as a linear program in CPLEX LP format, for checking the
// solver against an independent LP/MIP code (CBC, GLPK, HiGHS, …):
//
//	Minimize  obj: Σ cost(a) x<a>
//	Subject To  n<v>: Σ_{a out of v} x<a> − Σ_{a into v} x<a> = supply(v)
//	Bounds  0 <= x<a> <= capacity(a)   (x<a> >= 0 when capacity is Inf)
//
// Variable x<a> is the flow on arc a and row n<v> is node v's conservation
// row, so the LP optimum equals the min-cost-flow optimum and the LP is
// infeasible exactly when the flow problem is. Self-loops appear only in the
// objective and bounds. A node without incident arcs gets the row
// "n<v>: zero = supply(v)" with a variable zero fixed at 0. Lines are kept
// short for strict readers. The output is deterministic.
func WriteLP(w io.Writer, g *Graph) error {
	if g.err != nil {
		return fmt.Errorf("mcf: write LP: %w", g.err)
	}
	bw := bufio.NewWriter(w)
	n, m := int(g.n), len(g.src)

	// Incidence lists in compressed-row form (out arcs +1, in arcs −1).
	deg := make([]int32, n+1)
	for a := range m {
		if g.src[a] != g.dst[a] {
			deg[g.src[a]+1]++
			deg[g.dst[a]+1]++
		}
	}
	for v := range n {
		deg[v+1] += deg[v]
	}
	inc := make([]int32, deg[n]) // arc+1 for out, −(arc+1) for in
	fill := make([]int32, n)
	copy(fill, deg[:n])
	for a := range m {
		s, t := g.src[a], g.dst[a]
		if s == t {
			continue
		}
		inc[fill[s]] = int32(a) + 1
		fill[s]++
		inc[fill[t]] = -(int32(a) + 1)
		fill[t]++
	}

	var buf []byte
	line := 0
	term := func(coef int64, name string, id int) {
		if line >= 8 {
			buf = append(buf, "\n   "...)
			line = 0
		}
		if coef < 0 {
			buf = append(buf, " - "...)
			coef = -coef
		} else {
			buf = append(buf, " + "...)
		}
		buf = strconv.AppendInt(buf, coef, 10)
		buf = append(buf, ' ')
		buf = append(buf, name...)
		if id >= 0 {
			buf = strconv.AppendInt(buf, int64(id), 10)
		}
		line++
	}
	flush := func() error {
		buf = append(buf, '\n')
		_, err := bw.Write(buf)
		buf = buf[:0]
		line = 0
		return err
	}

	needZero := false
	for v := range n {
		if deg[v+1] == deg[v] {
			needZero = true
		}
	}

	fmt.Fprintf(bw, "\\ catchment mcf instance: %d nodes, %d arcs\nMinimize\n obj:", n, m)
	if m == 0 {
		term(0, "zero", -1)
		needZero = true
	}
	for a := range m {
		term(g.cost[a], "x", a)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("mcf: write LP: %w", err)
	}
	bw.WriteString("Subject To\n")
	for v := range n {
		buf = append(buf, " n"...)
		buf = strconv.AppendInt(buf, int64(v), 10)
		buf = append(buf, ':')
		if deg[v+1] == deg[v] {
			term(1, "zero", -1)
		}
		for _, x := range inc[deg[v]:deg[v+1]] {
			if x > 0 {
				term(1, "x", int(x-1))
			} else {
				term(-1, "x", int(-x-1))
			}
		}
		buf = append(buf, " = "...)
		buf = strconv.AppendInt(buf, g.supply[v], 10)
		if err := flush(); err != nil {
			return fmt.Errorf("mcf: write LP: %w", err)
		}
	}
	bw.WriteString("Bounds\n")
	for a := range m {
		if g.capa[a] == Inf {
			fmt.Fprintf(bw, " x%d >= 0\n", a)
		} else {
			fmt.Fprintf(bw, " 0 <= x%d <= %d\n", a, g.capa[a])
		}
	}
	if needZero {
		bw.WriteString(" zero = 0\n")
	}
	bw.WriteString("End\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("mcf: write LP: %w", err)
	}
	return nil
}
