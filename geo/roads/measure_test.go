package roads

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"catchment/geo"
)

// TestPairsMatchRoute checks Pairs against Route (an A* search per pair,
// itself checked against a reference Dijkstra) on random towns: cost,
// walked metres and crossings agree for every pair within its limit, pairs
// above it are +Inf or exact, and unreachable pairs are +Inf.
func TestPairsMatchRoute(t *testing.T) {
	for _, tc := range []struct {
		seed    uint64
		penalty float64
		barrier float64 // barrier penalty; < 0 for a town without river and railway
		limit   float64 // per-pair limit; +Inf for none
		workers int
	}{
		{1, 0, -1, math.Inf(1), 1},
		{2, 0, -1, math.Inf(1), 2},
		{3, 120, -1, math.Inf(1), 2},
		{4, 0, -1, 600, 2},
		{5, 60, -1, 900, 3},
		{6, 0, -1, 0, 1},
		{7, 0, 0, math.Inf(1), 2},
		{8, 0, 300, math.Inf(1), 2},
		{9, 50, 700, 1500, 2},
	} {
		t.Run(fmt.Sprintf("seed=%d/pen=%g/barrier=%g/limit=%g", tc.seed, tc.penalty, tc.barrier, tc.limit), func(t *testing.T) {
			m, rng := randomTown(t, tc.seed)
			if tc.barrier >= 0 {
				m = riverTown(t, tc.seed)
			}
			nw := m.network(t, Options{MajorCrossingPenaltyMeters: tc.penalty, BarrierPenaltyMeters: max(tc.barrier, 0),
				MaxSnapMeters: 60, Workers: tc.workers})
			origins := randomPoints(rng, 60)
			dests := randomPoints(rng, 12)
			dests = append(dests, dests[0], origins[5]) // a twin school; a school at a unit
			var pairs []geo.Pair
			for i := range origins {
				for j := range dests {
					if rng.IntN(3) == 0 {
						pairs = append(pairs, geo.Pair{Origin: int32(i), Dest: int32(j), Limit: tc.limit})
					}
				}
			}
			pairs = append(pairs, geo.Pair{Origin: 5, Dest: int32(len(dests) - 1), Limit: tc.limit})
			got, err := nw.Pairs(context.Background(), origins, dests, pairs)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(pairs) {
				t.Fatalf("%d results for %d pairs", len(got), len(pairs))
			}
			const eps = 1e-6
			var exact, dropped, barriers int
			for x, p := range pairs {
				r := got[x]
				want, err := nw.Route(origins[p.Origin], dests[p.Dest])
				if errors.Is(err, ErrUnreachable) {
					if !math.IsInf(r.Cost, 1) || !math.IsInf(r.Meters, 1) {
						t.Fatalf("pair %v: unreachable, Pairs says %+v", p, r)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if math.IsInf(r.Cost, 1) {
					if want.Cost <= p.Limit*(1-eps) {
						t.Fatalf("pair %v: +Inf, Route costs %v within limit %v", p, want.Cost, p.Limit)
					}
					dropped++
					continue
				}
				if r.Cost > p.Limit {
					t.Fatalf("pair %v: cost %v above limit %v", p, r.Cost, p.Limit)
				}
				exact++
				if math.Abs(r.Cost-want.Cost) > eps*math.Max(1, want.Cost) {
					t.Fatalf("pair %v: cost %v, Route %v", p, r.Cost, want.Cost)
				}
				if math.Abs(r.Cost-nw.Meters(origins[p.Origin], dests[p.Dest])) > eps*math.Max(1, want.Cost) {
					t.Fatalf("pair %v: cost %v, Meters %v", p, r.Cost, want.Cost)
				}
				if tc.penalty == 0 && math.Abs(r.Meters-want.Meters) > eps*math.Max(1, want.Meters) {
					t.Fatalf("pair %v: metres %v, Route %v", p, r.Meters, want.Meters)
				}
				// With penalties several paths may tie on cost with
				// different lengths; the metres are still those of a path
				// of that cost: between the straight line and the cost.
				if r.Meters > r.Cost+eps || r.Meters < want.Straight*(1-eps) {
					t.Fatalf("pair %v: metres %v outside [straight %v, cost %v]", p, r.Meters, want.Straight, r.Cost)
				}
				if tc.penalty == 0 && int(r.Crossings) != want.MajorCrossings {
					t.Fatalf("pair %v: %d crossings, Route %d", p, r.Crossings, want.MajorCrossings)
				}
				if r.Barriers < 0 || r.Crossings < 0 {
					t.Fatalf("pair %v: unknown counts %+v", p, r)
				}
				// Without major-road penalties the cost is the metres plus
				// the barrier penalty per barrier crossed, whichever
				// cheapest path was taken.
				if tc.penalty == 0 {
					near(t, "cost − metres", r.Cost-r.Meters, max(tc.barrier, 0)*float64(r.Barriers), 1e-3)
				}
				if tc.penalty == 0 && tc.barrier > 0 && int(r.Barriers) != want.BarrierCrossings {
					t.Fatalf("pair %v: %d barriers, Route %d", p, r.Barriers, want.BarrierCrossings)
				}
				barriers += int(r.Barriers)
			}
			if tc.barrier >= 0 && barriers == 0 {
				t.Fatalf("no pair crosses the river or the railway")
			}
			if tc.limit > 0 && exact == 0 {
				t.Fatalf("no pair answered exactly (%d dropped)", dropped)
			}
			if !math.IsInf(tc.limit, 1) && dropped == 0 {
				t.Fatalf("limit %v dropped no pair: the test does not exercise it", tc.limit)
			}
		})
	}
}

// TestPairsEmptyAndCancelled: no pairs is no work; a cancelled context
// returns its error.
func TestPairsEmptyAndCancelled(t *testing.T) {
	m, rng := randomTown(t, 9)
	nw := m.network(t, Options{MaxSnapMeters: 60})
	origins, dests := randomPoints(rng, 5), randomPoints(rng, 3)
	got, err := nw.Pairs(context.Background(), origins, dests, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("no pairs: %v, %v", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := nw.Pairs(ctx, origins, dests, []geo.Pair{{Origin: 0, Dest: 0, Limit: math.Inf(1)}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v", err)
	}
}

// TestMeasurePairsUsesBatch checks that geo.MeasurePairs answers with the
// network's batch (crossings known) and agrees with Meters.
func TestMeasurePairsUsesBatch(t *testing.T) {
	m, rng := randomTown(t, 11)
	nw := m.network(t, Options{MaxSnapMeters: 60})
	origins, dests := randomPoints(rng, 20), randomPoints(rng, 4)
	var pairs []geo.Pair
	for i := range origins {
		pairs = append(pairs, geo.Pair{Origin: int32(i), Dest: int32(i % len(dests)), Limit: math.Inf(1)})
	}
	got, err := geo.MeasurePairs(context.Background(), nw, origins, dests, pairs)
	if err != nil {
		t.Fatal(err)
	}
	for x, p := range pairs {
		want := nw.Meters(origins[p.Origin], dests[p.Dest])
		if math.IsInf(want, 1) != math.IsInf(got[x].Cost, 1) || (!math.IsInf(want, 1) && math.Abs(want-got[x].Cost) > 1e-6*want) {
			t.Fatalf("pair %v: %v, Meters %v", p, got[x].Cost, want)
		}
		if !math.IsInf(want, 1) && got[x].Crossings < 0 {
			t.Fatalf("pair %v: crossings unknown from the walking network", p)
		}
	}
}

// BenchmarkPairsAndorra measures a batch of 2,000 unit–school pairs on the
// Andorra extract: one search per school against one A* per pair.
func BenchmarkPairsAndorra(b *testing.B) {
	g, schools := andorra(b)
	nw, err := NewNetwork(g, Options{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var origins []orb.Point
	for range 2000 {
		c := g.Node(rng.IntN(g.NumNodes())).Point
		origins = append(origins, c)
	}
	pairs := make([]geo.Pair, len(origins))
	for i := range pairs {
		pairs[i] = geo.Pair{Origin: int32(i), Dest: int32(rng.IntN(len(schools))), Limit: math.Inf(1)}
	}
	b.Run("Pairs", func(b *testing.B) {
		for b.Loop() {
			if _, err := nw.Pairs(context.Background(), origins, schools, pairs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Meters", func(b *testing.B) {
		for b.Loop() {
			for _, p := range pairs {
				nw.Meters(origins[p.Origin], schools[p.Dest])
			}
		}
	})
}
