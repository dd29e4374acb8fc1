package roads

import (
	"strings"
	"testing"

	"github.com/paulmach/osm"
)

func tagsOf(s string) osm.Tags {
	var ts osm.Tags
	for _, kv := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			ts = append(ts, osm.Tag{Key: k, Value: v})
		}
	}
	return ts
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		tags            string
		walkable, major bool
	}{
		{"", false, false},
		{"building=yes", false, false},
		{"highway=footway", true, false},
		{"highway=living_street", true, false},
		{"highway=primary", true, true},
		{"highway=primary_link", true, true},
		{"highway=trunk", true, true},
		{"highway=trunk;sidewalk=none", false, true},
		{"highway=trunk;sidewalk=both", true, true},
		{"highway=primary;sidewalk=no", true, true}, // only trunk roads need a sidewalk tag
		{"highway=motorway", false, true},
		{"highway=motorway_link;foot=yes", false, true},
		{"highway=secondary;foot=no", false, false},
		{"highway=primary;foot=no", false, true},
		{"highway=service;access=private", false, false},
		{"highway=service;access=no;foot=designated", true, false},
		{"highway=track;access=private;foot=private", false, false},
		{"highway=path;foot=use_sidepath", false, false},
		{"highway=cycleway;foot=yes", true, false},
		{"highway=bridleway", false, false},
		{"highway=residential;construction=minor", false, false},
		{"highway=residential;construction=no", true, false},
		{"highway=proposed;proposed=primary", false, false},
		{"highway=abandoned", false, false},
		{"highway=bus_stop", false, false},
		{"highway=steps;bridge=yes", true, false},
	} {
		c := classify(tagsOf(tc.tags))
		if got := c&classWalkable != 0; got != tc.walkable {
			t.Errorf("%q: walkable = %v, want %v", tc.tags, got, tc.walkable)
		}
		if got := c&classMajor != 0; got != tc.major {
			t.Errorf("%q: major = %v, want %v", tc.tags, got, tc.major)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Format
	}{
		{"andorra-latest.osm.bz2", FormatXMLBzip2},
		{"city.OSM.PBF", FormatPBF},
		{"x.osm", FormatXML},
		{"noext", FormatXML},
	} {
		if got := FormatOf(tc.name); got != tc.want {
			t.Errorf("FormatOf(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
	if Format(9).String() != "format(9)" || FormatPBF.String() != ".osm.pbf" {
		t.Error("Format.String")
	}
}
