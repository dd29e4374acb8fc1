package ingest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"catchment/data"
	"catchment/geo"
)

// writeCity writes a tiny city in the given CRS (converted from WGS-84)
// and returns the file names.
func writeCity(t *testing.T, crs geo.CRS, current string) Files {
	t.Helper()
	dir := t.TempDir()
	conv := func(p orb.Point) orb.Point { return crs.FromWGS84(p) }
	schools := []data.School{
		{ID: "s1", Name: "东小学", Loc: conv(orb.Point{117.000, 35.400}), Seats: [2]int{90, 0}},
		{ID: "s2", Name: "西中学", Loc: conv(orb.Point{117.010, 35.405}), Seats: [2]int{0, 100}},
	}
	units := []data.Unit{
		{ID: "u1", Name: "一村", Loc: conv(orb.Point{117.002, 35.401}), Pupils: [2]int{30, 10}},
		{ID: "u2", Name: "二村", Loc: conv(orb.Point{117.008, 35.404}), Pupils: [2]int{40, 20}, Migrants: [2]int{5, 0}},
	}
	write := func(name string, fn func(*os.File) error) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := fn(f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	planar := crs.Planar()
	fs := Files{
		Schools: write("schools.csv", func(f *os.File) error { return data.WriteSchoolsCSV(f, schools, planar) }),
		Units:   write("units.csv", func(f *os.File) error { return data.WriteUnitsCSV(f, units, planar) }),
	}
	if current != "" {
		fs.Current = write("current.csv", func(f *os.File) error { _, err := f.WriteString(current); return err })
	}
	return fs
}

func TestLoadConvertsCRS(t *testing.T) {
	want, err := Load(context.Background(), writeCity(t, geo.WGS84, ""), Options{CRS: geo.WGS84})
	if err != nil {
		t.Fatal(err)
	}
	for _, crs := range []geo.CRS{geo.GCJ02, geo.BD09} {
		got, err := Load(context.Background(), writeCity(t, crs, ""), Options{CRS: crs})
		if err != nil {
			t.Fatalf("%s: %v", crs, err)
		}
		line := geo.StraightLine(false)
		for i := range want.Schools {
			if d := line.Meters(want.Schools[i].Loc, got.Schools[i].Loc); d > 0.5 {
				t.Errorf("%s: school %s is %.2f m from its WGS-84 original", crs, got.Schools[i].ID, d)
			}
		}
		for i := range want.Units {
			if d := line.Meters(want.Units[i].Loc, got.Units[i].Loc); d > 0.5 {
				t.Errorf("%s: unit %s is %.2f m from its WGS-84 original", crs, got.Units[i].ID, d)
			}
		}
	}
}

func TestLoadCrossChecks(t *testing.T) {
	cases := []struct {
		name, current string
		want          []string // substrings, one per expected problem, in order
	}{
		{"ok", "unit_id,stage,school_id\nu1,primary,s1\nu2,junior,s2\n", nil},
		{"unknown unit", "unit_id,stage,school_id\nu9,primary,s1\n", []string{"current.csv:2: column unit_id: unknown unit \"u9\""}},
		{"unknown school", "unit_id,stage,school_id\nu1,primary,s9\n", []string{"current.csv:2: column school_id: unknown school \"s9\""}},
		{"stage not offered", "unit_id,stage,school_id\nu1,junior,s1\n", []string{"current.csv:2: column school_id: school \"s1\" has no junior seats"}},
		{"several", "unit_id,stage,school_id\nu1,primary,s1\nu9,primary,s9\n", []string{"current.csv:3: column unit_id", "current.csv:3: column school_id"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(context.Background(), writeCity(t, geo.WGS84, tc.current), Options{})
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var el data.ErrorList
			if !errors.As(err, &el) {
				t.Fatalf("want a data.ErrorList, got %v", err)
			}
			if len(el) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(el), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.Contains(el[i].Error(), w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, el[i].Error(), w)
				}
				if el[i].File != "current.csv" || el[i].Line == 0 || el[i].Column == "" {
					t.Errorf("problem %d lacks file, line or column: %+v", i, el[i])
				}
				if !errors.Is(el[i], data.ErrUnknownUnit) && !errors.Is(el[i], data.ErrUnknownValue) && !errors.Is(el[i], data.ErrNoSeats) {
					t.Errorf("problem %d wraps no data error kind: %v", i, el[i])
				}
			}
		})
	}
}

func TestLoadNeedsFiles(t *testing.T) {
	if _, err := Load(context.Background(), Files{}, Options{}); err == nil {
		t.Error("no files: no error")
	}
	if _, err := Load(context.Background(), Files{Schools: "x.csv"}, Options{}); err == nil {
		t.Error("no units: no error")
	}
	if _, err := Load(context.Background(), Files{Schools: "/nonexistent/s.csv", Units: "/nonexistent/u.csv"}, Options{}); err == nil {
		t.Error("missing files: no error")
	}
}

func TestParseBoundary(t *testing.T) {
	square := `{"type":"Polygon","coordinates":[[[117,35],[117.1,35],[117.1,35.1],[117,35.1],[117,35]]]}`
	cases := []struct {
		name, in string
		parts    int // polygons expected; 0 = error
	}{
		{"bare polygon", square, 1},
		{"feature", `{"type":"Feature","properties":{},"geometry":` + square + `}`, 1},
		{"collection of two", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":` + square + `},{"type":"Feature","properties":{},"geometry":` + square + `}]}`, 2},
		{"multipolygon", `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}`, 2},
		{"point", `{"type":"Point","coordinates":[1,2]}`, 0},
		{"unclosed ring", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`, 0},
		{"empty collection", `{"type":"FeatureCollection","features":[]}`, 0},
		{"not json", `{"type":`, 0},
		{"feature without geometry", `{"type":"Feature","properties":{},"geometry":null}`, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ParseBoundary([]byte(tc.in), geo.WGS84)
			if tc.parts == 0 {
				if err == nil {
					t.Fatalf("want an error, got %v", g)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n := 1
			if mp, ok := g.(orb.MultiPolygon); ok {
				n = len(mp)
			}
			if n != tc.parts {
				t.Errorf("got %d polygons, want %d", n, tc.parts)
			}
		})
	}
}

func TestParseBoundaryConverts(t *testing.T) {
	p := geo.WGS84ToGCJ02(orb.Point{117, 35})
	in := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}`,
		p[0], p[1], p[0]+0.01, p[1], p[0], p[1]+0.01, p[0], p[1])
	g, err := ParseBoundary([]byte(in), geo.GCJ02)
	if err != nil {
		t.Fatal(err)
	}
	got := g.(orb.Polygon)[0][0]
	if math.Abs(got[0]-117) > 1e-6 || math.Abs(got[1]-35) > 1e-6 {
		t.Errorf("first vertex %v, want ≈ [117 35]", got)
	}
}

func FuzzParseBoundary(f *testing.F) {
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null}]}`))
	f.Add([]byte(`{"type":"Feature"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseBoundary(b, geo.GCJ02)
		if err == nil {
			if err := data.ValidatePolygonal(g); err != nil {
				t.Fatalf("accepted an invalid boundary: %v", err)
			}
		}
	})
}

func ExampleLoad() {
	// Files written in GCJ-02 (e.g. picked on an Amap map) are read into
	// WGS-84; every problem of every file would come back as one
	// data.ErrorList.
	ds, err := Load(context.Background(), Files{
		Schools: "testdata/schools.csv",
		Units:   "testdata/units.csv",
	}, Options{CRS: geo.GCJ02})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(ds.Schools), "schools,", len(ds.Units), "units")
	// Output: 2 schools, 2 units
}
