package roads

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// TestNearestPricedBruteForce checks the priced k-label search against
// Meters for every origin–destination pair: each row lists the k least
// distance + price, in order, with exact distances, and Beyond bounds
// every unlisted destination's sum.
func TestNearestPricedBruteForce(t *testing.T) {
	for _, tc := range []struct {
		seed    uint64
		k       int
		penalty float64
		scale   float64 // prices are uniform in [0, scale)
	}{
		{1, 1, 0, 0},
		{2, 3, 0, 400},
		{3, 4, 80, 1500},
		{4, 8, 0, 5000},
		{5, 40, 0, 300}, // every destination
	} {
		t.Run(fmt.Sprintf("k=%d/pen=%g/scale=%g", tc.k, tc.penalty, tc.scale), func(t *testing.T) {
			m, rng := randomTown(t, tc.seed)
			nw := m.network(t, Options{MajorCrossingPenaltyMeters: tc.penalty, MaxSnapMeters: 60, MaxWalkMeters: 300})
			origins := randomPoints(rng, 50)
			dests := randomPoints(rng, 30)
			price := make([]float64, len(dests))
			for j := range price {
				price[j] = rng.Float64() * tc.scale
			}
			c, err := nw.NearestPriced(context.Background(), origins, dests, price, tc.k)
			if err != nil {
				t.Fatal(err)
			}
			const eps = 1e-6
			for i, o := range origins {
				sum := make([]float64, len(dests))
				reach := 0
				for j, d := range dests {
					sum[j] = nw.Meters(o, d) + price[j]
					if !math.IsInf(sum[j], 1) {
						reach++
					}
				}
				dest, meters := c.Row(i)
				if want := min(tc.k, reach); len(dest) != want {
					t.Fatalf("origin %d: %d listed, want %d", i, len(dest), want)
				}
				listed := map[int32]bool{}
				for x, j := range dest {
					listed[j] = true
					if got := meters[x] + price[j]; math.Abs(got-sum[j]) > eps*math.Max(1, sum[j]) {
						t.Fatalf("origin %d dest %d: %v + %v, Meters says %v", i, j, meters[x], price[j], sum[j]-price[j])
					}
					if x > 0 && meters[x]+price[j] < meters[x-1]+price[dest[x-1]]-eps {
						t.Fatalf("origin %d: row not in order of distance + price", i)
					}
				}
				for j := range dests {
					if !listed[int32(j)] && sum[j] < c.Beyond[i]-eps*math.Max(1, sum[j]) {
						t.Fatalf("origin %d: unlisted dest %d at %v below Beyond %v", i, j, sum[j], c.Beyond[i])
					}
				}
			}
		})
	}
}

// TestNearestPricedRejects bad prices.
func TestNearestPricedRejects(t *testing.T) {
	m, rng := randomTown(t, 7)
	nw := m.network(t, Options{MaxSnapMeters: 60})
	origins, dests := randomPoints(rng, 3), randomPoints(rng, 2)
	for _, price := range [][]float64{{1}, {0, -1}, {math.NaN(), 0}, {math.Inf(1), 0}} {
		if _, err := nw.NearestPriced(context.Background(), origins, dests, price, 1); err == nil {
			t.Errorf("prices %v accepted", price)
		}
	}
}
