package mcf

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestAgainstReference is the property test: on random instances of every
// family and several sizes, the network simplex must agree with the
// successive-shortest-path reference on status and optimal cost, and every
// Optimal answer must carry a valid primal-dual certificate.
func TestAgainstReference(t *testing.T) {
	sizes := []int{2, 3, 5, 8, 13, 30, 60}
	if !testing.Short() {
		sizes = append(sizes, 120)
	}
	for _, kind := range []genKind{genTransport, genGeneral, genDegenerate, genShort} {
		for _, n := range sizes {
			for seed := range uint64(6) {
				in := genInstance(kind, n, seed)
				t.Run(describe(kind, n, seed), func(t *testing.T) {
					checkAgainstReference(t, in)
				})
			}
		}
	}
}

func checkAgainstReference(t *testing.T, in *instance) {
	t.Helper()
	wantSt, wantCost, err := refSolve(in)
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	for _, crash := range []bool{true, false} {
		g := in.graph()
		g.noCrash = !crash
		st, err := g.Solve(context.Background())
		if err != nil {
			t.Fatalf("crash=%v: Solve: %v", crash, err)
		}
		if st != wantSt {
			t.Fatalf("crash=%v: status %v, reference %v", crash, st, wantSt)
		}
		if st != Optimal {
			continue
		}
		if g.TotalCost() != wantCost {
			t.Fatalf("crash=%v: cost %d, reference %d", crash, g.TotalCost(), wantCost)
		}
		if err := checkCertificate(in, g); err != nil {
			t.Fatalf("crash=%v: certificate: %v", crash, err)
		}
	}
}

// TestSmallCases pins hand-checked instances.
func TestSmallCases(t *testing.T) {
	type arc struct {
		s, t    int32
		cap, c  int64
		wantFlw int64
	}
	tests := []struct {
		name     string
		n        int
		supply   []int64
		arcs     []arc
		want     Status
		wantCost int64
	}{
		{"empty", 0, nil, nil, Optimal, 0},
		{"isolated zero node", 1, []int64{0}, nil, Optimal, 0},
		{"isolated supply", 2, []int64{3, -3}, nil, Infeasible, 0},
		{"unbalanced", 2, []int64{3, -2}, []arc{{0, 1, Inf, 1, 0}}, Infeasible, 0},
		{"single arc", 2, []int64{4, -4}, []arc{{0, 1, 10, 3, 4}}, Optimal, 12},
		{"capacity too small", 2, []int64{4, -4}, []arc{{0, 1, 3, 1, 0}}, Infeasible, 0},
		{"cheaper long way", 3, []int64{5, 0, -5}, []arc{{0, 2, Inf, 10, 0}, {0, 1, Inf, 2, 5}, {1, 2, Inf, 3, 5}}, Optimal, 25},
		{"split by capacity", 3, []int64{5, 0, -5}, []arc{{0, 2, Inf, 10, 2}, {0, 1, 3, 2, 3}, {1, 2, Inf, 3, 3}}, Optimal, 35},
		{"negative cycle finite", 2, []int64{0, 0}, []arc{{0, 1, 4, -3, 4}, {1, 0, 4, 1, 4}}, Optimal, -8},
		{"negative cycle infinite", 2, []int64{0, 0}, []arc{{0, 1, Inf, -3, 0}, {1, 0, Inf, 1, 0}}, Unbounded, 0},
		{"negative self-loop finite", 1, []int64{0}, []arc{{0, 0, 7, -2, 7}}, Optimal, -14},
		{"negative self-loop infinite", 1, []int64{0}, []arc{{0, 0, Inf, -2, 0}}, Unbounded, 0},
		{"zero capacity arc", 2, []int64{1, -1}, []arc{{0, 1, 0, -5, 0}, {0, 1, 1, 7, 1}}, Optimal, 7},
		{"long path beyond the modest M", 11, []int64{4, 0, 0, 0, 0, 0, 0, 0, 0, 0, -4}, []arc{
			{0, 1, Inf, 100, 4}, {1, 2, Inf, 100, 4}, {2, 3, Inf, 100, 4}, {3, 4, Inf, 100, 4}, {4, 5, Inf, 100, 4},
			{5, 6, Inf, 100, 4}, {6, 7, Inf, 100, 4}, {7, 8, Inf, 100, 4}, {8, 9, Inf, 100, 4}, {9, 10, Inf, 100, 4},
		}, Optimal, 4000},
		// A negative uncapacitated path 6 → … → 0 back against the only
		// (capacity-1) route 0 → 6: bounded, but a cycle through the root
		// with a modest M would look unbounded.
		{"negative path longer than the modest M", 7, []int64{1, 0, 0, 0, 0, 0, -1}, []arc{
			{0, 6, 1, 0, 1}, {6, 5, Inf, -10, 0}, {5, 4, Inf, -10, 0}, {4, 3, Inf, -10, 0},
			{3, 2, Inf, -10, 0}, {2, 1, Inf, -10, 0}, {1, 0, Inf, -10, 0},
		}, Optimal, 0},
		{"parallel arcs", 2, []int64{6, -6}, []arc{{0, 1, 2, 1, 2}, {0, 1, 2, 1, 2}, {0, 1, 5, 4, 2}}, Optimal, 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &instance{n: tc.n, supply: tc.supply}
			if in.supply == nil {
				in.supply = make([]int64, tc.n)
			}
			for _, a := range tc.arcs {
				in.addArc(int(a.s), int(a.t), a.cap, a.c)
			}
			g := in.graph()
			st, err := g.Solve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st != tc.want {
				t.Fatalf("status %v, want %v", st, tc.want)
			}
			noCrash := in.graph()
			noCrash.noCrash = true
			if st2, err := noCrash.Solve(context.Background()); err != nil || st2 != st || noCrash.TotalCost() != g.TotalCost() {
				t.Fatalf("without crash: %v, %v, cost %d; with: %v, %d", st2, err, noCrash.TotalCost(), st, g.TotalCost())
			}
			if st != Optimal {
				return
			}
			if g.TotalCost() != tc.wantCost {
				t.Errorf("cost %d, want %d", g.TotalCost(), tc.wantCost)
			}
			for i, a := range tc.arcs {
				if f := g.Flow(int32(i)); f != a.wantFlw {
					t.Errorf("arc %d flow %d, want %d", i, f, a.wantFlw)
				}
			}
			if err := checkCertificate(in, g); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestInvalidInput checks that bad calls are recorded, not panics, and that
// Solve reports them.
func TestInvalidInput(t *testing.T) {
	tests := []struct {
		name string
		do   func(g *Graph)
	}{
		{"node out of range", func(g *Graph) { g.AddArc(0, 5, 1, 1) }},
		{"negative node", func(g *Graph) { g.AddArc(-1, 0, 1, 1) }},
		{"negative capacity", func(g *Graph) { g.AddArc(0, 1, -1, 1) }},
		{"huge capacity", func(g *Graph) { g.AddArc(0, 1, MaxMagnitude+1, 1) }},
		{"huge cost", func(g *Graph) { g.AddArc(0, 1, 1, -MaxMagnitude-1) }},
		{"supply node", func(g *Graph) { g.SetSupply(2, 1) }},
		{"huge supply", func(g *Graph) { g.SetSupply(0, MaxMagnitude+1) }},
		{"capacity arc", func(g *Graph) { g.SetCapacity(3, 1) }},
		{"capacity value", func(g *Graph) { g.AddArc(0, 1, 1, 1); g.SetCapacity(0, -2) }},
		{"cost arc", func(g *Graph) { g.SetCost(-1, 1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGraph(2, 0)
			tc.do(g)
			if g.Err() == nil {
				t.Fatal("no error recorded")
			}
			st, err := g.Solve(context.Background())
			if !errors.Is(err, ErrInput) || st != NotSolved {
				t.Fatalf("Solve = %v, %v; want NotSolved, ErrInput", st, err)
			}
			if g.Flow(0) != 0 || g.Potential(7) != 0 || g.ReducedCost(-3) != 0 {
				t.Fatal("accessors on bad ids must return 0")
			}
		})
	}
	if g := NewGraph(-1, 0); !errors.Is(g.Err(), ErrInput) {
		t.Fatal("NewGraph(-1) must record ErrInput")
	}
}

// TestOverflowGuards checks the aggregate limits.
func TestOverflowGuards(t *testing.T) {
	g := NewGraph(2, 0)
	for range 5000 {
		g.AddArc(0, 1, MaxMagnitude, 1)
	}
	g.SetSupply(0, 1)
	g.SetSupply(1, -1)
	if _, err := g.Solve(context.Background()); !errors.Is(err, ErrOverflow) {
		t.Fatalf("Σ capacities beyond the limit: err %v, want ErrOverflow", err)
	}

	// An objective that overflows int64: 8 arcs × 2^50 flow × cost −2^20,
	// returned by a free uncapacitated arc.
	g = NewGraph(2, 0)
	for range 8 {
		g.AddArc(0, 1, MaxMagnitude, -(1 << 20))
	}
	g.AddArc(1, 0, Inf, 0)
	st, err := g.Solve(context.Background())
	if st != Optimal || !errors.Is(err, ErrOverflow) {
		t.Fatalf("overflowing objective: %v, %v; want Optimal, ErrOverflow", st, err)
	}
}

// TestCancel checks that a cancelled context stops Solve with NotSolved and
// that a later Solve resumes to the right answer.
func TestCancel(t *testing.T) {
	in := genInstance(genTransport, 2000, 1)
	g := in.graph()
	g.noCrash = true // the all-artificial start needs well over checkEvery pivots here
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st, err := g.Solve(ctx)
	if st != NotSolved || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before start: %v, %v", st, err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	calls := 0
	g.SetProgress(func(p int64) {
		calls++
		cancel()
	})
	st, err = g.Solve(ctx)
	if st != NotSolved || !errors.Is(err, context.Canceled) || calls == 0 {
		t.Fatalf("cancelled mid-solve: %v, %v (progress calls %d)", st, err, calls)
	}
	g.SetProgress(nil)
	st, err = g.Solve(context.Background())
	if err != nil || st != Optimal {
		t.Fatalf("resume: %v, %v", st, err)
	}
	if !g.Stats().Warm {
		t.Error("resume did not start warm")
	}
	cold := in.graph()
	if _, err := cold.Solve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g.TotalCost() != cold.TotalCost() {
		t.Fatalf("resumed cost %d, cold %d", g.TotalCost(), cold.TotalCost())
	}
	if err := checkCertificate(in, g); err != nil {
		t.Fatal(err)
	}
}

// TestWarmStart changes capacities (closing and reopening arcs, as site
// selection does), costs and supplies between solves and checks that every
// warm re-solve reaches the same status and cost as a cold solve of the
// changed instance, with a valid certificate.
func TestWarmStart(t *testing.T) {
	for _, kind := range []genKind{genTransport, genGeneral, genDegenerate, genShort} {
		for _, n := range []int{5, 20, 80} {
			for seed := range uint64(4) {
				t.Run(describe(kind, n, seed), func(t *testing.T) {
					checkWarm(t, genInstance(kind, n, seed), seed)
				})
			}
		}
	}
}

func checkWarm(t *testing.T, in *instance, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 99))
	g := in.graph()
	if _, err := g.Solve(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := len(in.src)
	for step := range 12 {
		if m == 0 {
			return
		}
		for range 1 + r.IntN(3) {
			a := r.IntN(m)
			switch r.IntN(5) {
			case 0: // close
				in.capa[a] = 0
				g.SetCapacity(int32(a), 0)
			case 1: // shrink or grow
				c := int64(r.IntN(40))
				if in.cost[a] >= 0 && r.IntN(3) == 0 {
					c = Inf
				}
				in.capa[a] = c
				g.SetCapacity(int32(a), c)
			case 2:
				c := int64(r.IntN(100))
				if in.capa[a] != Inf && r.IntN(3) == 0 {
					c = -c
				}
				in.cost[a] = c
				g.SetCost(int32(a), c)
			case 3: // move supply between two nodes
				u, v := r.IntN(in.n), r.IntN(in.n)
				d := int64(r.IntN(10))
				in.supply[u] += d
				in.supply[v] -= d
				g.SetSupply(int32(u), in.supply[u])
				g.SetSupply(int32(v), in.supply[v])
			default: // a large cost (big-M must grow)
				c := int64(1_000_000 + r.IntN(1000))
				in.cost[a] = c
				g.SetCost(int32(a), c)
			}
		}
		st, err := g.Solve(context.Background())
		if err != nil {
			t.Fatalf("step %d: warm: %v", step, err)
		}
		cold := in.graph()
		cst, err := cold.Solve(context.Background())
		if err != nil {
			t.Fatalf("step %d: cold: %v", step, err)
		}
		if st != cst {
			t.Fatalf("step %d: warm %v, cold %v", step, st, cst)
		}
		if st == Optimal {
			if !g.Stats().Warm {
				t.Fatalf("step %d: did not start warm", step)
			}
			if g.TotalCost() != cold.TotalCost() {
				t.Fatalf("step %d: warm cost %d, cold %d", step, g.TotalCost(), cold.TotalCost())
			}
			if err := checkCertificate(in, g); err != nil {
				t.Fatalf("step %d: warm certificate: %v", step, err)
			}
		}
		if ref, refCost, err := refSolve(in); err == nil && (ref != st || (st == Optimal && refCost != g.TotalCost())) {
			t.Fatalf("step %d: warm %v/%d, reference %v/%d", step, st, g.TotalCost(), ref, refCost)
		}
	}
}

// TestWarmCityClose is the site-selection pattern at a realistic size:
// close a school, re-solve warm, reopen it, re-solve warm; the costs must
// match cold solves and the warm solves must need fewer pivots than a cold
// one.
func TestWarmCityClose(t *testing.T) {
	in := cityInstance(3000, 60, 8, 5)
	g := in.graph()
	if st, err := g.Solve(context.Background()); err != nil || st != Optimal {
		t.Fatalf("cold: %v, %v", st, err)
	}
	coldPivots := g.Stats().Pivots
	base := g.TotalCost()
	schoolArc := int32(len(in.src) - 61) // first school → sink arc
	for j := range int32(5) {
		a := schoolArc + j*7
		seats := in.capa[a]
		in.capa[a] = 0
		g.SetCapacity(a, 0)
		st, err := g.Solve(context.Background())
		if err != nil || st != Optimal {
			t.Fatalf("close %d: %v, %v", j, st, err)
		}
		cold := in.graph()
		if _, err := cold.Solve(context.Background()); err != nil {
			t.Fatal(err)
		}
		if g.TotalCost() != cold.TotalCost() {
			t.Fatalf("close %d: warm %d, cold %d", j, g.TotalCost(), cold.TotalCost())
		}
		if err := checkCertificate(in, g); err != nil {
			t.Fatal(err)
		}
		if p := g.Stats().Pivots; p >= coldPivots {
			t.Errorf("close %d: warm pivots %d ≥ cold %d", j, p, coldPivots)
		}
		in.capa[a] = seats
		g.SetCapacity(a, seats)
		if st, err := g.Solve(context.Background()); err != nil || st != Optimal || g.TotalCost() != base {
			t.Fatalf("reopen %d: %v, %v, cost %d want %d", j, st, err, g.TotalCost(), base)
		}
	}
}

// TestPotentialRecentring forces the potentials to be re-centred after every
// root-side update and checks the answers are unchanged.
func TestPotentialRecentring(t *testing.T) {
	old := potentialDrift
	potentialDrift = 0
	defer func() { potentialDrift = old }()
	for seed := range uint64(4) {
		checkAgainstReference(t, genInstance(genTransport, 150, seed))
		checkAgainstReference(t, genInstance(genGeneral, 60, seed))
	}
}

// TestAccessors covers the small read-only API and ResetWarmStart.
func TestAccessors(t *testing.T) {
	g := NewGraph(3, 2)
	a := g.AddArc(0, 1, 5, 2)
	b := g.AddArc(1, 2, Inf, 3)
	g.SetSupply(0, 4)
	g.SetSupply(2, -4)
	if g.NumNodes() != 3 || g.NumArcs() != 2 || g.Supply(0) != 4 || g.Supply(9) != 0 {
		t.Fatalf("counts/supply: %d %d %d", g.NumNodes(), g.NumArcs(), g.Supply(0))
	}
	if from, to, c, k, ok := g.Arc(b); !ok || from != 1 || to != 2 || c != Inf || k != 3 {
		t.Fatalf("Arc(%d) = %d %d %d %d %v", b, from, to, c, k, ok)
	}
	if _, _, _, _, ok := g.Arc(7); ok {
		t.Fatal("Arc(7) ok on a 2-arc graph")
	}
	if g.Status() != NotSolved || g.Flow(a) != 0 {
		t.Fatal("state before Solve")
	}
	for i, wantWarm := range []bool{false, true, false} {
		if i == 2 {
			g.ResetWarmStart()
		}
		st, err := g.Solve(context.Background())
		if err != nil || st != Optimal || g.Status() != Optimal || g.TotalCost() != 20 {
			t.Fatalf("solve %d: %v %v %v %d", i, st, err, g.Status(), g.TotalCost())
		}
		if g.Stats().Warm != wantWarm {
			t.Fatalf("solve %d: warm %v, want %v", i, g.Stats().Warm, wantWarm)
		}
		if i == 1 && g.Stats().Pivots != 0 {
			t.Fatalf("unchanged re-solve took %d pivots", g.Stats().Pivots)
		}
	}
	for st, want := range map[Status]string{NotSolved: "not solved", Optimal: "optimal", Infeasible: "infeasible", Unbounded: "unbounded", Status(9): "status(9)"} {
		if st.String() != want {
			t.Errorf("%d.String() = %q, want %q", st, st.String(), want)
		}
	}
}

// TestNegativeUncapacitatedPaths: bounded instances with long, strongly
// negative uncapacitated paths must come out Optimal (not Unbounded) with a
// valid certificate, with and without the crash start. CBC confirms the
// optimal costs in TestAgainstCBC.
func TestNegativeUncapacitatedPaths(t *testing.T) {
	for seed := range uint64(60) {
		in := genInstance(genNegDAG, 10+int(seed%40), seed)
		for _, crash := range []bool{true, false} {
			g := in.graph()
			g.noCrash = !crash
			st, err := g.Solve(context.Background())
			if err != nil || st != Optimal {
				t.Fatalf("seed %d crash=%v: %v, %v", seed, crash, st, err)
			}
			if err := checkCertificate(in, g); err != nil {
				t.Fatalf("seed %d crash=%v: %v", seed, crash, err)
			}
		}
	}
}
