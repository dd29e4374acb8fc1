package roads

import (
	"github.com/paulmach/osm"

	"catchment/geo"
)

// wayClass is what the importer needs to know about one OSM way.
type wayClass uint8

const (
	classWalkable wayClass = 1 << iota // becomes edges of the walking graph
	classMajor                         // trunk/primary/motorway: crossing it at grade counts
)

// walkableHighway lists the highway values a child may walk along without
// further evidence. cycleway and bridleway need explicit foot access.
var walkableHighway = map[string]bool{
	"footway": true, "path": true, "pedestrian": true, "steps": true,
	"corridor": true, "living_street": true, "residential": true,
	"service": true, "unclassified": true, "road": true, "track": true,
	"tertiary": true, "tertiary_link": true,
	"secondary": true, "secondary_link": true,
	"primary": true, "primary_link": true,
	"trunk": true, "trunk_link": true,
}

// majorHighway lists the roads whose at-grade crossing is recorded.
var majorHighway = map[string]bool{
	"trunk": true, "trunk_link": true, "primary": true, "primary_link": true,
	"motorway": true, "motorway_link": true,
}

// footAllowed reports an explicit permission for pedestrians.
func footAllowed(v string) bool {
	switch v {
	case "yes", "designated", "permissive", "official", "public":
		return true
	}
	return false
}

// classify decides whether a way is walkable and whether it is a major road.
// It is a pure function of the tags so it can be tested table-driven.
func classify(tags osm.Tags) wayClass {
	hw := tags.Find("highway")
	if hw == "" {
		return 0
	}
	var c wayClass
	if majorHighway[hw] {
		c |= classMajor
	}
	foot := tags.Find("foot")
	explicitFoot := footAllowed(foot)
	switch {
	case hw == "motorway" || hw == "motorway_link":
		return c // never walkable, even with a stray foot=yes
	case hw == "construction" || hw == "proposed" || hw == "abandoned" || hw == "razed":
		return c
	case tags.Find("construction") != "" && tags.Find("construction") != "no":
		return c
	case tags.Find("proposed") != "" && tags.Find("proposed") != "no":
		return c
	case foot == "no" || foot == "private" || foot == "use_sidepath":
		return c
	}
	switch tags.Find("access") {
	case "no", "private":
		if !explicitFoot {
			return c
		}
	}
	switch {
	case walkableHighway[hw]:
		if hw == "trunk" || hw == "trunk_link" {
			if sw := tags.Find("sidewalk"); (sw == "no" || sw == "none") && !explicitFoot {
				return c
			}
		}
		c |= classWalkable
	case hw == "cycleway" || hw == "bridleway":
		if explicitFoot {
			c |= classWalkable
		}
	}
	return c
}

// barrierKind is what a way is as a walking barrier.
type barrierKind uint8

const (
	notBarrier  barrierKind = iota
	barrierLine             // river/canal centre line, railway, motorway
	barrierLink             // motorway_link: a line whose ends meet streets at interchanges
	barrierArea             // water-area outline (interior on the left once oriented)
)

// barrierRailway lists the railway values whose tracks a child cannot cross
// except on a bridge, in a tunnel or at a level crossing.
var barrierRailway = map[string]bool{
	"rail": true, "light_rail": true, "narrow_gauge": true, "subway": true, "monorail": true,
}

// barrierClass decides whether a way is a barrier to walking — a river or
// canal, a water area (riverbank, natural=water, water=*), a railway or a
// motorway — its shape (line, link or area) and its kind (exactly one
// geo.BarrierKind bit for a barrier, 0 for notBarrier). Barriers that are
// underground (tunnel=* other than no, e.g. a railway in a tunnel or a
// culverted river) separate nothing on the surface and are not barriers.
// It is a pure function of the tags.
func barrierClass(tags osm.Tags) (barrierKind, geo.BarrierKind) {
	if tn := tags.Find("tunnel"); tn != "" && tn != "no" {
		return notBarrier, 0
	}
	switch hw := tags.Find("highway"); hw {
	case "motorway":
		return barrierLine, geo.BarrierMotorway
	case "motorway_link":
		return barrierLink, geo.BarrierMotorway
	}
	if barrierRailway[tags.Find("railway")] {
		return barrierLine, geo.BarrierRailway
	}
	switch tags.Find("waterway") {
	case "river", "canal":
		return barrierLine, geo.BarrierWater
	case "riverbank":
		return barrierArea, geo.BarrierWater
	}
	if tags.Find("natural") == "water" {
		return barrierArea, geo.BarrierWater
	}
	if w := tags.Find("water"); w != "" && w != "no" {
		return barrierArea, geo.BarrierWater
	}
	return notBarrier, 0
}

// isBarrier reports whether barrierClass reads the way as a barrier.
func isBarrier(tags osm.Tags) bool {
	bk, _ := barrierClass(tags)
	return bk != notBarrier
}
