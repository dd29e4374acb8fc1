package whatif

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/data"
)

// city is a planar test city: a grid of units and four schools (one
// nine-year), with seats a little above the pupils.
func city() *data.Dataset {
	ds := &data.Dataset{Planar: true}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 8 {
		for j := range 8 {
			area := data.Urban
			if i >= 6 {
				area = data.Rural
			}
			ds.Units = append(ds.Units, data.Unit{ID: fmt.Sprintf("U%d%d", i, j), Area: area,
				Loc:    orb.Point{float64(i)*300 + 150, float64(j)*300 + 150},
				Pupils: [2]int{10 + rng.IntN(30), 5 + rng.IntN(15)}, Migrants: [2]int{2, 1}})
		}
	}
	ds.Schools = []data.School{
		{ID: "A", Loc: orb.Point{600, 600}, Seats: [2]int{500, 0}},
		{ID: "B", Loc: orb.Point{1800, 600}, Seats: [2]int{500, 0}},
		{ID: "C", Loc: orb.Point{600, 1800}, Seats: [2]int{500, 0}},
		{ID: "D", Loc: orb.Point{1800, 1800}, Seats: [2]int{450, 1000}},
	}
	return ds
}

func totals(ds *data.Dataset, st data.Stage) (pupils, seats int) {
	for _, u := range ds.Units {
		pupils += u.Pupils[st]
	}
	for i := range ds.Schools {
		if ds.Schools[i].Zoneable(st) {
			seats += ds.Schools[i].Seats[st]
		}
	}
	return
}

// TestCloseSchool is acceptance check 3 (first half): a closure that would
// leave pupils without seats is refused with the number of missing seats.
func TestCloseSchool(t *testing.T) {
	base := city()
	p, s := totals(base, data.Primary)
	tests := []struct {
		name    string
		id      string
		force   bool
		extra   int // primary seats added to school D first
		missing int
		refused bool
	}{
		{name: "enough seats remain", id: "A", extra: 600, missing: 0},
		{name: "refused", id: "A", missing: max(0, p-(s-500)) - max(0, p-s), refused: max(0, p-(s-500)) > max(0, p-s)},
		{name: "forced", id: "A", force: true, missing: max(0, p-(s-500)) - max(0, p-s)},
		{name: "unknown school", id: "Z", refused: true},
	}
	if tests[1].missing <= 0 {
		t.Fatalf("test city has too many seats: pupils %d seats %d", p, s)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := Clone(base)
			if tc.extra > 0 {
				if err := SetSeats(ds, "D", data.Primary, 450+tc.extra); err != nil {
					t.Fatal(err)
				}
			}
			miss, err := CloseSchool(ds, tc.id, tc.force)
			if tc.refused {
				if err == nil {
					t.Fatal("closure accepted")
				}
				var cr *ClosureRefused
				if tc.id != "Z" {
					if !errors.As(err, &cr) || cr.Missing[data.Primary] != tc.missing {
						t.Fatalf("error %v, want ClosureRefused with %d missing", err, tc.missing)
					}
					if !strings.Contains(err.Error(), fmt.Sprint(tc.missing)) {
						t.Fatalf("error %q does not give the missing seats %d", err, tc.missing)
					}
					if ds.Schools[0].Status != data.Open {
						t.Fatal("refused closure changed the dataset")
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if miss[data.Primary] != tc.missing {
				t.Fatalf("missing %d, want %d", miss[data.Primary], tc.missing)
			}
			if sc, _ := schoolAt(ds, tc.id); sc.Status != data.Closed {
				t.Fatal("school not closed")
			}
			if base.Schools[0].Status != data.Open {
				t.Fatal("parent dataset modified")
			}
		})
	}
}

func TestDerivations(t *testing.T) {
	urban := data.Urban
	square := orb.Polygon{{{0, 0}, {700, 0}, {700, 700}, {0, 700}, {0, 0}}}
	pol := allocation.DefaultPolicy()
	tests := []struct {
		name  string
		apply func(ds *data.Dataset) error
		check func(t *testing.T, before, after *data.Dataset)
	}{
		{"add school", func(ds *data.Dataset) error {
			return AddSchool(ds, data.School{ID: "N", Loc: orb.Point{1200, 1200}, Seats: [2]int{300, 0}, Status: data.Planned})
		}, func(t *testing.T, b, a *data.Dataset) {
			if len(a.Schools) != len(b.Schools)+1 || !a.Schools[len(a.Schools)-1].Zoneable(data.Primary) {
				t.Fatal("planned school not added as an open zoneable school")
			}
		}},
		{"duplicate school", func(ds *data.Dataset) error {
			return AddSchool(ds, data.School{ID: "A", Loc: orb.Point{1, 1}, Seats: [2]int{1, 0}})
		}, nil},
		{"set classes", func(ds *data.Dataset) error { return SetClasses(ds, "B", data.Primary, 12, 45) },
			func(t *testing.T, b, a *data.Dataset) {
				if s, _ := schoolAt(a, "B"); s.Seats[0] != 540 || s.Classes[0] != 12 {
					t.Fatalf("seats %d classes %d", s.Seats[0], s.Classes[0])
				}
			}},
		{"negative seats", func(ds *data.Dataset) error { return SetSeats(ds, "B", data.Primary, -1) }, nil},
		{"grow urban", func(ds *data.Dataset) error {
			_, err := ScalePupils(ds, Selection{Area: &urban}, 1.5)
			return err
		}, func(t *testing.T, b, a *data.Dataset) {
			for i := range a.Units {
				want := b.Units[i].Pupils[0]
				if b.Units[i].Area == data.Urban {
					want = int(float64(want)*1.5 + 0.5)
				}
				if a.Units[i].Pupils[0] != want || a.Units[i].Migrants[0] > a.Units[i].Pupils[0] {
					t.Fatalf("unit %s: %d pupils, want %d", a.Units[i].ID, a.Units[i].Pupils[0], want)
				}
			}
		}},
		{"shrink polygon", func(ds *data.Dataset) error {
			n, err := ScalePupils(ds, Selection{Polygon: square}, 0)
			if n != 4 {
				return fmt.Errorf("changed %d units, want the 4 inside", n)
			}
			return err
		}, func(t *testing.T, b, a *data.Dataset) {
			if a.Units[0].Pupils[0] != 0 || a.Units[3].Pupils[0] == 0 {
				t.Fatal("polygon selection wrong")
			}
		}},
		{"bad factor", func(ds *data.Dataset) error { _, err := ScalePupils(ds, Selection{}, -2); return err }, nil},
		{"housing", func(ds *data.Dataset) error {
			_, err := AddHousing(ds, Housing{ID: "H1", Loc: orb.Point{2500, 2500}, Population: 5000}, pol.Provision)
			return err
		}, func(t *testing.T, b, a *data.Dataset) {
			u := a.Units[len(a.Units)-1]
			if u.ID != "H1" || u.Pupils != [2]int{360, 180} {
				t.Fatalf("housing unit %+v", u)
			}
		}},
		{"housing duplicate", func(ds *data.Dataset) error {
			_, err := AddHousing(ds, Housing{ID: "U00", Population: 5000}, pol.Provision)
			return err
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := city()
			after := Clone(before)
			err := tc.apply(after)
			if tc.check == nil {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := after.Validate(); err != nil {
				t.Fatal(err)
			}
			tc.check(t, before, after)
		})
	}
}

func solve(t *testing.T, ds *data.Dataset) *allocation.Plan {
	t.Helper()
	pol := allocation.DefaultPolicy()
	pol.Solver.Contiguity = false
	plan, err := allocation.Solve(context.Background(), allocation.Input{Dataset: ds, Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestCompareExactChanges is acceptance check 3 (second half): the
// comparison lists exactly the units whose zone school changes, checked
// against the two plans' unit_zones rows (pipeline.ZoneRows).
func TestCompareExactChanges(t *testing.T) {
	parent := city()
	a := solve(t, parent)
	derive := map[string]func(ds *data.Dataset) error{
		"close": func(ds *data.Dataset) error { _, err := CloseSchool(ds, "A", true); return err },
		"add": func(ds *data.Dataset) error {
			return AddSchool(ds, data.School{ID: "N", Loc: orb.Point{1200, 1200}, Seats: [2]int{400, 0}})
		},
		"housing+grow": func(ds *data.Dataset) error {
			if _, err := AddHousing(ds, Housing{ID: "H", Loc: orb.Point{300, 300}, Population: 8000}, allocation.DefaultProvisionRules()); err != nil {
				return err
			}
			_, err := ScalePupils(ds, Selection{Polygon: orb.Polygon{{{0, 0}, {1300, 0}, {1300, 1300}, {0, 1300}, {0, 0}}}}, 1.6)
			return err
		},
	}
	for name, fn := range derive {
		t.Run(name, func(t *testing.T) {
			child := Clone(parent)
			if err := fn(child); err != nil {
				t.Fatal(err)
			}
			b := solve(t, child)
			c, err := Compare("p", "c", a, b)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			rowsA := map[string]string{}
			for _, z := range pipeline.ZoneRows(a) {
				rowsA[z.UnitID+"/"+z.Stage.String()] = z.SchoolID
			}
			seen := map[string]bool{}
			for _, z := range pipeline.ZoneRows(b) {
				k := z.UnitID + "/" + z.Stage.String()
				seen[k] = true
				if old, ok := rowsA[k]; ok && old != z.SchoolID {
					want[k] = true
				}
			}
			for k := range rowsA { // zoned before, not after
				if !seen[k] {
					want[k] = true
				}
			}
			got := map[string]bool{}
			for _, ch := range c.Changes {
				got[ch.UnitID+"/"+ch.Stage] = true
			}
			for k := range want {
				if !got[k] {
					t.Errorf("unit %s changed school but is not listed", k)
				}
			}
			for k := range got {
				if !want[k] {
					t.Errorf("unit %s is listed but did not change school", k)
				}
			}
			if name == "close" && len(c.Changes) == 0 {
				t.Fatal("closing a school changed no unit")
			}
			var buf bytes.Buffer
			if err := c.WriteChangesCSV(&buf); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(buf.String(), "\n"); n != len(c.Changes)+1 {
				t.Fatalf("csv has %d lines for %d changes", n, len(c.Changes))
			}
			if fc := c.ChangesGeoJSON(); len(fc.Features) != len(c.Changes) {
				t.Fatal("geojson feature count differs")
			}
			sd := c.Stages["primary"]
			if sd.UnitsChanged+c.Stages["junior"].UnitsChanged != len(c.Changes) {
				t.Fatal("stage counts disagree with the change list")
			}
			if sd.NearZoneRatioDelta != sd.After.NearZoneRatio-sd.Before.NearZoneRatio {
				t.Fatal("delta is not after − before")
			}
		})
	}
}

func TestCheckProvision(t *testing.T) {
	ds := city()
	pol := allocation.DefaultPolicy()
	tests := []struct {
		name             string
		loc              orb.Point
		pop              int
		reqP, reqJ       int // required schools
		deficitP, defJ   int // deficit seats
		schoolsP, seatsP int
	}{
		{"small", orb.Point{600, 600}, 3000, 0, 0, 0, 0, 1, 500},
		{"complete primary, served", orb.Point{600, 650}, 5000, 1, 0, 0, 0, 1, 500},
		{"complete primary, unserved", orb.Point{5000, 5000}, 9000, 1, 0, 270, 0, 0, 0},
		{"large", orb.Point{1800, 1800}, 25000, 3, 2, 3*18*45 - 450, 2*18*50 - 1000, 1, 450},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := CheckProvision(ds, []Community{{ID: tc.name, Loc: tc.loc, Population: tc.pop}}, pol, nil)
			if err != nil {
				t.Fatal(err)
			}
			p := ps[0]
			get := func(st string) StageProvision {
				if s := p.Stages[st]; s != nil {
					return *s
				}
				return StageProvision{}
			}
			pp, pj := get("primary"), get("junior")
			if pp.RequiredSchools != tc.reqP || pj.RequiredSchools != tc.reqJ || pp.DeficitSeats != tc.deficitP ||
				pj.DeficitSeats != tc.defJ || pp.SchoolsInRadius != tc.schoolsP || pp.SeatsInRadius != tc.seatsP {
				t.Fatalf("got primary %+v junior %+v", pp, pj)
			}
			if p.Deficit != (tc.deficitP > 0 || tc.defJ > 0 || pp.DeficitSchools > 0 || pj.DeficitSchools > 0) {
				t.Fatal("deficit flag wrong")
			}
		})
	}
}

func TestReadCommunities(t *testing.T) {
	tests := []struct {
		name, in string
		n        int
		bad      bool
	}{
		{"point and polygon", `{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"a","population":5000}},
{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]},"properties":{"id":7,"name":"新区","population":12000}}]}`, 2, false},
		{"no id", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"population":1}}]}`, 0, true},
		{"bad population", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"a","population":-3}}]}`, 0, true},
		{"line", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},"properties":{"id":"a","population":3}}]}`, 0, true},
		{"not json", `{`, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := ReadCommunitiesGeoJSON(strings.NewReader(tc.in))
			if (err != nil) != tc.bad || len(cs) != tc.n {
				t.Fatalf("got %d communities, err %v", len(cs), err)
			}
			if tc.n == 2 && (cs[1].ID != "7" || cs[1].Loc != (orb.Point{1, 1})) {
				t.Fatalf("polygon community %+v", cs[1])
			}
		})
	}
}

func FuzzReadCommunities(f *testing.F) {
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"a","population":5000}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[0,0]]]},"properties":{"id":"a","population":1}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[null]}`)
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ReadCommunitiesGeoJSON(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, c := range cs {
			if c.ID == "" || c.Population < 0 {
				t.Fatalf("invalid community accepted: %+v", c)
			}
		}
		if _, err := CheckProvision(city(), cs, allocation.DefaultPolicy(), nil); err != nil {
			t.Fatal(err)
		}
	})
}
