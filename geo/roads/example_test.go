package roads_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"catchment/geo/roads"
)

// A small OpenStreetMap extract: a residential street with a footway that
// crosses a primary road to the school.
const town = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="42.5000" lon="1.5000"/>
 <node id="2" lat="42.5000" lon="1.5050"/>
 <node id="3" lat="42.5030" lon="1.5050"/>
 <node id="4" lat="42.5030" lon="1.5000"/>
 <node id="5" lat="42.5030" lon="1.5100"/>
 <node id="6" lat="42.5060" lon="1.5050"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>
 <way id="11"><nd ref="2"/><nd ref="3"/><nd ref="6"/><tag k="highway" v="footway"/></way>
 <way id="12"><nd ref="4"/><nd ref="3"/><nd ref="5"/><tag k="highway" v="primary"/></way>
</osm>`

func ExampleNetwork_NearestDetailed() {
	ctx := context.Background()
	g, err := roads.Read(ctx, strings.NewReader(town), roads.FormatXML, roads.Options{MinComponentNodes: -1})
	if err != nil {
		panic(err)
	}
	nw, err := roads.NewNetwork(g, roads.Options{})
	if err != nil {
		panic(err)
	}
	homes := []orb.Point{{1.5001, 42.5001}, {1.5200, 42.5200}}
	schools := []orb.Point{{1.5051, 42.5060}, {1.5000, 42.5031}}
	res, err := nw.NearestDetailed(ctx, homes, schools, 2)
	if err != nil {
		panic(err)
	}
	dest, meters := res.Row(0)
	for x := range dest {
		fmt.Printf("home 0 → school %d: %.0f m, %d major-road crossing(s)\n", dest[x], meters[x], res.Crossings[x])
	}
	for _, u := range res.Unreachable {
		fmt.Printf("%s %d: %s\n", u.Side, u.Index, u.Reason)
	}
	r, _ := nw.Route(homes[0], schools[0])
	fmt.Printf("route: %.0f m walked, %.0f m straight\n", r.Meters, r.Straight)
	// Output:
	// home 0 → school 0: 1089 m, 1 major-road crossing(s)
	// home 0 → school 1: 1169 m, 0 major-road crossing(s)
	// origin 1: too far from any walkable way
	// route: 1089 m walked, 774 m straight
}

// A street crossing a river on a bridge and a railway at a level crossing
// (node 3, shared with the track).
const riverside = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="42.5000" lon="1.5000"/>
 <node id="2" lat="42.5020" lon="1.5000"/>
 <node id="3" lat="42.5040" lon="1.5000"/>
 <node id="4" lat="42.5060" lon="1.5000"/>
 <node id="5" lat="42.5010" lon="1.4950"/>
 <node id="6" lat="42.5010" lon="1.5050"/>
 <node id="7" lat="42.5040" lon="1.4950"/>
 <node id="8" lat="42.5040" lon="1.5050"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/></way>
 <way id="11"><nd ref="5"/><nd ref="6"/><tag k="waterway" v="river"/></way>
 <way id="12"><nd ref="7"/><nd ref="3"/><nd ref="8"/><tag k="railway" v="rail"/></way>
</osm>`

func ExampleNetwork_Route_barrierKinds() {
	ctx := context.Background()
	g, err := roads.Read(ctx, strings.NewReader(riverside), roads.FormatXML, roads.Options{MinComponentNodes: -1})
	if err != nil {
		panic(err)
	}
	nw, err := roads.NewNetwork(g, roads.Options{})
	if err != nil {
		panic(err)
	}
	for e := range g.NumEdges() {
		if ed := g.Edge(e); ed.Barrier {
			fmt.Printf("edge %d–%d crosses %v\n", ed.U, ed.V, ed.BarrierKinds)
		}
	}
	home, school := orb.Point{1.5001, 42.5001}, orb.Point{1.5001, 42.5059}
	r, err := nw.Route(home, school)
	if err != nil {
		panic(err)
	}
	fmt.Printf("route: %d barrier crossings: %v\n", r.BarrierCrossings, r.BarrierKinds.Names())
	// Output:
	// edge 0–1 crosses water
	// edge 2–3 crosses railway
	// route: 2 barrier crossings: [water railway]
}
