// Package geo owns catchment's geometry, free of any policy: coordinate
// systems (WGS-84, the Chinese GCJ-02 and BD-09 offsets, planar XY metres)
// and their conversions; straight-line distance metrics (Geodesic on the
// WGS-84 ellipsoid, Euclidean on planar metres) behind the Metric interface
// that the walking network also implements; an exact nearest-neighbour
// index over points (PointIndex); a local tangent-plane projection for
// planar maths near a city (LocalProjection); and the aggregation of
// household points into residential units (Aggregator).
//
// Coordinates are orb.Points: [lon, lat] in WGS-84 degrees, or [x, y] in
// metres for planar data. Conversion to WGS-84 happens once, at input; no
// distance is ever measured in GCJ-02 or BD-09 coordinates. Distances are
// metres. Indexed results address points by their position in the slice they
// were built from, so hot paths stay on flat slices.
//
// Sub-packages own the finer geometry (geo/cells: unit adjacency and zone
// polygons; geo/roads: the walking network).
package geo
