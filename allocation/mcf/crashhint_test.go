package mcf

import (
	"context"
	"math/rand/v2"
	"testing"
)

// TestCrashHintKeepsOptimum: arbitrary crash hints (random, negative,
// huge) change only the starting basis, never the optimum or its
// certificate.
func TestCrashHintKeepsOptimum(t *testing.T) {
	for _, kind := range []genKind{genTransport, genGeneral, genDegenerate, genShort} {
		for _, n := range []int{5, 13, 40, 120} {
			for seed := range uint64(4) {
				in := genInstance(kind, n, seed)
				t.Run(describe(kind, n, seed), func(t *testing.T) {
					wantSt, wantCost, err := refSolve(in)
					if err != nil {
						t.Fatal(err)
					}
					g := in.graph()
					r := rand.New(rand.NewPCG(seed, uint64(n)))
					for a := range int32(g.NumArcs()) {
						switch r.IntN(4) {
						case 0:
							g.SetCrashCost(a, -1-int64(r.IntN(100)))
						case 1:
							g.SetCrashCost(a, int64(r.IntN(1_000_000)))
						}
					}
					st, err := g.Solve(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					if st != wantSt {
						t.Fatalf("status %v, reference %v", st, wantSt)
					}
					if st == Optimal {
						if g.TotalCost() != wantCost {
							t.Fatalf("cost %d with crash hints, reference %d", g.TotalCost(), wantCost)
						}
						if err := checkCertificate(in, g); err != nil {
							t.Fatalf("certificate: %v", err)
						}
					}
				})
			}
		}
	}
	g := NewGraph(2, 1)
	g.SetCrashCost(5, 1)
	if g.Err() == nil {
		t.Error("SetCrashCost on a missing arc: no error recorded")
	}
}
