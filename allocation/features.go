package allocation

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"catchment/data"
)

// Dissolver merges unit cells into zone polygons (geo/cells' Tessellation
// is one): labels[u] is unit u's zone in [0, nzones) or -1, and the result
// has one Polygon or MultiPolygon per zone, nil for empty zones.
type Dissolver interface {
	Dissolve(labels []int32, nzones int) ([]orb.Geometry, error)
}

// ZoneFeatures returns the zones of stage st as a GeoJSON FeatureCollection,
// one Feature per school with a zone, ordered by school index, with the
// properties of FORMATS.md: school_id, school_name, stage, pupils, seats,
// utilization, units.
func ZoneFeatures(p *Plan, d Dissolver, st data.Stage) (*geojson.FeatureCollection, error) {
	ds := p.Dataset
	zone := p.Stages[st].Zone
	geoms, err := d.Dissolve(zone, len(ds.Schools))
	if err != nil {
		return nil, fmt.Errorf("zones of %s: %w", st, err)
	}
	pupils := make([]int, len(ds.Schools))
	units := make([]int, len(ds.Schools))
	for u, s := range zone {
		if s >= 0 {
			pupils[s] += ds.Units[u].Pupils[st]
			units[s]++
		}
	}
	fc := geojson.NewFeatureCollection()
	for s, g := range geoms {
		if g == nil {
			continue
		}
		sc := &ds.Schools[s]
		f := geojson.NewFeature(g)
		f.Properties["school_id"] = sc.ID
		f.Properties["school_name"] = sc.Name
		f.Properties["stage"] = st.String()
		f.Properties["pupils"] = pupils[s]
		f.Properties["seats"] = sc.Seats[st]
		util := 0.0
		if sc.Seats[st] > 0 {
			util = math.Round(float64(pupils[s])/float64(sc.Seats[st])*1000) / 1000
		}
		f.Properties["utilization"] = util
		f.Properties["units"] = units[s]
		fc.Append(f)
	}
	return fc, nil
}
