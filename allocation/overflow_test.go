package allocation

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"catchment/data"
	"catchment/geo"
)

// overflowInstance builds a random overflow placement problem on a planar
// city: every unit overflows some residents and migrants (a few groups
// without a zone), schools have a random share of their seats used, and
// some schools are purchased-place schools. seatFactor scales the free
// seats against the overflow (below 1: some pupils stay unplaced).
func overflowInstance(seed uint64, nSchools, nUnits int, seatFactor float64) (*data.Dataset, []overflowGroup, []int64) {
	ds := randomCity(seed, nSchools, nUnits, 10_000, 1.0)
	r := rand.New(rand.NewPCG(seed, 99))
	for i := range ds.Schools {
		if r.IntN(5) == 0 {
			ds.Schools[i].Ownership = data.Purchased
			ds.Schools[i].PurchasedSeats = 1 + r.IntN(30)
		}
	}
	used := make([]int64, len(ds.Schools))
	var over int64
	var groups []overflowGroup
	for u := range ds.Units {
		un := &ds.Units[u]
		p := int64(un.Pupils[data.Primary])
		if p == 0 {
			continue
		}
		n := 1 + r.Int64N(p)
		m := min(n, int64(un.Migrants[data.Primary]))
		zone := int32(r.IntN(len(ds.Schools)))
		if r.IntN(10) == 0 {
			zone = -1
		}
		groups = append(groups, overflowGroup{unit: int32(u), pupils: n, migrants: m, zone: zone})
		over += n
	}
	var seats int64
	for i := range ds.Schools {
		seats += int64(ds.Schools[i].Seats[data.Primary])
	}
	// Use seats so that the free ones total about seatFactor × overflow.
	usedShare := math.Max(0, 1-seatFactor*float64(over)/float64(max(seats, 1)))
	for i := range ds.Schools {
		s := int64(ds.Schools[i].Seats[data.Primary])
		used[i] = min(s, int64(float64(s)*usedShare*(0.5+r.Float64())))
	}
	return ds, groups, used
}

// checkOverflow asserts a placement keeps every group's pupils and
// migrants, fills no pool beyond its free seats, and puts residents only
// at public free seats.
func checkOverflow(t *testing.T, ds *data.Dataset, groups []overflowGroup, used []int64, out []Placement) {
	t.Helper()
	pupils, migrants := map[int32]int64{}, map[int32]int64{}
	for _, g := range groups {
		pupils[g.unit] += g.pupils
		migrants[g.unit] += g.migrants
	}
	public := make([]int64, len(ds.Schools))    // residents + migrants at public seats
	purchased := make([]int64, len(ds.Schools)) // migrants beyond them
	for _, pl := range out {
		pupils[pl.Unit] -= int64(pl.Pupils)
		migrants[pl.Unit] -= int64(pl.Migrants)
		if pl.Migrants > pl.Pupils || pl.Migrants < 0 {
			t.Fatalf("placement %+v: bad migrant count", pl)
		}
		if pl.School >= 0 {
			public[pl.School] += int64(pl.Pupils)
		}
	}
	for u, n := range pupils {
		if n != 0 || migrants[u] != 0 {
			t.Fatalf("unit %d: %d pupils and %d migrants not accounted for", u, n, migrants[u])
		}
	}
	for s := range ds.Schools {
		sc := &ds.Schools[s]
		free := int64(0)
		if sc.Zoneable(data.Primary) {
			free = max(0, int64(sc.Seats[data.Primary])-used[s])
		}
		if public[s] > free {
			purchased[s] = public[s] - free
		}
		if purchased[s] > 0 && (sc.Ownership != data.Purchased || purchased[s] > purchasedSeats(sc, data.Primary)) {
			t.Fatalf("school %d: %d pupils beyond its %d free seats", s, public[s], free)
		}
	}
}

// TestPlaceOverflowAgainstReference compares placeOverflow's cost with the
// flow over every group × pool arc (placeOverflowRef, whose rows of 32
// nearest pools list every pool on instances with at most 32 pools) and,
// on larger instances where that reference is only a heuristic, checks the
// certified placement never costs more.
func TestPlaceOverflowAgainstReference(t *testing.T) {
	cases := []struct {
		schools, units int
		seatFactor     float64
		exact          bool    // the reference lists every pool
		detour         float64 // > 0: a non-straight metric, detour × straight line
	}{
		{3, 20, 1.5, true, 0},
		{12, 150, 1.2, true, 0},
		{15, 300, 0.8, true, 0}, // some pupils stay unplaced
		{15, 300, 3, true, 0},
		{15, 300, 1.1, true, 1.4}, // pricing measures probes in batches
		{80, 1500, 1.1, false, 0},
		{120, 2000, 0.9, false, 0},
		{80, 1500, 1.1, false, 1.3},
	}
	for _, tc := range cases {
		var metric geo.Metric = geo.StraightLine(true)
		if tc.detour > 0 {
			metric = detourMetric{metric, tc.detour}
		}
		for seed := uint64(1); seed <= 4; seed++ {
			t.Run(fmt.Sprintf("s%d_u%d_f%g_d%g_seed%d", tc.schools, tc.units, tc.seatFactor, tc.detour, seed), func(t *testing.T) {
				ds, groups, used := overflowInstance(seed, tc.schools, tc.units, tc.seatFactor)
				ctx := context.Background()
				got, cost, err := placeOverflow(ctx, ds, data.Primary, metric, groups, used)
				if err != nil {
					t.Fatal(err)
				}
				checkOverflow(t, ds, groups, used, got)
				ref, refCost, err := placeOverflowRef(ctx, ds, data.Primary, metric, groups, used)
				if err != nil {
					t.Fatal(err)
				}
				unplaced := func(ps []Placement) (n int64) {
					for _, p := range ps {
						if p.Kind == Unplaced {
							n += int64(p.Pupils)
						}
					}
					return n
				}
				var pupils int64
				for _, g := range groups {
					pupils += g.pupils
				}
				// Costs are optimised rounded to 1/costScale m per pupil.
				tol := float64(pupils)/costScale + 1e-6
				u, ru := unplaced(got), unplaced(ref)
				if u > ru || (tc.exact && u != ru) {
					t.Fatalf("%d pupils unplaced, reference %d", u, ru)
				}
				// The objective: placed pupils' cost plus unplacedMeters each.
				obj, refObj := cost+float64(u)*unplacedMeters, refCost+float64(ru)*unplacedMeters
				if obj > refObj+tol || (tc.exact && math.Abs(obj-refObj) > tol) {
					t.Fatalf("cost %.1f, reference %.1f (tolerance %.1f)", cost, refCost, tol)
				}
			})
		}
	}
}

// detourMetric is a metric other than the straight line (so pricing takes
// the measured-probe path), detour times the straight line, which stays a
// lower bound of it as the pricing requires.
type detourMetric struct {
	base   geo.Metric
	detour float64
}

func (m detourMetric) Name() string { return "detour" }

func (m detourMetric) Meters(a, b orb.Point) float64 { return m.detour * m.base.Meters(a, b) }

func (m detourMetric) Nearest(ctx context.Context, origins, dests []orb.Point, k int) (*geo.Candidates, error) {
	c, err := m.base.Nearest(ctx, origins, dests, k)
	if err != nil {
		return nil, err
	}
	for i := range c.Meters {
		c.Meters[i] *= m.detour
	}
	for i := range c.Beyond {
		c.Beyond[i] *= m.detour
	}
	return c, nil
}

// TestPlaceOverflowCancelled checks a cancelled context stops the
// placement with the context's error.
func TestPlaceOverflowCancelled(t *testing.T) {
	ds, groups, used := overflowInstance(1, 20, 400, 1.1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := placeOverflow(ctx, ds, data.Primary, geo.StraightLine(true), groups, used)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
