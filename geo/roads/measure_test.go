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
// walked metres, crossings and barrier kinds agree for every pair within
// its limit, pairs above it are +Inf or exact, and unreachable pairs are
// +Inf.
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
			var kinds geo.BarrierKind // seen on any pair
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
				if tc.penalty == 0 && tc.barrier > 0 && r.BarrierKinds != want.BarrierKinds {
					t.Fatalf("pair %v: barrier kinds %v, Route %v", p, r.BarrierKinds, want.BarrierKinds)
				}
				if (r.BarrierKinds == 0) != (r.Barriers == 0) || r.BarrierKinds&^geo.AllBarrierKinds != 0 {
					t.Fatalf("pair %v: %d barriers of kinds %v", p, r.Barriers, r.BarrierKinds)
				}
				if (want.BarrierKinds == 0) != (want.BarrierCrossings == 0) {
					t.Fatalf("pair %v: Route crosses %d barriers of kinds %v", p, want.BarrierCrossings, want.BarrierKinds)
				}
				barriers += int(r.Barriers)
				kinds |= r.BarrierKinds
			}
			if tc.barrier >= 0 && barriers == 0 {
				t.Fatalf("no pair crosses the river or the railway")
			}
			if tc.barrier > 0 && kinds != geo.BarrierWater|geo.BarrierRailway {
				t.Fatalf("pairs crossed barriers of kinds %v, want water|railway (the river town)", kinds)
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

// threeBarrierTown has a river (y = −200), a railway (y = 0, level
// crossings at X and XB) and a motorway (y = 200) running west–east across
// two north–south streets: A (x = 0), one chain from (0, −400) to
// (0, 400) with no junction between, and B (x = 600), split into short
// chains by dead-end side streets; streets along y = ±400 join their ends.
func threeBarrierTown() *mini {
	m := newMini()
	for _, y := range []float64{-400, -300, -100, 100, 300, 400} {
		m.node(fmt.Sprintf("A%g", y), 0, y)
		m.node(fmt.Sprintf("B%g", y), 600, y)
	}
	m.node("X", 0, 0)
	m.node("XB", 600, 0)
	m.way("highway=residential", "A-400", "A-300", "A-100", "X", "A100", "A300", "A400")
	m.way("highway=residential", "B-400", "B-300", "B-100", "XB", "B100", "B300", "B400")
	m.way("highway=residential", "A-400", "B-400")
	m.way("highway=residential", "A400", "B400")
	for _, y := range []float64{-300, -100, 100, 300} {
		m.node(fmt.Sprintf("E%g", y), 900, y)
		m.way("highway=service", fmt.Sprintf("B%g", y), fmt.Sprintf("E%g", y))
	}
	m.node("r1", -500, -200)
	m.node("r2", 1100, -200)
	m.way("waterway=river", "r1", "r2")
	m.node("t1", -500, 0)
	m.node("t2", 1100, 0)
	m.way("railway=rail", "t1", "X", "XB", "t2")
	m.node("m1", -500, 200)
	m.node("m2", 1100, 200)
	m.way("highway=motorway", "m1", "m2")
	return m
}

// TestBarrierKinds: Route and Pairs report which kinds of barrier a walk
// crosses — along one chain (from its ends and between two of its
// barriers), through the core, and for points snapped on either side of a
// barrier on the same edge — and they agree.
func TestBarrierKinds(t *testing.T) {
	const (
		W = geo.BarrierWater
		R = geo.BarrierRailway
		M = geo.BarrierMotorway
	)
	for _, pen := range []float64{0, 400} {
		nw := threeBarrierTown().network(t, Options{BarrierPenaltyMeters: pen, MaxSnapMeters: 60, Workers: 2})
		if got := nw.Graph().Stats().BarrierEdges; got != 6 {
			t.Fatalf("%d barrier edges, want 6 (each street crosses each barrier once)", got)
		}
		cases := []struct {
			name      string
			a, b      orb.Point
			crossings int
			kinds     geo.BarrierKind
		}{
			{"A: south end to between river and railway", pt(5, -350), pt(5, -150), 1, W},
			{"A: across the level crossing only", pt(5, -50), pt(5, 50), 1, R},
			{"A: between river and railway to between railway and motorway", pt(5, -150), pt(5, 150), 1, R},
			{"A: between river and railway to the north end", pt(5, -150), pt(5, 350), 2, R | M},
			{"A: end to end", pt(5, -350), pt(5, 350), 3, W | R | M},
			{"A: both sides of the river on its bridge edge", pt(5, -250), pt(5, -180), 1, W},
			{"A: one side of the river on its bridge edge", pt(5, -290), pt(5, -210), 0, 0},
			{"B: end to end through its junctions", pt(595, -350), pt(595, 350), 3, W | R | M},
			{"B: over the motorway only", pt(595, 150), pt(595, 250), 1, M},
			{"A to B round the south", pt(5, -350), pt(605, 150), 2, W | R},
			{"side street to side street", pt(900, -100), pt(900, 300), 2, R | M},
			{"no barrier", pt(5, -390), pt(605, -390), 0, 0},
		}
		var origins, dests []orb.Point
		var pairs []geo.Pair
		for i, tc := range cases {
			origins, dests = append(origins, tc.a), append(dests, tc.b)
			pairs = append(pairs, geo.Pair{Origin: int32(i), Dest: int32(i), Limit: math.Inf(1)})
		}
		got, err := nw.Pairs(context.Background(), origins, dests, pairs)
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range cases {
			t.Run(fmt.Sprintf("pen=%g/%s", pen, tc.name), func(t *testing.T) {
				r, err := nw.Route(tc.a, tc.b)
				if err != nil {
					t.Fatal(err)
				}
				if r.BarrierCrossings != tc.crossings || r.BarrierKinds != tc.kinds {
					t.Errorf("Route: %d crossings of %v, want %d of %v (path %v)", r.BarrierCrossings, r.BarrierKinds, tc.crossings, tc.kinds, r.Path)
				}
				if p := got[i]; int(p.Barriers) != tc.crossings || p.BarrierKinds != tc.kinds {
					t.Errorf("Pairs: %d crossings of %v, want %d of %v", p.Barriers, p.BarrierKinds, tc.crossings, tc.kinds)
				}
				// The reverse direction crosses the same.
				back, err := nw.Pairs(context.Background(), []orb.Point{tc.b}, []orb.Point{tc.a}, []geo.Pair{{Limit: math.Inf(1)}})
				if err != nil {
					t.Fatal(err)
				}
				if back[0].BarrierKinds != tc.kinds {
					t.Errorf("Pairs reversed: kinds %v, want %v", back[0].BarrierKinds, tc.kinds)
				}
			})
		}
	}
}
