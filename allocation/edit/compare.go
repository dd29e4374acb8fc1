package edit

import (
	"context"
	"encoding/json"
	"fmt"

	"catchment/allocation"
	"catchment/data"
	"catchment/geo"
)

// Comparison is the difference between two revisions (or any two zonings
// of the same dataset): the units and pupils that change zone school, and
// the zone-determined indicators of both with their deltas.
type Comparison struct {
	From   int                             `json:"from_revision"`
	To     int                             `json:"to_revision"`
	Stages [data.NumStages]StageComparison `json:"stages"`
}

// StageComparison is one stage of a Comparison. Units and Pupils count
// the units with pupils whose zone school differs (a unit zoned in one
// revision only counts too); Changes lists them by unit order.
type StageComparison struct {
	Stage   string       `json:"stage"`
	Units   int          `json:"units"`
	Pupils  int          `json:"pupils"`
	Changes []UnitChange `json:"changes"`
	// From and To are the indicators of both sides; Delta maps every
	// numeric indicator name (JSON name) to To − From.
	From  StageIndicators    `json:"from"`
	To    StageIndicators    `json:"to"`
	Delta map[string]float64 `json:"delta"`
}

// UnitChange is a unit whose zone school differs; "" means no zone.
type UnitChange struct {
	UnitID string `json:"unit_id"`
	From   string `json:"from_school_id"`
	To     string `json:"to_school_id"`
	Pupils int    `json:"pupils"`
}

// Compare compares revisions a and b (0: the head).
func (s *Session) Compare(ctx context.Context, a, b int) (*Comparison, error) {
	za, err := s.Zones(ctx, a)
	if err != nil {
		return nil, err
	}
	zb, err := s.Zones(ctx, b)
	if err != nil {
		return nil, err
	}
	c, err := CompareZones(s.ds, s.pol, s.metric, s.adj, za, zb)
	if err != nil {
		return nil, err
	}
	c.From, c.To = a, b
	return c, nil
}

// CompareZones compares two zonings of ds (see Comparison).
func CompareZones(ds *data.Dataset, pol allocation.Policy, metric geo.Metric, adjacency [][]int32, a, b [data.NumStages][]int32) (*Comparison, error) {
	ea, err := NewEvaluator(ds, pol, metric, adjacency, a)
	if err != nil {
		return nil, fmt.Errorf("edit: compare: %w", err)
	}
	eb, err := NewEvaluator(ds, pol, metric, adjacency, b)
	if err != nil {
		return nil, fmt.Errorf("edit: compare: %w", err)
	}
	ia, ib := ea.Snapshot(), eb.Snapshot()
	out := &Comparison{}
	for st := range data.NumStages {
		sc := StageComparison{Stage: data.Stage(st).String(), From: ia.Stages[st], To: ib.Stages[st], Changes: []UnitChange{}}
		for u := range ds.Units {
			n := ds.Units[u].Pupils[st]
			x, y := ea.Zone(data.Stage(st), int32(u)), eb.Zone(data.Stage(st), int32(u))
			if x == y || n == 0 {
				continue
			}
			ch := UnitChange{UnitID: ds.Units[u].ID, Pupils: n}
			if x >= 0 {
				ch.From = ds.Schools[x].ID
			}
			if y >= 0 {
				ch.To = ds.Schools[y].ID
			}
			sc.Changes = append(sc.Changes, ch)
			sc.Units++
			sc.Pupils += n
		}
		sc.Delta, err = delta(sc.From, sc.To)
		if err != nil {
			return nil, err
		}
		out.Stages[st] = sc
	}
	return out, nil
}

// delta subtracts the numeric JSON fields of two stage indicators.
func delta(a, b StageIndicators) (map[string]float64, error) {
	ma, err := numeric(a)
	if err != nil {
		return nil, err
	}
	mb, err := numeric(b)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(ma))
	for k, v := range mb {
		out[k] = v - ma[k]
	}
	return out, nil
}

func numeric(x StageIndicators) (map[string]float64, error) {
	b, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for k, v := range m {
		if f, ok := v.(float64); ok {
			out[k] = f
		}
	}
	return out, nil
}
