package allocation

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"catchment/data"
	"catchment/geo"
)

// kindMetric is the geodesic metric as a geo.PairMetric whose routes cross
// the barriers given per origin point.
type kindMetric struct {
	geo.Geodesic
	kinds map[orb.Point]geo.BarrierKind
}

func (m kindMetric) Name() string { return "walking" }

func (m kindMetric) Pairs(_ context.Context, origins, dests []orb.Point, pairs []geo.Pair) ([]geo.PairResult, error) {
	out := make([]geo.PairResult, len(pairs))
	for i, p := range pairs {
		d := m.Meters(origins[p.Origin], dests[p.Dest])
		k := m.kinds[origins[p.Origin]]
		n := 0
		for _, b := range geo.BarrierKinds {
			if k&b != 0 {
				n++
			}
		}
		out[i] = geo.PairResult{Cost: d, Meters: d, Crossings: 0, Barriers: int32(n), BarrierKinds: k}
	}
	return out, nil
}

// TestReportBarrierKinds: the report counts the pupils whose zone route
// crosses each kind of barrier (a pupil under every kind its route
// crosses), lists every kind whenever the metric knows barriers, and omits
// the split for straight-line plans.
func TestReportBarrierKinds(t *testing.T) {
	ds := &data.Dataset{Schools: []data.School{
		{ID: "S0", Loc: local(0, 0), Seats: [data.NumStages]int{data.Primary: 500}, Status: data.Open, Ownership: data.Public},
		{ID: "S1", Loc: local(1000, 0), Seats: [data.NumStages]int{data.Primary: 500}, Status: data.Open, Ownership: data.Public},
	}}
	units := []struct {
		x      float64
		pupils int
		kinds  geo.BarrierKind
	}{
		{100, 10, 0},
		{200, 20, geo.BarrierWater},
		{800, 30, geo.BarrierWater | geo.BarrierRailway},
		{900, 40, geo.BarrierMotorway},
		{950, 0, geo.BarrierRailway}, // no pupils: counts nowhere
	}
	m := kindMetric{kinds: map[orb.Point]geo.BarrierKind{}}
	zone := make([]int32, len(units))
	for i, u := range units {
		p := local(u.x, 50)
		ds.Units = append(ds.Units, data.Unit{ID: string(rune('a' + i)), Loc: p, Pupils: [data.NumStages]int{data.Primary: u.pupils}})
		m.kinds[p] = u.kinds
		zone[i] = int32(math.Round(u.x / 1000))
	}
	var zones [data.NumStages][]int32
	zones[data.Primary] = zone
	for _, tc := range []struct {
		name   string
		metric geo.Metric
		want   map[string]int // nil: omitted
		total  int
	}{
		{"walking", m, map[string]int{"water": 50, "railway": 30, "motorway": 40}, 90},
		{"straight line", geo.Geodesic{}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := FromZones(context.Background(), ds, DefaultPolicy(), tc.metric, nil, zones)
			if err != nil {
				t.Fatal(err)
			}
			sp := plan.Stages[data.Primary]
			if (sp.ZoneBarrierKinds == nil) != (sp.ZoneBarriers == nil) || (sp.ZoneBarrierKinds != nil && len(sp.ZoneBarrierKinds) != len(ds.Units)) {
				t.Fatalf("ZoneBarrierKinds %v with ZoneBarriers %v", sp.ZoneBarrierKinds, sp.ZoneBarriers)
			}
			for u := range sp.ZoneBarrierKinds {
				if geo.BarrierKind(sp.ZoneBarrierKinds[u]) != units[u].kinds {
					t.Errorf("unit %d: ZoneBarrierKinds %v, want %v", u, geo.BarrierKind(sp.ZoneBarrierKinds[u]), units[u].kinds)
				}
			}
			sr := plan.Report.Stages["primary"]
			if sr.BarrierCrossingPupils != tc.total || !maps.Equal(sr.BarrierCrossingPupilsByKind, tc.want) || (tc.want == nil) != (sr.BarrierCrossingPupilsByKind == nil) {
				t.Errorf("barrier_crossing_pupils %d by kind %v, want %d by kind %v", sr.BarrierCrossingPupils, sr.BarrierCrossingPupilsByKind, tc.total, tc.want)
			}
			js, err := json.Marshal(sr)
			if err != nil {
				t.Fatal(err)
			}
			if has := strings.Contains(string(js), `"barrier_crossing_pupils_by_kind":`); has != (tc.want != nil) {
				t.Errorf("report JSON has barrier_crossing_pupils_by_kind: %v, want %v: %s", has, tc.want != nil, js)
			}
		})
	}
}
