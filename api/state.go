package api

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"catchment/data"
)

// state is one published plan: the Snapshot and everything the read
// endpoints serve, encoded once. A state is never modified after
// newState returns; the Server swaps whole states.
type state struct {
	snap *Snapshot
	// info, report, publication, comparison are JSON documents.
	info        []byte
	report      []byte
	publication []byte
	comparison  []byte
	// zones per stage, schools and changes are GeoJSON documents.
	zones   [data.NumStages][]byte
	schools []byte
	changes []byte
	// collections are the OGC API – Features collections by id, in order.
	collections []*collection
	// names is the unit-name search index, sorted by lower-cased name.
	names []nameEntry
}

// collection is one OGC API – Features collection with its features
// pre-encoded and their bounding boxes, for bbox filtering without decoding.
type collection struct {
	ID, Title, Description string
	Extent                 orb.Bound
	HasExtent              bool
	feats                  []encodedFeature
}

type encodedFeature struct {
	bound orb.Bound
	json  []byte
}

type nameEntry struct {
	lower string
	unit  int
}

const emptyFC = `{"type":"FeatureCollection","features":[]}`

// newState encodes a snapshot for serving.
func newState(s *Snapshot) (*state, error) {
	if s == nil {
		return nil, fmt.Errorf("nil snapshot")
	}
	st := &state{snap: s}
	var err error
	if st.info, err = json.Marshal(planInfoJSON(s)); err != nil {
		return nil, fmt.Errorf("encode plan info: %w", err)
	}
	st.report = rawOrNull(s.Report)
	st.publication = rawOrNull(s.Publication)
	st.comparison = rawOrNull(s.Comparison)
	for i, fc := range s.Zones {
		if st.zones[i], err = encodeFC(fc); err != nil {
			return nil, fmt.Errorf("encode %s zones: %w", data.Stage(i), err)
		}
		c, err := newCollection("zones-"+data.Stage(i).String(),
			"Catchment zones, "+data.Stage(i).String()+" stage",
			"One feature per school: the residential units zoned to it (properties school_id, school_name, stage, pupils, seats, utilization, units).", fc)
		if err != nil {
			return nil, err
		}
		st.collections = append(st.collections, c)
	}
	if st.schools, err = encodeFC(s.Schools); err != nil {
		return nil, fmt.Errorf("encode schools: %w", err)
	}
	c, err := newCollection("schools", "Schools", "School gates with seats and utilisation per stage.", s.Schools)
	if err != nil {
		return nil, err
	}
	st.collections = append(st.collections, c)
	if st.changes, err = encodeFC(s.Changes); err != nil {
		return nil, fmt.Errorf("encode changes: %w", err)
	}
	st.names = make([]nameEntry, 0, len(s.Units))
	for i, u := range s.Units {
		n := u.Name
		if n == "" {
			n = u.ID
		}
		st.names = append(st.names, nameEntry{lower: strings.ToLower(n), unit: i})
	}
	sort.SliceStable(st.names, func(a, b int) bool { return st.names[a].lower < st.names[b].lower })
	return st, nil
}

func planInfoJSON(s *Snapshot) any {
	return struct {
		PlanInfo
		Planar bool `json:"planar"`
	}{s.Plan, s.Planar}
}

func rawOrNull(r json.RawMessage) []byte {
	if len(r) == 0 {
		return []byte("null")
	}
	return r
}

func encodeFC(fc *geojson.FeatureCollection) ([]byte, error) {
	if fc == nil {
		return []byte(emptyFC), nil
	}
	return json.Marshal(fc)
}

func newCollection(id, title, desc string, fc *geojson.FeatureCollection) (*collection, error) {
	c := &collection{ID: id, Title: title, Description: desc}
	if fc == nil {
		return c, nil
	}
	c.feats = make([]encodedFeature, 0, len(fc.Features))
	for i, f := range fc.Features {
		if f == nil || f.Geometry == nil {
			continue
		}
		b, err := json.Marshal(f)
		if err != nil {
			return nil, fmt.Errorf("collection %s: feature %d: %w", id, i, err)
		}
		bd := f.Geometry.Bound()
		if !c.HasExtent {
			c.Extent, c.HasExtent = bd, true
		} else {
			c.Extent = c.Extent.Union(bd)
		}
		c.feats = append(c.feats, encodedFeature{bound: bd, json: b})
	}
	return c, nil
}

func (st *state) collection(id string) *collection {
	for _, c := range st.collections {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// searchUnits returns up to limit units whose name contains q
// (case-insensitive), prefix matches first.
func (st *state) searchUnits(q string, limit int) []UnitRef {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || limit <= 0 {
		return nil
	}
	var out []UnitRef
	// Prefix matches form a contiguous run of the sorted index.
	i := sort.Search(len(st.names), func(i int) bool { return st.names[i].lower >= q })
	seen := map[int]bool{}
	for ; i < len(st.names) && strings.HasPrefix(st.names[i].lower, q) && len(out) < limit; i++ {
		out = append(out, st.snap.Units[st.names[i].unit])
		seen[st.names[i].unit] = true
	}
	for _, n := range st.names {
		if len(out) >= limit {
			break
		}
		if !seen[n.unit] && strings.Contains(n.lower, q) {
			out = append(out, st.snap.Units[n.unit])
		}
	}
	return out
}
