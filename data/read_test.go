package data

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/paulmach/orb"
)

// readAs runs the reader for one file kind over input and returns its error.
func readAs(kind, input string, opt ReadOptions) error {
	r := strings.NewReader(input)
	var err error
	switch kind {
	case "schools":
		_, err = ReadSchools(r, "schools.csv", opt)
	case "units":
		_, err = ReadUnitsCSV(r, "units.csv", opt)
	case "geojson":
		_, err = ReadUnitsGeoJSON(r, "units.geojson", opt)
	case "households":
		err = ReadHouseholds(r, "households.csv", opt, func(Household) error { return nil })
	case "current":
		_, err = ReadCurrent(r, "current.csv", opt)
	case "candidates":
		_, err = ReadCandidates(r, "candidates.csv", opt)
	default:
		panic("unknown kind " + kind)
	}
	return err
}

var fileOf = map[string]string{
	"schools": "schools.csv", "units": "units.csv", "geojson": "units.geojson",
	"households": "households.csv", "current": "current.csv", "candidates": "candidates.csv",
}

const (
	schoolHdr = "id,name,lon,lat,primary_seats,junior_seats,ownership,purchased_seats,boarding,area,status,staff\n"
	unitHdr   = "id,name,lon,lat,primary_pupils,junior_pupils,primary_migrants,junior_migrants\n"
	hhHdr     = "lon,lat,primary,junior,migrant,unit_id\n"
)

// feature builds a one-feature FeatureCollection.
func feature(props, geom string) string {
	return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{` + props + `},"geometry":` + geom + `}]}`
}

const pt = `{"type":"Point","coordinates":[116.4,39.9]}`

// TestReadErrors checks, for one bad input per error kind, that the reader
// reports exactly one problem with the right kind, file, line or feature,
// column and message.
func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, kind, input string
		opt               ReadOptions
		line, feature     int // feature is -1 for CSV
		col               string
		err               error
		msg               string // expected Error() suffix after the location
	}{
		// schools.csv
		{"missing lon", "schools", "id,lat,primary_seats\nS1,30,100\n", ReadOptions{}, 1, -1, "lon", ErrMissingColumn, "missing required column"},
		{"planar file without planar option", "schools", "id,x,y,primary_seats\nS1,5,6,100\n", ReadOptions{}, 1, -1, "lon", ErrMissingColumn, "missing required columns lon, lat (the file has x, y columns: planar metres need the planar coordinate system, --crs xy)"},
		{"missing seat columns", "schools", "id,lon,lat\nS1,116,39\n", ReadOptions{}, 1, -1, "primary_seats", ErrMissingColumn, "missing column: need at least one of primary_seats, junior_seats"},
		{"missing id column", "schools", "lon,lat,primary_seats\n116,39,1\n", ReadOptions{}, 1, -1, "id", ErrMissingColumn, "missing required column"},
		{"semicolon separated", "schools", "id;lon;lat;primary_seats\nS1;116;39;1\n", ReadOptions{}, 1, -1, "", ErrMissingColumn, `the header has a single field "id;lon;lat;primary_seats": separate columns with commas, not semicolons, tabs or bars`},
		{"duplicate column", "schools", "id,ID,lon,lat,primary_seats\nS1,S1,116,39,1\n", ReadOptions{}, 1, -1, "id", ErrDuplicateColumn, "duplicate column (fields 1 and 2)"},
		{"empty file", "schools", "", ReadOptions{}, 0, -1, "", ErrEmptyFile, "empty file: want a header row"},
		{"header only", "schools", schoolHdr, ReadOptions{}, 0, -1, "", ErrNoRows, "no schools: the file has a header but no records"},
		{"invalid number", "schools", schoolHdr + "S1,A,116.4,39.9,abc,,,,,,,\n", ReadOptions{}, 2, -1, "primary_seats", ErrInvalidNumber, `invalid number "abc"`},
		{"not whole", "schools", schoolHdr + "S1,A,116.4,39.9,1.5,,,,,,,\n", ReadOptions{}, 2, -1, "primary_seats", ErrInvalidNumber, `invalid number "1.5": not a whole number`},
		{"NaN lat", "schools", schoolHdr + "S1,A,116.4,nan,1,,,,,,,\n", ReadOptions{}, 2, -1, "lat", ErrNotFinite, `not a finite number "nan"`},
		{"infinite staff", "schools", schoolHdr + "S1,A,116.4,39,1,,,,,,,-Inf\n", ReadOptions{}, 2, -1, "staff", ErrNotFinite, `not a finite number "-Inf"`},
		{"lon range", "schools", schoolHdr + "S1,A,-180.5,39.9,1,,,,,,,\n", ReadOptions{}, 2, -1, "lon", ErrOutOfRange, "longitude -180.5 outside [-180, 180]"},
		{"lat range", "schools", schoolHdr + "S1,A,116,-91,1,,,,,,,\n", ReadOptions{}, 2, -1, "lat", ErrOutOfRange, "latitude -91 outside [-90, 90]"},
		{"duplicate id", "schools", schoolHdr + "S1,A,116,39,1,,,,,,,\nS2,B,116,39,1,,,,,,,\nS1,C,116,39,1,,,,,,,\n", ReadOptions{}, 4, -1, "id", ErrDuplicateID, `duplicate id "S1" (first on line 2)`},
		{"negative seats", "schools", schoolHdr + "S1,A,116,39,1,-2,,,,,,\n", ReadOptions{}, 2, -1, "junior_seats", ErrNegative, "negative value -2"},
		{"negative seats as float", "schools", schoolHdr + "S1,A,116,39,1,-2.0,,,,,,\n", ReadOptions{}, 2, -1, "junior_seats", ErrNegative, "negative value -2.0"},
		{"unknown ownership", "schools", schoolHdr + "S1,A,116,39,1,,mixed,,,,,\n", ReadOptions{}, 2, -1, "ownership", ErrUnknownValue, `unknown ownership "mixed" (want public, private or purchased)`},
		{"unknown area", "schools", schoolHdr + "S1,A,116,39,1,,,,,city,,\n", ReadOptions{}, 2, -1, "area", ErrUnknownValue, `unknown area "city" (want urban, town or rural)`},
		{"unknown status", "schools", schoolHdr + "S1,A,116,39,1,,,,,,gone,\n", ReadOptions{}, 2, -1, "status", ErrUnknownValue, `unknown status "gone" (want open, planned or closed)`},
		{"bad boolean", "schools", schoolHdr + "S1,A,116,39,1,,,,sometimes,,,\n", ReadOptions{}, 2, -1, "boarding", ErrInvalidBool, `invalid boolean "sometimes" (want true or false)`},
		{"no seats", "schools", schoolHdr + "S1,A,116,39,0,0,,,,,,\n", ReadOptions{}, 2, -1, "primary_seats", ErrNoSeats, "no seats in any stage (primary_seats and junior_seats are 0 or empty)"},
		{"no seats junior only", "schools", "id,lon,lat,junior_seats\nS1,116,39,\n", ReadOptions{}, 2, -1, "junior_seats", ErrNoSeats, "no seats in any stage (primary_seats and junior_seats are 0 or empty)"},
		{"purchased above seats", "schools", schoolHdr + "S1,A,116,39,10,5,purchased,16,,,,\n", ReadOptions{}, 2, -1, "purchased_seats", ErrOutOfRange, "16 purchased seats exceed the school's 15 seats"},
		{"empty id", "schools", schoolHdr + " ,A,116,39,1,,,,,,,\n", ReadOptions{}, 2, -1, "id", ErrMissingValue, "empty id"},
		{"missing coordinate", "schools", schoolHdr + "S1,A,,39,1,,,,,,,\n", ReadOptions{}, 2, -1, "lon", ErrMissingValue, "missing coordinate"},
		{"field count", "schools", schoolHdr + "S1,A,116,39\n", ReadOptions{}, 2, -1, "", ErrFieldCount, "record has 4 fields, header has 12"},
		{"bare quote", "schools", schoolHdr + "S1,A \"B\",116,39,1,,,,,,,\n", ReadOptions{}, 2, -1, "", ErrSyntax, `invalid CSV: bare " in non-quoted-field`},
		{"huge count", "schools", schoolHdr + "S1,A,116,39,1e12,,,,,,,\n", ReadOptions{}, 2, -1, "primary_seats", ErrOutOfRange, "1e12 exceeds the maximum 1000000000"},
		{"overflowing number", "schools", schoolHdr + "S1,A,116,39,1,,,,,,,1e999\n", ReadOptions{}, 2, -1, "staff", ErrOutOfRange, `number "1e999" is too large`},
		{"not utf8", "schools", schoolHdr + "S1,\xb1\xb1,116,39,1,,,,,,,\n", ReadOptions{}, 2, -1, "name", ErrNotUTF8, "text is not valid UTF-8 (save the file as UTF-8)"},
		{"line after blank lines", "schools", schoolHdr + "\n\nS1,A,116,39,x,,,,,,,\n", ReadOptions{}, 4, -1, "primary_seats", ErrInvalidNumber, `invalid number "x"`},
		{"line after multi-line field", "schools", schoolHdr + "S1,\"two\nlines\",116,39,1,,,,,,,\nS2,A,116,39,x,,,,,,,\n", ReadOptions{}, 4, -1, "primary_seats", ErrInvalidNumber, `invalid number "x"`},
		{"transform to NaN", "schools", schoolHdr + "S1,A,116,39,1,,,,,,,\n", ReadOptions{Transform: func(orb.Point) orb.Point { return orb.Point{math.NaN(), 0} }}, 2, -1, "lon", ErrNotFinite, "coordinate transform gave a non-finite point"},

		// units.csv
		{"units missing pupils", "units", "id,lon,lat\nU1,116,39\n", ReadOptions{}, 1, -1, "primary_pupils", ErrMissingColumn, "missing column: need at least one of primary_pupils, junior_pupils"},
		{"units header only", "units", unitHdr, ReadOptions{}, 0, -1, "", ErrNoRows, "no units: the file has a header but no records"},
		{"units migrants exceed", "units", unitHdr + "U1,A,116,39,5,2,6,0\n", ReadOptions{}, 2, -1, "primary_migrants", ErrMigrantsExceedPupils, "6 primary migrants exceed 5 pupils"},
		{"units negative migrants", "units", unitHdr + "U1,A,116,39,5,2,0,-1\n", ReadOptions{}, 2, -1, "junior_migrants", ErrNegative, "negative value -1"},
		{"units duplicate", "units", unitHdr + "U1,A,116,39,5,2,0,0\nU1,B,116,39,5,2,0,0\n", ReadOptions{}, 3, -1, "id", ErrDuplicateID, `duplicate id "U1" (first on line 2)`},
		{"units unknown area", "units", "id,lon,lat,primary_pupils,area\nU1,116,39,1,999\n", ReadOptions{}, 2, -1, "area", ErrUnknownValue, `unknown area "999" (want urban, town or rural)`},

		// units.geojson
		{"geojson empty", "geojson", "", ReadOptions{}, 0, -1, "", ErrEmptyFile, "empty file: want a GeoJSON FeatureCollection"},
		{"geojson array", "geojson", "[1,2]", ReadOptions{}, 0, -1, "", ErrNotFeatureCollection, "not a FeatureCollection: the file is not a JSON object"},
		{"geojson single feature", "geojson", `{"type":"Feature","properties":{}}`, ReadOptions{}, 0, -1, "", ErrNotFeatureCollection, `not a FeatureCollection: type is "Feature"`},
		{"geojson no features", "geojson", `{"type":"FeatureCollection"}`, ReadOptions{}, 0, -1, "", ErrNotFeatureCollection, "not a FeatureCollection: no features array"},
		{"geojson features not array", "geojson", `{"type":"FeatureCollection","features":{}}`, ReadOptions{}, 0, -1, "", ErrNotFeatureCollection, `not a FeatureCollection: features is an object, not an array`},
		{"geojson empty features", "geojson", `{"type":"FeatureCollection","features":[]}`, ReadOptions{}, 0, -1, "", ErrNoRows, "no units: the features array is empty"},
		{"geojson truncated", "geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a","primary_pupils":1},"geometry":` + pt + `},{"type":"Feat`, ReadOptions{}, 0, 1, "", ErrSyntax, "truncated JSON: unexpected end of file after byte 157"},
		{"geojson syntax", "geojson", `{"type":"FeatureCollection","features":[{"type":"Feature",,}]}`, ReadOptions{}, 0, 0, "", ErrSyntax, "invalid JSON near byte 54: invalid character ',' looking for beginning of object key string"},
		{"geojson trailing data", "geojson", feature(`"id":"a","primary_pupils":1`, pt) + ` {}`, ReadOptions{}, 0, -1, "", ErrSyntax, "unexpected data after the FeatureCollection, which ends at byte 158"},
		{"geojson linestring", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":"LineString","coordinates":[[1,2],[3,4]]}`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, `geometry type "LineString" not allowed: want Point, Polygon or MultiPolygon`},
		{"geojson short ring", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":"Polygon","coordinates":[[[1,2],[3,4],[1,2]]]}`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, "invalid Polygon: polygon 0 ring 0 has 3 positions, need at least 4"},
		{"geojson open ring", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":"Polygon","coordinates":[[[1,2],[3,4],[3,5],[1,3]]]}`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, "invalid Polygon: polygon 0 ring 0 is not closed"},
		{"geojson empty multipolygon", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":"MultiPolygon","coordinates":[]}`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, "invalid MultiPolygon: empty MultiPolygon"},
		{"geojson null coordinate", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":"Point","coordinates":[null,3]}`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, "invalid Point coordinates: position has a null coordinate"},
		{"geojson point lat range", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":"Point","coordinates":[1,300]}`), ReadOptions{}, 0, 0, "geometry", ErrOutOfRange, "invalid Point coordinates: latitude 300 outside [-90, 90]"},
		{"geojson no geometry", "geojson", feature(`"id":"a","primary_pupils":1`, `null`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, "missing geometry: want a Point, Polygon or MultiPolygon"},
		{"geojson no pupils anywhere", "geojson", feature(`"id":"a"`, pt), ReadOptions{}, 0, -1, "primary_pupils", ErrMissingColumn, "no feature has a primary_pupils or junior_pupils property"},
		{"geojson migrants exceed", "geojson", feature(`"id":"a","junior_pupils":1,"junior_migrants":"2"`, pt), ReadOptions{}, 0, 0, "junior_migrants", ErrMigrantsExceedPupils, "2 junior migrants exceed 1 pupils"},
		{"geojson object id", "geojson", feature(`"id":{},"primary_pupils":1`, pt), ReadOptions{}, 0, 0, "id", ErrInvalidNumber, "want a string or number, got a JSON object"},
		{"geojson case duplicate", "geojson", feature(`"id":"a","Primary_Pupils":1,"primary_pupils":2`, pt), ReadOptions{}, 0, 0, "primary_pupils", ErrDuplicateColumn, `property "primary_pupils" given twice (names are case-insensitive)`},
		{"geojson geometry not object", "geojson", feature(`"id":"a","primary_pupils":1`, `"POINT(1 2)"`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, "geometry is a JSON string, want a geometry object"},
		{"geojson properties not object", "geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":[1],"geometry":` + pt + `}]}`, ReadOptions{}, 0, 0, "", ErrNotFeatureCollection, "properties is a JSON array, want an object"},
		{"geojson feature without type", "geojson", `{"type":"FeatureCollection","features":[{"properties":{"id":"a"},"geometry":` + pt + `}]}`, ReadOptions{}, 0, 0, "", ErrNotFeatureCollection, `member of features has type missing, want "Feature"`},
		{"geojson numeric geometry type", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":5,"coordinates":[1,2]}`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, `geometry type "5" not allowed: want Point, Polygon or MultiPolygon`},
		{"geojson coordinate string", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":"Point","coordinates":["1",2]}`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, "invalid Point coordinates: position has a coordinate that is not a number"},
		{"geojson nested too deep", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":"Point","coordinates":[[1,2]]}`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, "invalid Point coordinates: position has a coordinate that is not a number"},
		{"geojson polygon too shallow", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":"Polygon","coordinates":[[1,2]]}`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, "invalid Polygon coordinates: ring 0 position 0: want a position [x, y]"},
		{"geojson empty ring", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":"Polygon","coordinates":[[]]}`), ReadOptions{}, 0, 0, "geometry", ErrGeometry, "invalid Polygon: polygon 0 ring 0 has 0 positions, need at least 4"},
		{"geojson huge coordinate", "geojson", feature(`"id":"a","primary_pupils":1`, `{"type":"Point","coordinates":[1e400,2]}`), ReadOptions{Planar: true}, 0, 0, "geometry", ErrOutOfRange, `invalid Point coordinates: number "1e400" is too large`},
		{"geojson member not object", "geojson", `{"type":"FeatureCollection","features":["x"]}`, ReadOptions{}, 0, 0, "", ErrNotFeatureCollection, "member of features is not a Feature object (got a JSON string ending at byte 43)"},

		// households.csv
		{"households no coordinates", "households", "primary,junior\n1,0\n", ReadOptions{}, 1, -1, "lon", ErrMissingColumn, "missing required columns lon, lat"},
		{"households no counts", "households", "lon,lat,migrant\n116,39,true\n", ReadOptions{}, 1, -1, "primary", ErrMissingColumn, "missing column: need at least one of primary, junior"},
		{"households unknown unit", "households", hhHdr + "116,39,1,0,false,U1\n116,39,1,0,false,U9\n", ReadOptions{KnownUnit: func(id string) bool { return id == "U1" }}, 3, -1, "unit_id", ErrUnknownUnit, `unknown unit "U9"`},
		{"households bad migrant", "households", hhHdr + "116,39,1,0,yes please,\n", ReadOptions{}, 2, -1, "migrant", ErrInvalidBool, `invalid boolean "yes please" (want true or false)`},
		{"households negative", "households", hhHdr + "116,39,-1,0,false,\n", ReadOptions{}, 2, -1, "primary", ErrNegative, "negative value -1"},
		{"households header only", "households", hhHdr, ReadOptions{}, 0, -1, "", ErrNoRows, "no households: the file has a header but no records"},
		{"households empty", "households", "", ReadOptions{}, 0, -1, "", ErrEmptyFile, "empty file: want a header row"},

		// current.csv
		{"current unknown stage", "current", "unit_id,stage,school_id\nU1,senior,S1\n", ReadOptions{}, 2, -1, "stage", ErrUnknownValue, `unknown stage "senior" (want primary or junior)`},
		{"current empty stage", "current", "unit_id,stage,school_id\nU1,,S1\n", ReadOptions{}, 2, -1, "stage", ErrMissingValue, "empty stage (want primary or junior)"},
		{"current duplicate", "current", "unit_id,stage,school_id\nU1,primary,S1\nU1,junior,S2\nU1,Primary,S3\n", ReadOptions{}, 4, -1, "unit_id", ErrDuplicateID, `unit "U1" already has a primary zone school (line 2)`},
		{"current missing column", "current", "unit_id,school_id\nU1,S1\n", ReadOptions{}, 1, -1, "stage", ErrMissingColumn, "missing required column"},
		{"current empty school", "current", "unit_id,stage,school_id\nU1,primary,\n", ReadOptions{}, 2, -1, "school_id", ErrMissingValue, "empty school_id"},
		{"current empty file", "current", "", ReadOptions{}, 0, -1, "", ErrEmptyFile, "empty file: want a header row"},

		// candidates.csv
		{"candidates negative cost", "candidates", "id,lon,lat,cost\nC1,116,39,-5\n", ReadOptions{}, 2, -1, "cost", ErrNegative, "negative value -5"},
		{"candidates duplicate", "candidates", "id,lon,lat\nC1,116,39\nC1,116,39\n", ReadOptions{}, 3, -1, "id", ErrDuplicateID, `duplicate id "C1" (first on line 2)`},
		{"candidates planar missing y", "candidates", "id,x\nC1,5\n", ReadOptions{Planar: true}, 1, -1, "y", ErrMissingColumn, "missing required column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readAs(tt.kind, tt.input, tt.opt)
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("want an ErrorList, got %T: %v", err, err)
			}
			if len(list) != 1 {
				t.Fatalf("want 1 error, got %d:\n%v", len(list), err)
			}
			e := list[0]
			file := fileOf[tt.kind]
			if e.File != file || e.Line != tt.line || e.Feature != tt.feature || e.Column != tt.col {
				t.Errorf("at %s:%d feature %d column %q, want %s:%d feature %d column %q\n%v",
					e.File, e.Line, e.Feature, e.Column, file, tt.line, tt.feature, tt.col, e)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("error %v is not %v", err, tt.err)
			}
			if got := e.Err.Error(); got != tt.msg {
				t.Errorf("message %q\nwant    %q", got, tt.msg)
			}
		})
	}
}

func TestParseErrorFormat(t *testing.T) {
	tests := []struct {
		e    ParseError
		want string
	}{
		{ParseError{File: "schools.csv", Line: 12, Feature: -1, Column: "primary_seats", Err: errors.New(`invalid number "abc"`)}, `schools.csv:12: column primary_seats: invalid number "abc"`},
		{ParseError{File: "units.geojson", Feature: 7, Column: "primary_pupils", Err: errors.New("negative value -3")}, "units.geojson: feature 7: property primary_pupils: negative value -3"},
		{ParseError{File: "units.geojson", Feature: 0, Column: "geometry", Err: errors.New("x")}, "units.geojson: feature 0: geometry: x"},
		{ParseError{File: "units.geojson", Feature: -1, Err: errors.New("empty file")}, "units.geojson: empty file"},
		{ParseError{File: "a.csv", Line: 3, Feature: -1}, "a.csv:3: unknown error"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
	inner := errors.New("inner")
	pe := &ParseError{File: "f", Feature: -1, Err: inner}
	if !errors.Is(ErrorList{pe}, inner) {
		t.Error("errors.Is does not look through ErrorList and ParseError")
	}
	if got := (ErrorList{pe, pe}).Error(); got != "f: inner\nf: inner" {
		t.Errorf("ErrorList.Error() = %q", got)
	}
}

// TestReadAllErrorsAtOnce checks that problems in several records and
// columns are all reported, in file order.
func TestReadAllErrorsAtOnce(t *testing.T) {
	in := schoolHdr + "S1,A,999,39,x,,,,,,,\nS2,B,116,39,1,,,,,,,\nS3,C,116,39,1,,,,maybe,,,-1\n"
	_, err := ReadSchools(strings.NewReader(in), "schools.csv", ReadOptions{})
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("want ErrorList, got %v", err)
	}
	var got []string
	for _, e := range list {
		got = append(got, fmt.Sprintf("%d:%s", e.Line, e.Column))
	}
	want := []string{"2:lon", "2:primary_seats", "4:boarding", "4:staff"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestMaxErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(hhHdr)
	for range 150 {
		b.WriteString("116,39,x,0,false,\n")
	}
	tests := []struct {
		max, want int
		capped    bool
	}{
		{0, 101, true}, {3, 4, true}, {150, 150, false}, {-1, 150, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.max), func(t *testing.T) {
			err := ReadHouseholds(strings.NewReader(b.String()), "h.csv", ReadOptions{MaxErrors: tt.max}, func(Household) error { return nil })
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("want ErrorList, got %v", err)
			}
			if len(list) != tt.want {
				t.Fatalf("got %d errors, want %d", len(list), tt.want)
			}
			last := list[len(list)-1]
			if got := errors.Is(last, ErrTooManyErrors); got != tt.capped {
				t.Errorf("last error %v: too-many = %v, want %v", last, got, tt.capped)
			}
		})
	}
}

func TestReadSchoolsValid(t *testing.T) {
	in := "\ufeff ID , Name,LON,Lat,Primary_Seats,junior_seats,primary_classes,ownership,purchased_seats,boarding,area,status,staff,qualified_teachers,key_teachers,pe_art_teachers,building_m2,sports_m2,equipment_yuan,multimedia_rooms,\n" +
		"S1,\"First, primary\",116.397, 39.909 ,450.0,,10,,,,,,40,20,2,3,4000.5,6000,1e6,9,\n" +
		"S2,Nine-year,116.41,39.92,300,400,,purchased,100,TRUE,122,planned,,,,,,,,,\n"
	var warnings []string
	got, err := ReadSchools(strings.NewReader(in), "schools.csv", ReadOptions{Warn: func(m string) { warnings = append(warnings, m) }})
	if err != nil {
		t.Fatal(err)
	}
	s1 := School{ID: "S1", Name: "First, primary", Loc: orb.Point{116.397, 39.909}, Seats: [NumStages]int{450, 0}, Classes: [NumStages]int{10, 0},
		Resources:   [NumResources]float64{40, 20, 2, 3, 4000.5, 6000, 1e6, 9},
		HasResource: [NumResources]bool{true, true, true, true, true, true, true, true}}
	s2 := School{ID: "S2", Name: "Nine-year", Loc: orb.Point{116.41, 39.92}, Seats: [NumStages]int{300, 400},
		Ownership: Purchased, PurchasedSeats: 100, Boarding: true, Area: Town, Status: Planned}
	if want := []School{s1, s2}; !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if len(warnings) != 0 {
		t.Errorf("unexpected warnings %q", warnings)
	}
}

func TestReadWarnings(t *testing.T) {
	var warnings []string
	opt := ReadOptions{Warn: func(m string) { warnings = append(warnings, m) }}
	in := "id,lon,lat,primary_seats,purchased_seats,colour,Floor\nS1,116,39,10,5,red,3\nS2,116,39,10,5,red,3\n"
	if _, err := ReadSchools(strings.NewReader(in), "s.csv", opt); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"s.csv: ignoring unknown columns: colour, floor",
		"s.csv: purchased_seats given for 2 schools whose ownership is not purchased (lines 2, 3); those seats do not count as government-purchased places",
	}
	if !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings %q\nwant     %q", warnings, want)
	}
	// No Warn function: warnings are discarded without a panic.
	if _, err := ReadSchools(strings.NewReader(in), "s.csv", ReadOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestReadPlanarAndTransform(t *testing.T) {
	shift := func(p orb.Point) orb.Point { return orb.Point{p[0] + 1, p[1] + 2} }
	tests := []struct {
		name, in string
		opt      ReadOptions
		want     orb.Point
	}{
		{"planar x y", "id,x,y,primary_pupils\nU1,500000.5,3000000,1\n", ReadOptions{Planar: true}, orb.Point{500000.5, 3000000}},
		{"planar accepts lon lat names", "id,lon,lat,primary_pupils\nU1,500000,-3000000,1\n", ReadOptions{Planar: true}, orb.Point{500000, -3000000}},
		{"planar prefers x y", "id,lon,lat,x,y,primary_pupils\nU1,1,2,3,4,1\n", ReadOptions{Planar: true}, orb.Point{3, 4}},
		{"degrees prefer lon lat", "id,lon,lat,x,y,primary_pupils\nU1,1,2,3,4,1\n", ReadOptions{}, orb.Point{1, 2}},
		{"transform", "id,lon,lat,primary_pupils\nU1,116,39,1\n", ReadOptions{Transform: shift}, orb.Point{117, 41}},
		{"range check before transform", "id,lon,lat,primary_pupils\nU1,180,90,1\n", ReadOptions{Transform: shift}, orb.Point{181, 92}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			units, err := ReadUnitsCSV(strings.NewReader(tt.in), "u.csv", tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if units[0].Loc != tt.want {
				t.Errorf("loc %v, want %v", units[0].Loc, tt.want)
			}
		})
	}
}

func TestReadUnitsGeoJSON(t *testing.T) {
	in := "\ufeff" + `{"bbox":[0,0,1,1],"features":[
{"type":"Feature","id":"f1","properties":{"name":"Square","AREA":"rural","primary_pupils":"40","junior_pupils":20.0,"junior_migrants":null,"extra":{"a":1}},
 "geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]],[[0.5,0.5],[0.5,1],[1,1],[1,0.5],[0.5,0.5]]]}},
{"type":"Feature","id":42,"properties":{"id":null,"primary_pupils":1},"geometry":{"type":"Point","coordinates":[3,4,100]}},
{"type":"Feature","properties":{"id":17,"primary_pupils":1,"primary_migrants":1},"geometry":{"type":"MultiPolygon","coordinates":[[[[10,10],[11,10],[11,11],[10,11],[10,10]]],[[[20,10],[21,10],[21,11],[20,11],[20,10]]]]}}
],"type":"FeatureCollection"}`
	var warnings []string
	shift := func(p orb.Point) orb.Point { return orb.Point{p[0] + 100, p[1]} }
	units, err := ReadUnitsGeoJSON(strings.NewReader(in), "u.geojson", ReadOptions{Transform: shift, Warn: func(m string) { warnings = append(warnings, m) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 3 {
		t.Fatalf("got %d units", len(units))
	}
	u := units[0]
	if u.ID != "f1" || u.Name != "Square" || u.Area != Rural || u.Pupils != [NumStages]int{40, 20} || u.Migrants != [NumStages]int{} {
		t.Errorf("unit 0 = %+v", u)
	}
	poly, ok := u.Geom.(orb.Polygon)
	if !ok || poly[0][1] != (orb.Point{102, 0}) {
		t.Errorf("geometry not transformed: %v", u.Geom)
	}
	// Square [100,102]×[0,2] minus hole [100.5,101]×[0.5,1]: area 3.75.
	wantX := (4*101 - 0.25*100.75) / 3.75
	wantY := (4*1 - 0.25*0.75) / 3.75
	if math.Abs(u.Loc[0]-wantX) > 1e-9 || math.Abs(u.Loc[1]-wantY) > 1e-9 {
		t.Errorf("centroid %v, want [%v %v]", u.Loc, wantX, wantY)
	}
	if units[1].ID != "42" || units[1].Geom != nil || units[1].Loc != (orb.Point{103, 4}) {
		t.Errorf("unit 1 = %+v", units[1])
	}
	if units[2].ID != "17" || units[2].Loc != (orb.Point{115.5, 10.5}) {
		t.Errorf("unit 2 = %+v", units[2])
	}
	if want := []string{"u.geojson: ignoring unknown properties: extra"}; !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings %q, want %q", warnings, want)
	}
}

func TestReadHouseholdsStreaming(t *testing.T) {
	in := hhHdr + "116.1,39.1,1,0,true,U1\n116.2,39.2,0,2,,U1\nbad,39,1,0,false,\n116.3,39.3,1.0,1,0,\n"
	var got []Household
	err := ReadHouseholds(strings.NewReader(in), "h.csv", ReadOptions{}, func(h Household) error {
		got = append(got, h)
		return nil
	})
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 1 || list[0].Line != 4 || list[0].Column != "lon" {
		t.Fatalf("want one error on line 4 column lon, got %v", err)
	}
	want := []Household{
		{Loc: orb.Point{116.1, 39.1}, Primary: 1, Migrant: true, UnitID: "U1"},
		{Loc: orb.Point{116.2, 39.2}, Junior: 2, UnitID: "U1"},
		{Loc: orb.Point{116.3, 39.3}, Primary: 1, Junior: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	stop := errors.New("stop")
	n := 0
	err = ReadHouseholds(strings.NewReader(in), "h.csv", ReadOptions{}, func(Household) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || err.Error() != "h.csv:3: stop" || n != 2 {
		t.Errorf("callback error: got %v after %d calls", err, n)
	}
}

func TestReadCurrentAndCandidates(t *testing.T) {
	zones, err := ReadCurrent(strings.NewReader("unit_id,stage,school_id\n"), "c.csv", ReadOptions{})
	if err != nil || zones == nil || len(zones) != 0 {
		t.Errorf("header-only current: %v %v", zones, err)
	}
	zones, err = ReadCurrent(strings.NewReader("school_id,unit_id,stage\nS1,U1,Junior\n"), "c.csv", ReadOptions{})
	if err != nil || !reflect.DeepEqual(zones, []CurrentZone{{UnitID: "U1", Stage: Junior, SchoolID: "S1"}}) {
		t.Errorf("current: %v %v", zones, err)
	}
	cands, err := ReadCandidates(strings.NewReader("id,lon,lat\n"), "c.csv", ReadOptions{})
	if err != nil || cands == nil || len(cands) != 0 {
		t.Errorf("header-only candidates: %v %v", cands, err)
	}
	cands, err = ReadCandidates(strings.NewReader("id,x,y,junior_seats,cost,name\nC1,10,20,500,3.5e7,East site\n"), "c.csv", ReadOptions{Planar: true})
	want := []Candidate{{ID: "C1", Name: "East site", Loc: orb.Point{10, 20}, Seats: [NumStages]int{0, 500}, Cost: 3.5e7}}
	if err != nil || !reflect.DeepEqual(cands, want) {
		t.Errorf("candidates: %v %v", cands, err)
	}
}

// TestReadIOError checks that a failing reader is reported, not ignored.
func TestReadIOError(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, kind := range []string{"schools", "geojson", "households"} {
		var r io.Reader = iotest.ErrReader(boom)
		if kind == "schools" {
			r = io.MultiReader(strings.NewReader(schoolHdr), iotest.ErrReader(boom))
		}
		if kind == "households" {
			r = io.MultiReader(strings.NewReader(hhHdr), iotest.ErrReader(boom))
		}
		var err error
		switch kind {
		case "schools":
			_, err = ReadSchools(r, "s.csv", ReadOptions{})
		case "geojson":
			_, err = ReadUnitsGeoJSON(r, "u.geojson", ReadOptions{})
		case "households":
			err = ReadHouseholds(r, "h.csv", ReadOptions{}, func(Household) error { return nil })
		}
		if !errors.Is(err, boom) {
			t.Errorf("%s: got %v, want it to wrap %v", kind, err, boom)
		}
	}
}

func TestFileHelpers(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := ReadSchoolsFile(write("my schools.csv", schoolHdr+"S1,A,116,39,x,,,,,,,\n"), ReadOptions{}); err == nil ||
		!strings.HasPrefix(err.Error(), "my schools.csv:2: column primary_seats") {
		t.Errorf("schools file error %v does not name the base name", err)
	}
	if u, err := ReadUnitsFile(write("u.GeoJSON", feature(`"id":"a","primary_pupils":1`, pt)), ReadOptions{}); err != nil || len(u) != 1 {
		t.Errorf("geojson by extension: %v %v", u, err)
	}
	if u, err := ReadUnitsFile(write("u.csv", unitHdr+"U1,A,116,39,1,0,0,0\n"), ReadOptions{}); err != nil || len(u) != 1 {
		t.Errorf("csv by extension: %v %v", u, err)
	}
	if _, err := ReadUnitsFile(write("u.txt", ""), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "unknown extension") {
		t.Errorf("unknown extension: %v", err)
	}
	n := 0
	if err := ReadHouseholdsFile(write("h.csv", hhHdr+"116,39,1,0,false,\n"), ReadOptions{}, func(Household) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("households file: %v, %d rows", err, n)
	}
	if z, err := ReadCurrentFile(write("c.csv", "unit_id,stage,school_id\nU1,primary,S1\n"), ReadOptions{}); err != nil || len(z) != 1 {
		t.Errorf("current file: %v %v", z, err)
	}
	if c, err := ReadCandidatesFile(write("k.csv", "id,lon,lat\nC1,116,39\n"), ReadOptions{}); err != nil || len(c) != 1 {
		t.Errorf("candidates file: %v %v", c, err)
	}
	if _, err := ReadSchoolsFile(filepath.Join(dir, "missing.csv"), ReadOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestReadFormattingVariants checks inputs as editors and GIS tools write
// them: pretty-printed GeoJSON, CRLF line endings, quoted CSV cells.
func TestReadFormattingVariants(t *testing.T) {
	pretty := "{\r\n  \"type\": \"FeatureCollection\",\r\n  \"features\": [\r\n    {\r\n      \"type\": \"Feature\",\r\n" +
		"      \"properties\": { \"id\": \"U1\", \"primary_pupils\": 3 },\r\n" +
		"      \"geometry\": {\r\n        \"type\": \"Polygon\",\r\n        \"coordinates\": [\r\n          [\r\n" +
		"            [ 0 , 0 ],\r\n\t\t\t[ 2, 0 ],\r\n            [2 ,2 ],\r\n            [ 0, 0 ]\r\n          ]\r\n        ]\r\n      }\r\n    }\r\n  ]\r\n}\r\n"
	units, err := ReadUnitsGeoJSON(strings.NewReader(pretty), "u.geojson", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := units[0].Loc; math.Abs(c[0]-4.0/3) > 1e-12 || math.Abs(c[1]-2.0/3) > 1e-12 {
		t.Errorf("centroid %v", c)
	}
	csvIn := "id,lon,lat,primary_pupils\r\n\"U1\",\" 116.5 \",39.5,\"7\"\r\nU2,116,39,8\r\n"
	units, err = ReadUnitsCSV(strings.NewReader(csvIn), "u.csv", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 2 || units[0].Loc != (orb.Point{116.5, 39.5}) || units[0].Pupils[Primary] != 7 || units[1].ID != "U2" {
		t.Errorf("units %+v", units)
	}
}
