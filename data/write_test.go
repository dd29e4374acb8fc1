package data

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func sampleSchools() []School {
	return []School{
		{ID: "S1", Name: "Riverside Primary, East", Loc: orb.Point{116.3974, 39.90923}, Seats: [NumStages]int{450, 0}, Classes: [NumStages]int{10, 0}},
		{ID: "S2", Name: `The "Nine-year" school`, Loc: orb.Point{-0.0000001, -33.5}, Seats: [NumStages]int{300, 400}, Classes: [NumStages]int{7, 8},
			Ownership: Purchased, PurchasedSeats: 120, Boarding: true, Area: Rural, Status: Planned,
			Resources:   [NumResources]float64{38, 20, 2, 3, 4000.25, 1e-3, 1.5e7, 9},
			HasResource: [NumResources]bool{true, true, true, true, true, true, true, true}},
		{ID: "学校3", Name: "实验小学\n(分校)", Loc: orb.Point{180, -90}, Seats: [NumStages]int{0, 50}, Ownership: Private, Area: Town, Status: Closed,
			Resources: [NumResources]float64{0, 0, 0, 0, 0, 0, 0, 0.1}, HasResource: [NumResources]bool{false, false, true, false, false, false, false, true}},
	}
}

func sampleUnits() []Unit {
	return []Unit{
		{ID: "U1", Name: "Garden compound", Loc: orb.Point{116.41, 39.92}, Pupils: [NumStages]int{40, 20}, Migrants: [NumStages]int{5, 0}},
		{ID: "U2", Name: "", Area: Rural, Loc: orb.Point{116.5, 39.1}, Pupils: [NumStages]int{0, 3}, Migrants: [NumStages]int{0, 3}},
	}
}

func TestRoundTripSchools(t *testing.T) {
	for _, planar := range []bool{false, true} {
		in := sampleSchools()
		var buf bytes.Buffer
		if err := WriteSchoolsCSV(&buf, in, planar); err != nil {
			t.Fatal(err)
		}
		out, err := ReadSchools(&buf, "s.csv", ReadOptions{Planar: planar})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("planar=%v: round trip changed schools:\n in %+v\nout %+v", planar, in, out)
		}
	}
}

func TestWriteSchoolsCSVHeader(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSchoolsCSV(&buf, sampleSchools()[:1], false); err != nil {
		t.Fatal(err)
	}
	want := "id,name,lon,lat,primary_seats,junior_seats,primary_classes,junior_classes,ownership,purchased_seats,boarding,area,status,staff,qualified_teachers,key_teachers,pe_art_teachers,building_m2,sports_m2,equipment_yuan,multimedia_rooms\n" +
		"S1,\"Riverside Primary, East\",116.3974,39.90923,450,0,10,0,public,0,false,urban,open,,,,,,,,\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRoundTripUnitsCSV(t *testing.T) {
	for _, planar := range []bool{false, true} {
		in := sampleUnits()
		var buf bytes.Buffer
		if err := WriteUnitsCSV(&buf, in, planar); err != nil {
			t.Fatal(err)
		}
		out, err := ReadUnitsCSV(&buf, "u.csv", ReadOptions{Planar: planar})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("planar=%v:\n in %+v\nout %+v", planar, in, out)
		}
	}
}

func TestRoundTripUnitsGeoJSON(t *testing.T) {
	square := orb.Polygon{{{116.4, 39.9}, {116.401, 39.9}, {116.401, 39.901}, {116.4, 39.901}, {116.4, 39.9}}}
	multi := orb.MultiPolygon{square, {{{116.5, 39.9}, {116.5012345, 39.9}, {116.5, 39.9012345}, {116.5, 39.9}}}}
	units := append(sampleUnits(),
		Unit{ID: "P1", Name: "Polygon <&>", Area: Town, Geom: square, Pupils: [NumStages]int{10, 0}},
		Unit{ID: "P2", Name: "Two parts", Geom: multi, Pupils: [NumStages]int{0, 10}, Migrants: [NumStages]int{0, 10}},
	)
	var buf bytes.Buffer
	if err := WriteUnitsGeoJSON(&buf, units, false); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	out, err := ReadUnitsGeoJSON(&buf, "u.geojson", ReadOptions{})
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if len(out) != len(units) {
		t.Fatalf("got %d units, want %d", len(out), len(units))
	}
	for i := range units {
		want, got := units[i], out[i]
		if want.Geom != nil {
			if !reflect.DeepEqual(want.Geom, got.Geom) {
				t.Errorf("unit %s geometry %v, want %v", want.ID, got.Geom, want.Geom)
			}
			// The centroid is recomputed by the reader.
			c, _ := planar.CentroidArea(want.Geom)
			if math.Abs(got.Loc[0]-c[0]) > 1e-9 || math.Abs(got.Loc[1]-c[1]) > 1e-9 {
				t.Errorf("unit %s centroid %v", want.ID, got.Loc)
			}
			want.Loc, got.Loc = orb.Point{}, orb.Point{}
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("unit %d:\n in %+v\nout %+v", i, want, got)
		}
	}

	// Deterministic: a second write of what was read is byte-identical.
	var again bytes.Buffer
	if err := WriteUnitsGeoJSON(&again, out, false); err != nil {
		t.Fatal(err)
	}
	if again.String() != text {
		t.Errorf("second write differs:\n%s\n---\n%s", again.String(), text)
	}
}

func TestWriteUnitsGeoJSONRounding(t *testing.T) {
	units := []Unit{{ID: "a", Loc: orb.Point{116.123456789, -0.00000001}, Pupils: [NumStages]int{1, 0}}}
	var buf bytes.Buffer
	if err := WriteUnitsGeoJSON(&buf, units, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"coordinates":[116.1234568,0]`) {
		t.Errorf("degrees not rounded to 7 decimals: %s", buf.String())
	}
	buf.Reset()
	units[0].Loc = orb.Point{500000.12345, 3000000}
	if err := WriteUnitsGeoJSON(&buf, units, true); err != nil {
		t.Fatal(err)
	}
	want := "{\"type\":\"FeatureCollection\",\"features\":[\n" +
		`{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[500000.123,3000000]},"properties":{"id":"a","name":"","area":"urban","primary_pupils":1,"junior_pupils":0,"primary_migrants":0,"junior_migrants":0}}` +
		"\n]}\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	if got := roundCoord(116.123456789, false); got != 116.1234568 {
		t.Errorf("roundCoord = %v", got)
	}
}

func TestRoundTripHouseholds(t *testing.T) {
	in := []Household{
		{Loc: orb.Point{116.1, 39.1}, Primary: 1, Migrant: true, UnitID: "U1"},
		{Loc: orb.Point{116.2, 39.2}, Junior: 2, UnitID: "unit, with comma"},
		{Loc: orb.Point{116.3, 39.3}, Primary: 1, Junior: 1, UnitID: `say "hi"`},
		{Loc: orb.Point{1e-7, -1e-7}},
	}
	for _, planar := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteHouseholdsCSV(&buf, in, planar); err != nil {
			t.Fatal(err)
		}
		var out []Household
		if err := ReadHouseholds(&buf, "h.csv", ReadOptions{Planar: planar}, func(h Household) error { out = append(out, h); return nil }); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Errorf("planar=%v:\n in %+v\nout %+v", planar, in, out)
		}
	}
	// An empty writer still produces a header.
	var buf bytes.Buffer
	if err := NewHouseholdWriter(&buf, true).Flush(); err != nil || buf.String() != "x,y,primary,junior,migrant,unit_id\n" {
		t.Errorf("empty households: %q %v", buf.String(), err)
	}
}

func TestRoundTripCurrentAndCandidates(t *testing.T) {
	zones := []CurrentZone{{UnitID: "U1", Stage: Primary, SchoolID: "S1"}, {UnitID: "U1", Stage: Junior, SchoolID: "S,2"}}
	var buf bytes.Buffer
	if err := WriteCurrentCSV(&buf, zones); err != nil {
		t.Fatal(err)
	}
	gotZ, err := ReadCurrent(&buf, "c.csv", ReadOptions{})
	if err != nil || !reflect.DeepEqual(gotZ, zones) {
		t.Errorf("current: %+v %v", gotZ, err)
	}
	cands := []Candidate{{ID: "C1", Name: "North", Loc: orb.Point{116.1, 39.1}, Seats: [NumStages]int{540, 0}, Cost: 12.5e6}, {ID: "C2", Loc: orb.Point{0, 0}}}
	for _, planar := range []bool{false, true} {
		buf.Reset()
		if err := WriteCandidatesCSV(&buf, cands, planar); err != nil {
			t.Fatal(err)
		}
		got, err := ReadCandidates(&buf, "k.csv", ReadOptions{Planar: planar})
		if err != nil || !reflect.DeepEqual(got, cands) {
			t.Errorf("candidates planar=%v: %+v %v", planar, got, err)
		}
	}
}

func TestWritersRefuseNonFinite(t *testing.T) {
	nan := math.NaN()
	var buf bytes.Buffer
	tests := []struct {
		name string
		err  error
	}{
		{"school", WriteSchoolsCSV(&buf, []School{{ID: "S", Loc: orb.Point{nan, 0}}}, false)},
		{"school resource", WriteSchoolsCSV(&buf, []School{{ID: "S", Resources: [NumResources]float64{math.Inf(1)}, HasResource: [NumResources]bool{true}}}, false)},
		{"unit csv", WriteUnitsCSV(&buf, []Unit{{ID: "U", Loc: orb.Point{0, nan}}}, false)},
		{"unit geojson", WriteUnitsGeoJSON(&buf, []Unit{{ID: "U", Loc: orb.Point{0, nan}}}, false)},
		{"unit polygon", WriteUnitsGeoJSON(&buf, []Unit{{ID: "U", Geom: orb.Polygon{{{nan, 0}}}}}, false)},
		{"unit line", WriteUnitsGeoJSON(&buf, []Unit{{ID: "U", Geom: orb.LineString{{0, 0}, {1, 1}}}}, false)},
		{"household", WriteHouseholdsCSV(&buf, []Household{{Loc: orb.Point{nan, 0}}}, false)},
		{"candidate", WriteCandidatesCSV(&buf, []Candidate{{ID: "C", Cost: nan}}, false)},
		{"current stage", WriteCurrentCSV(&buf, []CurrentZone{{UnitID: "U", Stage: NumStages}})},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("%s: want an error", tt.name)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritersReportWriteErrors(t *testing.T) {
	errs := map[string]error{
		"schools":    WriteSchoolsCSV(failWriter{}, sampleSchools(), false),
		"units":      WriteUnitsCSV(failWriter{}, sampleUnits(), false),
		"geojson":    WriteUnitsGeoJSON(failWriter{}, sampleUnits(), false),
		"households": WriteHouseholdsCSV(failWriter{}, []Household{{}}, false),
		"current":    WriteCurrentCSV(failWriter{}, nil),
		"candidates": WriteCandidatesCSV(failWriter{}, nil, false),
	}
	for name, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: got %v, want the write error", name, err)
		}
	}
}
