package allocation

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"catchment/data"
	"catchment/geo"
	"catchment/geo/roads"
)

// riverStreets is two streets 200 m apart along a river (y = 0), joined by
// one bridge at x = 2000 m:
//
//	(0,100) ───────────── north street ───────────── (2000,100)
//	~~~~~~~~~~~~~~~~~~~~~~~~~ river ~~~~~~~~~~~~~~~~~~~~~~~ ║ bridge
//	(0,-100) ──────────── south street ───────────── (2000,-100)
func riverStreets(t *testing.T) *roads.Network {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">`)
	id := 0
	node := func(x, y float64) int {
		id++
		p := local(x, y)
		fmt.Fprintf(&b, `<node id="%d" lat="%.9f" lon="%.9f"/>`, id, p[1], p[0])
		return id
	}
	way := func(tags string, nodes ...int) {
		id++
		fmt.Fprintf(&b, `<way id="%d">`, id)
		for _, n := range nodes {
			fmt.Fprintf(&b, `<nd ref="%d"/>`, n)
		}
		for _, kv := range strings.Split(tags, ",") {
			k, v, _ := strings.Cut(kv, "=")
			fmt.Fprintf(&b, `<tag k="%s" v="%s"/>`, k, v)
		}
		b.WriteString(`</way>`)
	}
	var north, south []int
	for x := 0.0; x <= 2000; x += 100 {
		north = append(north, node(x, 100))
		south = append(south, node(x, -100))
	}
	way("highway=residential", north...)
	way("highway=residential", south...)
	way("highway=footway,bridge=yes,layer=1", north[len(north)-1], south[len(south)-1])
	way("waterway=river", node(-200, 0), node(2200, 0))
	b.WriteString(`</osm>`)
	g, err := roads.Read(context.Background(), strings.NewReader(b.String()), roads.FormatXML, roads.Options{})
	if err != nil {
		t.Fatal(err)
	}
	nw, err := roads.NewNetwork(g, roads.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return nw
}

// local converts metres east/north of (116.4°E, 30°N) to WGS-84.
func local(x, y float64) orb.Point {
	const lat0 = 30.0
	return orb.Point{116.4 + x/(111_320*math.Cos(lat0*math.Pi/180)), lat0 + y/111_320}
}

// TestWalkingAdjacency: map neighbours stay neighbours for contiguity only
// when they can walk to each other without a long detour, and for primary
// zones without crossing water; straight-line metrics keep the map's
// adjacency.
func TestWalkingAdjacency(t *testing.T) {
	nw := riverStreets(t)
	units := []struct {
		id   string
		x, y float64
	}{
		{"A", 100, 110},   // 0: north bank, far from the bridge
		{"B", 100, -110},  // 1: facing A across the river
		{"C", 300, 110},   // 2: A's neighbour on the same street
		{"D", 1950, 110},  // 3: north bank, by the bridge
		{"E", 1950, -110}, // 4: facing D, 300 m walk over the bridge
		{"F", 100, 5000},  // 5: 5 km from any street: off the network
	}
	ds := &data.Dataset{}
	for _, u := range units {
		ds.Units = append(ds.Units, data.Unit{ID: u.id, Loc: local(u.x, u.y)})
	}
	adj := [][]int32{{1, 2, 5}, {0}, {0}, {4}, {3}, {0}}
	got, err := walkingAdjacency(context.Background(), ds, nw, adj)
	if err != nil {
		t.Fatal(err)
	}
	want := [data.NumStages][][]int32{
		data.Primary: {
			{2, 5}, // A–B: across the river, 4 km round by the bridge; F is off the network: kept
			nil,
			{0},
			nil, // D–E: a short walk, but across the river: not for primary pupils
			nil,
			{0},
		},
		data.Junior: {
			{2, 5},
			nil,
			{0},
			{4}, // D–E: 300 m over the bridge
			{3},
			{0},
		},
	}
	for st := range want {
		for u := range want[st] {
			if !slices.Equal(got[st][u], want[st][u]) {
				t.Errorf("%s, unit %s: neighbours on foot %v, want %v", data.Stage(st), units[u].id, got[st][u], want[st][u])
			}
		}
	}
	// The map's adjacency is left alone.
	if !slices.Equal(adj[0], []int32{1, 2, 5}) {
		t.Errorf("input adjacency modified: %v", adj[0])
	}
	// Straight-line metrics measure no routes: adjacency unchanged.
	same, err := walkingAdjacency(context.Background(), ds, geo.Geodesic{}, adj)
	if err != nil {
		t.Fatal(err)
	}
	for st := range same {
		if &same[st][0] != &adj[0] {
			t.Errorf("straight-line metric, %s: adjacency was rebuilt", data.Stage(st))
		}
	}
	if none, err := walkingAdjacency(context.Background(), ds, nw, nil); err != nil || none[0] != nil || none[1] != nil {
		t.Errorf("nil adjacency: %v, %v", none, err)
	}
}
