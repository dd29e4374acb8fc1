package allocation

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"

	"catchment/data"
)

// WriteAssignmentsCSV writes FORMATS.md's assignments.csv: one row per
// unit, stage and placement, columns
// unit_id,stage,school_id,pupils,migrants,distance_m,placement.
// school_id is empty for unplaced pupils.
func (p *Plan) WriteAssignmentsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"unit_id", "stage", "school_id", "pupils", "migrants", "distance_m", "placement"}); err != nil {
		return err
	}
	rec := make([]string, 7)
	for st := range data.NumStages {
		for _, pl := range p.Stages[st].Placements {
			rec[0] = p.Dataset.Units[pl.Unit].ID
			rec[1] = data.Stage(st).String()
			rec[2] = ""
			if pl.School >= 0 {
				rec[2] = p.Dataset.Schools[pl.School].ID
			}
			rec[3] = strconv.Itoa(int(pl.Pupils))
			rec[4] = strconv.Itoa(int(pl.Migrants))
			rec[5] = strconv.FormatFloat(pl.Meters, 'f', 1, 64)
			rec[6] = pl.Kind.String()
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteReportJSON writes the report as indented JSON.
func (p *Plan) WriteReportJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p.Report)
}

// ZoneList is one school's published zone for one stage (招生范围): the
// compounds in it, with pupils and seats.
type ZoneList struct {
	SchoolID   string   `json:"school_id"`
	SchoolName string   `json:"school_name"`
	Stage      string   `json:"stage"`
	Seats      int      `json:"seats"`
	Pupils     int      `json:"pupils"`
	UnitIDs    []string `json:"unit_ids"`
	Units      []string `json:"units"`
}

// Publication lists every zone of the plan, by stage then school id; unit
// names (ids where a unit has no name) are sorted for publication.
func (p *Plan) Publication() []ZoneList {
	ds := p.Dataset
	var out []ZoneList
	for st := range data.NumStages {
		byS := map[int32]*ZoneList{}
		for u, s := range p.Stages[st].Zone {
			if s < 0 {
				continue
			}
			zl := byS[s]
			if zl == nil {
				sc := &ds.Schools[s]
				zl = &ZoneList{SchoolID: sc.ID, SchoolName: sc.Name, Stage: data.Stage(st).String(), Seats: sc.Seats[st]}
				byS[s] = zl
			}
			un := &ds.Units[u]
			zl.Pupils += un.Pupils[st]
			zl.UnitIDs = append(zl.UnitIDs, un.ID)
			name := un.Name
			if name == "" {
				name = un.ID
			}
			zl.Units = append(zl.Units, name)
		}
		keys := make([]int32, 0, len(byS))
		for s := range byS {
			keys = append(keys, s)
		}
		sort.Slice(keys, func(a, b int) bool { return ds.Schools[keys[a]].ID < ds.Schools[keys[b]].ID })
		for _, s := range keys {
			zl := byS[s]
			sort.Sort(byNameThenID{zl})
			out = append(out, *zl)
		}
	}
	return out
}

type byNameThenID struct{ z *ZoneList }

func (b byNameThenID) Len() int { return len(b.z.Units) }
func (b byNameThenID) Less(i, j int) bool {
	if b.z.Units[i] != b.z.Units[j] {
		return b.z.Units[i] < b.z.Units[j]
	}
	return b.z.UnitIDs[i] < b.z.UnitIDs[j]
}
func (b byNameThenID) Swap(i, j int) {
	b.z.Units[i], b.z.Units[j] = b.z.Units[j], b.z.Units[i]
	b.z.UnitIDs[i], b.z.UnitIDs[j] = b.z.UnitIDs[j], b.z.UnitIDs[i]
}

// WritePublicationCSV writes the publication list as zones.csv: one row per
// school and stage, columns school_id,school_name,stage,seats,pupils,units
// where units is the "、"-separated list of compound names.
func WritePublicationCSV(w io.Writer, zones []ZoneList) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"school_id", "school_name", "stage", "seats", "pupils", "units"}); err != nil {
		return err
	}
	for _, z := range zones {
		names := ""
		for i, n := range z.Units {
			if i > 0 {
				names += "、"
			}
			names += n
		}
		if err := cw.Write([]string{z.SchoolID, z.SchoolName, z.Stage, strconv.Itoa(z.Seats), strconv.Itoa(z.Pupils), names}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// UnitChange is one unit whose zone school differs between two plans.
type UnitChange struct {
	UnitID string `json:"unit_id"`
	Name   string `json:"name"`
	From   string `json:"from"`
	To     string `json:"to"`
	Pupils int    `json:"pupils"`
}

// StageChange lists the changes of one stage.
type StageChange struct {
	UnitsChanged  int          `json:"units_changed"`
	PupilsChanged int          `json:"pupils_changed"`
	Units         []UnitChange `json:"units"`
}

// Comparison is the difference between two plans of the same dataset.
type Comparison struct {
	Stages map[string]*StageChange `json:"stages"`
}

// Compare lists the units with pupils of a stage whose zone school differs
// from plan a to plan b (both of the same dataset), per stage, in unit
// order. A unit zoned in one plan and not the other counts as changed; ""
// names no school.
func Compare(a, b *Plan) (*Comparison, error) {
	if len(a.Dataset.Units) != len(b.Dataset.Units) {
		return nil, fmt.Errorf("compare: plans cover %d and %d units", len(a.Dataset.Units), len(b.Dataset.Units))
	}
	c := &Comparison{Stages: map[string]*StageChange{}}
	for st := range data.NumStages {
		sc := &StageChange{Units: []UnitChange{}}
		c.Stages[data.Stage(st).String()] = sc
		za, zb := a.Stages[st].Zone, b.Stages[st].Zone
		for u := range a.Dataset.Units {
			if a.Dataset.Units[u].Pupils[st] == 0 {
				continue // no child changes school; display zones of empty units may differ
			}
			var sa, sb int32 = -1, -1
			if za != nil {
				sa = za[u]
			}
			if zb != nil {
				sb = zb[u]
			}
			ida, idb := schoolID(a.Dataset, sa), schoolID(b.Dataset, sb)
			if ida == idb {
				continue
			}
			un := &a.Dataset.Units[u]
			sc.UnitsChanged++
			sc.PupilsChanged += un.Pupils[st]
			sc.Units = append(sc.Units, UnitChange{UnitID: un.ID, Name: un.Name, From: ida, To: idb, Pupils: un.Pupils[st]})
		}
	}
	return c, nil
}

func schoolID(ds *data.Dataset, s int32) string {
	if s < 0 {
		return ""
	}
	return ds.Schools[s].ID
}
