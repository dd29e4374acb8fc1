package roads

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/paulmach/orb"

	"catchment/geo"
)

var _ geo.PricedMetric = (*Network)(nil)

// NearestPriced implements geo.PricedMetric: for every origin, the k
// destinations with the least walking cost plus price[dest], by one k-label
// multi-source Dijkstra whose labels start at the destinations' prices
// (so its cost is that of Nearest with the same k, whatever the prices).
// It is unbounded: Options.MaxWalkMeters does not apply, so the rows and
// Beyond are exact over every reachable destination. Meters are the
// walking costs without the price; Crossings are filled as for Nearest.
// Prices must be finite and ≥ 0; k is capped at 255.
func (nw *Network) NearestPriced(ctx context.Context, origins, dests []orb.Point, price []float64, k int) (*geo.Candidates, error) {
	if len(price) != len(dests) {
		return nil, fmt.Errorf("roads: nearest priced: %d prices for %d destinations", len(price), len(dests))
	}
	for j, p := range price {
		if !(p >= 0) || math.IsInf(p, 1) {
			return nil, fmt.Errorf("roads: nearest priced: price %v of destination %d must be finite and ≥ 0", p, j)
		}
	}
	if k < 0 {
		return nil, fmt.Errorf("roads: nearest priced: k = %d must be ≥ 0", k)
	}
	k = min(k, len(dests), maxLabels)
	all := func(n int) []bool {
		b := make([]bool, n)
		for i := range b {
			b[i] = true
		}
		return b
	}
	osnap, ook := nw.snapSome(origins, all(len(origins)))
	dsnap, dok := nw.snapSome(dests, all(len(dests)))
	onChain := map[int32][]int32{}
	for j := range dests {
		if dok[j] {
			ch := nw.core.eChain[dsnap[j].Edge]
			onChain[ch] = append(onChain[ch], int32(j))
		}
	}
	lab, err := nw.kLabel(ctx, dsnap, dok, k, price, math.Inf(1))
	if err != nil {
		return nil, err
	}
	type row struct {
		dest   []int32
		meters []float64
		cross  []int32
	}
	rows := make([]row, len(origins))
	beyond := make([]float64, len(origins))
	var wg sync.WaitGroup
	workers := max(nw.opts.Workers, 1)
	chunk := max((len(origins)+workers-1)/workers, 1)
	for lo := 0; lo < len(origins); lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			var cs []cand
			for i := lo; i < hi; i++ {
				if i%4096 == 0 && ctx.Err() != nil {
					return
				}
				if !ook[i] || k == 0 {
					beyond[i] = math.Inf(1)
					continue
				}
				var b float64
				cs, b = nw.row(lab, k, osnap[i], dsnap, onChain, cs[:0], price, math.Inf(1))
				beyond[i] = b
				r := row{make([]int32, len(cs)), make([]float64, len(cs)), make([]int32, len(cs))}
				for x, c := range cs {
					// The label includes the price; the row reports the
					// walking cost alone (never below 0 after rounding).
					r.dest[x], r.meters[x], r.cross[x] = c.dest, math.Max(0, c.cost-price[c.dest]), c.cross
				}
				rows[i] = r
			}
		}(lo, min(lo+chunk, len(origins)))
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &geo.Candidates{Off: make([]int32, len(origins)+1), Beyond: beyond,
		Dest: []int32{}, Meters: []float64{}, Crossings: []int32{}}
	for i, r := range rows {
		c.Dest = append(c.Dest, r.dest...)
		c.Meters = append(c.Meters, r.meters...)
		c.Crossings = append(c.Crossings, r.cross...)
		c.Off[i+1] = int32(len(c.Dest))
	}
	return c, nil
}
