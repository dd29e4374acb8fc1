package allocation_test

import (
	"context"
	"fmt"
	"testing"

	"catchment/allocation"
	"catchment/data"
)

// BenchmarkFromZones evaluates the demo city's current (hand-drawn) zoning
// with allocation.FromZones: zone routes, overflow by priority tier and
// the min-cost placement of the overflow at free seats, which dominates.
// It reports CPU seconds per op and the pupils placed as overflow.
//
//	go test -run '^$' -bench FromZones -benchtime 1x ./allocation
func BenchmarkFromZones(b *testing.B) {
	for _, pupils := range []int{200_000, 1_000_000} {
		b.Run(fmt.Sprintf("pupils=%d", pupils), func(b *testing.B) {
			c := cityOf(b, pupils)
			ds := &c.city.Dataset
			zones := allocation.CurrentZones(ds)
			var plan *allocation.Plan
			cpu0 := cpuSeconds()
			n := 0
			for b.Loop() {
				var err error
				plan, err = allocation.FromZones(context.Background(), ds, allocation.DefaultPolicy(), nil, c.adj, zones)
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric((cpuSeconds()-cpu0)/float64(n), "cpu-s/op")
			var over, unplaced int64
			for st := range data.NumStages {
				for _, pl := range plan.Stages[st].Placements {
					switch pl.Kind {
					case allocation.Overflow:
						over += int64(pl.Pupils)
					case allocation.Unplaced:
						unplaced += int64(pl.Pupils)
					}
				}
			}
			b.ReportMetric(float64(over), "overflow-pupils")
			b.ReportMetric(float64(unplaced), "unplaced-pupils")
		})
	}
}
