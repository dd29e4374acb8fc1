package roads

import "github.com/paulmach/osm"

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
