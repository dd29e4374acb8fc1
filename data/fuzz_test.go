package data

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fuzzMaxErrors keeps fuzz inputs cheap to report.
const fuzzMaxErrors = 20

// checkErrList checks the invariants every reader error must keep.
func checkErrList(t *testing.T, err error, file string, csv bool) {
	t.Helper()
	if err == nil {
		return
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is not an ErrorList: %T %v", err, err)
	}
	if len(list) == 0 || len(list) > fuzzMaxErrors+1 {
		t.Fatalf("ErrorList has %d entries", len(list))
	}
	for _, e := range list {
		if e.File != file || e.Err == nil || e.Line < 0 || e.Feature < -1 {
			t.Fatalf("malformed ParseError %+v", e)
		}
		if csv && e.Feature != -1 {
			t.Fatalf("CSV error with a feature index: %v", e)
		}
		if !csv && e.Line != 0 {
			t.Fatalf("GeoJSON error with a line: %v", e)
		}
		_ = e.Error()
	}
}

// seedCSV adds the valid and bad seed inputs.
func seedCSV(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	if b, err := os.ReadFile(filepath.Join("testdata", "bad_schools.csv")); err == nil {
		f.Add(b, false)
	}
}

func FuzzReadSchools(f *testing.F) {
	seedCSV(f,
		schoolHdr+"S1,A,116.4,39.9,450,,public,,false,urban,open,40\n",
		"\ufeffid,x,y,junior_seats,purchased_seats,ownership\nS1,500000,3000000,50.0,10,purchased\n",
		schoolHdr+"S1,\"a\"\"b\",1,2,3,,,,,,,\nS1,A,1,2,x,,,,,,,\n",
		"id,lon,lat,primary_seats\n",
		"",
	)
	f.Fuzz(func(t *testing.T, in []byte, planar bool) {
		opt := ReadOptions{Planar: planar, MaxErrors: fuzzMaxErrors}
		schools, err := ReadSchools(bytes.NewReader(in), "s.csv", opt)
		checkErrList(t, err, "s.csv", true)
		if err != nil {
			if schools != nil {
				t.Fatal("schools returned with an error")
			}
			return
		}
		ds := Dataset{Schools: schools}
		if err := ds.Validate(); err != nil {
			t.Fatalf("accepted schools fail validation: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteSchoolsCSV(&buf, schools, planar); err != nil {
			t.Fatal(err)
		}
		again, err := ReadSchools(&buf, "s.csv", opt)
		if err != nil {
			t.Fatalf("written schools do not read back: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(schools, again) {
			t.Fatalf("round trip changed schools:\n%+v\n%+v", schools, again)
		}
	})
}

func FuzzReadUnitsCSV(f *testing.F) {
	seedCSV(f,
		unitHdr+"U1,A,116,39,5,2,1,0\n",
		"id,x,y,junior_pupils,junior_migrants,area\nU1,1,2,3,3,121\n",
		unitHdr+"U1,A,116,39,5,2,6,0\nU1,A,116,39,5,2,0,0\n",
	)
	f.Fuzz(func(t *testing.T, in []byte, planar bool) {
		opt := ReadOptions{Planar: planar, MaxErrors: fuzzMaxErrors}
		units, err := ReadUnitsCSV(bytes.NewReader(in), "u.csv", opt)
		checkErrList(t, err, "u.csv", true)
		if err != nil {
			return
		}
		if err := (&Dataset{Units: units}).Validate(); err != nil {
			t.Fatalf("accepted units fail validation: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteUnitsCSV(&buf, units, planar); err != nil {
			t.Fatal(err)
		}
		again, err := ReadUnitsCSV(&buf, "u.csv", opt)
		if err != nil || !reflect.DeepEqual(units, again) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, units, again)
		}
	})
}

func FuzzReadUnitsGeoJSON(f *testing.F) {
	for _, s := range []string{
		feature(`"id":"a","primary_pupils":1`, pt),
		feature(`"id":"a","primary_pupils":"2","primary_migrants":2`, `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`),
		`{"type":"FeatureCollection","features":[{"type":"Feature","id":3,"properties":null,"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}}]}`,
		`{"type":"FeatureCollection","features":[1,"x",null,{}]}`,
		`{"features":[{"type":"Feature","properties":{"id":"a","junior_pupils":1},"geometry":{"type":"Point","coordinates":[1]}}`,
		`[]`, `{}`, ``,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	if b, err := os.ReadFile(filepath.Join("testdata", "bad_units.geojson")); err == nil {
		f.Add(b, false)
	}
	f.Fuzz(func(t *testing.T, in []byte, planar bool) {
		opt := ReadOptions{Planar: planar, MaxErrors: fuzzMaxErrors}
		units, err := ReadUnitsGeoJSON(bytes.NewReader(in), "u.geojson", opt)
		checkErrList(t, err, "u.geojson", false)
		if err != nil {
			return
		}
		if len(units) == 0 {
			t.Fatal("no units and no error")
		}
		if err := (&Dataset{Units: units}).Validate(); err != nil {
			t.Fatalf("accepted units fail validation: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteUnitsGeoJSON(&buf, units, planar); err != nil {
			t.Fatal(err)
		}
		// Rounding may legitimately break a degenerate polygon, so only the
		// JSON structure and the non-geometry fields must survive.
		again, err := ReadUnitsGeoJSON(&buf, "u.geojson", ReadOptions{Planar: true, MaxErrors: -1})
		if err != nil {
			var list ErrorList
			errors.As(err, &list)
			for _, e := range list {
				if !errors.Is(e, ErrGeometry) {
					t.Fatalf("written units do not read back: %v\n%s", e, buf.String())
				}
			}
			return
		}
		for i := range units {
			if units[i].ID != again[i].ID || units[i].Pupils != again[i].Pupils || units[i].Migrants != again[i].Migrants {
				t.Fatalf("round trip changed unit %d: %+v %+v", i, units[i], again[i])
			}
		}
	})
}

func FuzzReadHouseholds(f *testing.F) {
	seedCSV(f,
		hhHdr+"116.1,39.1,1,0,true,U1\n116.2,39.2,0,2,,U1\n",
		"x,y,junior\n1,2,3\n",
		hhHdr+"bad,39,1,0,false,\n116,39,1,0,maybe,U9\n",
	)
	f.Fuzz(func(t *testing.T, in []byte, planar bool) {
		opt := ReadOptions{Planar: planar, MaxErrors: fuzzMaxErrors, KnownUnit: func(id string) bool { return !strings.HasPrefix(id, "X") }}
		var hs []Household
		err := ReadHouseholds(bytes.NewReader(in), "h.csv", opt, func(h Household) error {
			if h.Primary < 0 || h.Junior < 0 || !finitePoint(h.Loc) || strings.HasPrefix(h.UnitID, "X") {
				t.Fatalf("invalid household passed to fn: %+v", h)
			}
			hs = append(hs, h)
			return nil
		})
		checkErrList(t, err, "h.csv", true)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteHouseholdsCSV(&buf, hs, planar); err != nil {
			t.Fatal(err)
		}
		var again []Household
		err = ReadHouseholds(&buf, "h.csv", opt, func(h Household) error { again = append(again, h); return nil })
		if err != nil || !reflect.DeepEqual(hs, again) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, hs, again)
		}
	})
}

func FuzzReadCurrent(f *testing.F) {
	seedCSV(f,
		"unit_id,stage,school_id\nU1,primary,S1\nU1,junior,S2\n",
		"unit_id,stage,school_id\nU1,senior,S1\nU1,primary,\n",
		"unit_id,stage,school_id\n",
	)
	f.Fuzz(func(t *testing.T, in []byte, planar bool) {
		opt := ReadOptions{Planar: planar, MaxErrors: fuzzMaxErrors}
		zones, err := ReadCurrent(bytes.NewReader(in), "c.csv", opt)
		checkErrList(t, err, "c.csv", true)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteCurrentCSV(&buf, zones); err != nil {
			t.Fatal(err)
		}
		again, err := ReadCurrent(&buf, "c.csv", opt)
		if err != nil || !reflect.DeepEqual(zones, again) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, zones, again)
		}
	})
}

func FuzzReadCandidates(f *testing.F) {
	seedCSV(f,
		"id,lon,lat,primary_seats,junior_seats,name,cost\nC1,116,39,540,,North,1.5e7\n",
		"id,x,y,cost\nC1,1,2,-1\nC1,1,2,NaN\n",
		"id,lon,lat\n",
	)
	f.Fuzz(func(t *testing.T, in []byte, planar bool) {
		opt := ReadOptions{Planar: planar, MaxErrors: fuzzMaxErrors}
		cands, err := ReadCandidates(bytes.NewReader(in), "k.csv", opt)
		checkErrList(t, err, "k.csv", true)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteCandidatesCSV(&buf, cands, planar); err != nil {
			t.Fatal(err)
		}
		again, err := ReadCandidates(&buf, "k.csv", opt)
		if err != nil || !reflect.DeepEqual(cands, again) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, cands, again)
		}
	})
}
