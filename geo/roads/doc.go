// Package roads owns walking distances on the real road network: it imports
// OpenStreetMap extracts (.osm, .osm.bz2, .osm.pbf) into a compact walking
// graph, snaps schools and residential units onto it, and answers
// k-nearest-school queries by walking distance as a geo.Metric.
//
// Every point given to this package is WGS-84 [lon, lat] (convert GCJ-02
// and BD-09 with package geo first); planar xy datasets have no road
// network and use the Euclidean metric instead.
//
// The pipeline is
//
//	ReadFile / Read  →  *Graph        (import: which ways a child can walk)
//	NewNetwork(g)    →  *Network      (snapping index, costs, queries)
//	Network.Nearest / NearestDetailed / Meters / Route
//
// Walkability. Only ways a child can walk become edges: footway, path,
// pedestrian (including the outline of pedestrian areas), steps, corridor,
// living_street, residential, service, unclassified, road, track,
// tertiary/secondary/primary/trunk and their links (sidewalks are assumed
// unless sidewalk=no on trunk roads, or foot=no), bridleway and cycleway only
// with explicit foot access. Motorways, ways tagged foot=no or
// access=no/private (unless foot=yes/designated/permissive), and ways under
// construction or proposed are excluded. Because only walkable ways become
// edges and edges only meet at shared OSM nodes, barriers are implicit: a
// river, railway or motorway can only be crossed where a walkable way
// (bridge, tunnel, level crossing, footbridge) crosses it, and a footbridge
// over a road does not connect to that road (they share no node).
//
// Major-road crossings. A node of a trunk/primary (or motorway) way where at
// least two non-major walkable edges meet, or a highway=crossing node on such
// a way with at least one non-major edge, is a crossing node. Walking
// minor→crossing node→minor is counted as one at-grade crossing of a major
// road. Options.MajorCrossingPenaltyMeters adds half the penalty to each end
// of a non-major edge at a crossing node, so crossing costs the full penalty
// and entering or leaving the major road's (assumed) sidewalk at a crossroads
// costs half of it (the side of the road is unknown). With the default
// penalty 0 distances are plain walking metres and crossings are only counted.
//
// Barrier crossings. Issue 7's "a school across a river, a railway or an
// expressway is not near" is made explicit: the importer also reads barrier
// lines — waterway=river|canal centre lines, water-area outlines
// (waterway=riverbank, natural=water, water=*; closed ways, multipolygon
// relations are not read), railway=rail|light_rail|narrow_gauge|subway|
// monorail and highway=motorway|motorway_link, each unless tunnel=* (a
// railway in a tunnel, a culverted river separates nothing above it) —
// and flags every walkable edge that crosses one (ImportStats.BarrierEdges,
// EdgeInfo.Barrier): an edge whose segment crosses a barrier segment (a
// bridge over it, a tunnel under it; found through an R-tree over the
// barrier segments, O((E + B) log B)), and at a node lying on a barrier
// line with walkable edges on both of its sides (a level crossing, a ford,
// a bridge glued to a riverbank) the edges on one side (the line's left,
// a water area's interior). So every walk from one side of a barrier to the
// other passes at least one barrier edge, while a footbridge over a trunk
// road (not a barrier), a path along a river bank or a street meeting a
// motorway link at an interchange passes none. An edge crossing several
// barrier lines at once (a river's centre line and both banks) counts once.
// EdgeInfo.BarrierAt records where along the edge the barrier lies, so a
// point snapped onto a long bridge edge is on one bank or the other, and
// EdgeInfo.BarrierKinds what it crosses (geo.BarrierWater, BarrierRailway,
// BarrierMotorway; several when one edge crosses a river and a railway).
// Options.BarrierPenaltyMeters adds its penalty once to the cost of every
// barrier edge (and to a snapped point's cost towards the far side of its
// edge's barrier); Route.BarrierCrossings counts the barrier edges walked,
// so Route.Cost − Route.Meters is the barrier penalty times
// BarrierCrossings plus the major-crossing penalties; Route.BarrierKinds
// and geo.PairResult.BarrierKinds are the OR of the kinds of the barrier
// edges counted. With the default 0
// distances are plain walking metres and crossings are only counted. Since
// penalties only add to edge costs, the A* lower bound stays valid and
// chains of the contracted graph sum them like lengths.
//
// Distances. Edge lengths are geo.Geodesic (WGS-84 ellipsoid, the same
// straight-line metre as the rest of the engine), stored as float32 rounded
// up so that a walking distance is never shorter than the straight line. A point is snapped to
// the nearest walkable edge (exact point–segment distance in a local
// tangent plane); its off-network distance is added to every path. A point
// farther than Options.MaxSnapMeters from any walkable edge, or whose network
// component contains no destination, is reported as Unreachable and its
// distances are +Inf — never silently replaced by a straight line.
//
// Search. Nearest answers every unit's k nearest schools in one k-label
// multi-source Dijkstra from all schools at once, on the junction graph
// obtained by contracting chains of degree-2 nodes (crossing nodes are
// always kept), with a per-node pruning of tentative labels and a radix
// heap; Meters and Route run a plain Dijkstra on the full graph. Both are
// checked against each other and against an independent reference.
//
// The graph is a flat CSR adjacency over int32 node ids (only the OSM nodes
// of walkable ways are kept; components smaller than
// Options.MinComponentNodes are dropped and counted in ImportStats), and
// Graph.MarshalBinary / UnmarshalBinary cache it as one blob (format
// version 3, with the barrier flags, positions and kinds; a blob of an
// older version is refused with an error asking to re-import the extract).
package roads
