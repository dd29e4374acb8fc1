package geo_test

import (
	"context"
	"fmt"

	"catchment/data"
	"catchment/geo"

	"github.com/paulmach/orb"
)

// A parent's location from WeChat (GCJ-02) is converted to WGS-84 before any
// distance is measured; converting back gives the point to draw on an Amap
// base map.
func ExampleCRS_ToWGS84() {
	crs, err := geo.ParseCRS("GCJ02")
	if err != nil {
		panic(err)
	}
	gcj := orb.Point{116.41024449916938, 39.91640428150164}
	wgs := crs.ToWGS84(gcj)
	fmt.Printf("%s -> wgs84: %.6f, %.6f\n", crs, wgs[0], wgs[1])
	back := crs.FromWGS84(wgs)
	fmt.Printf("back: %.6f, %.6f\n", back[0], back[1])
	// Output:
	// gcj02 -> wgs84: 116.404000, 39.915000
	// back: 116.410244, 39.916404
}

func ExampleWGS84ToGCJ02() {
	p := geo.WGS84ToGCJ02(orb.Point{121.5272106, 31.1774276}) // Shanghai
	fmt.Printf("%.6f, %.6f\n", p[0], p[1])
	out := geo.WGS84ToGCJ02(orb.Point{-74.006, 40.7128}) // New York: outside China
	fmt.Println(out)
	// Output:
	// 121.531542, 31.175304
	// [-74.006 40.7128]
}

func ExamplePointIndex_Nearest() {
	schools := []orb.Point{
		{116.3975, 39.9087}, // 0
		{116.4100, 39.9150}, // 1
		{116.3900, 39.9200}, // 2
	}
	ix := geo.NewPointIndex(schools, false)
	home := orb.Point{116.4000, 39.9100}
	for _, n := range ix.Nearest(home, 2, nil) {
		fmt.Printf("school %d at %.0f m\n", n.ID, n.Meters)
	}
	// Output:
	// school 0 at 258 m
	// school 1 at 1019 m
}

func ExamplePointIndex_Scan() {
	pts := []orb.Point{{0, 0}, {300, 400}, {100, 0}, {0, 100}}
	ix := geo.NewPointIndex(pts, true) // planar metres
	ix.Scan(orb.Point{0, 0}, func(n geo.Neighbor) bool {
		fmt.Println(n.ID, n.Meters)
		return n.Meters < 100 // stop after the first point at 100 m or more
	})
	// Output:
	// 0 0
	// 2 100
}

func ExampleGeodesic_Nearest() {
	units := []orb.Point{{116.40, 39.91}, {116.42, 39.93}}
	schools := []orb.Point{{116.401, 39.911}, {116.43, 39.94}, {116.38, 39.90}}
	c, err := geo.Geodesic{}.Nearest(context.Background(), units, schools, 1)
	if err != nil {
		panic(err)
	}
	for i := range c.Len() {
		dest, meters := c.Row(i)
		fmt.Printf("unit %d: school %d at %.0f m; others at least %.0f m\n", i, dest[0], meters[0], c.Beyond[i])
	}
	// Output:
	// unit 0: school 0 at 140 m; others at least 2039 m
	// unit 1: school 1 at 1401 m; others at least 2663 m
}

func ExampleLocalProjection() {
	lp := geo.NewLocalProjection(orb.Point{116.4, 39.9}, false)
	xy := lp.Forward(orb.Point{116.41, 39.91})
	fmt.Printf("east %.1f m, north %.1f m\n", xy[0], xy[1])
	p := lp.Inverse(xy)
	fmt.Printf("back: %.6f, %.6f\n", p[0], p[1])
	// Output:
	// east 855.1 m, north 1110.4 m
	// back: 116.410000, 39.910000
}

// Households reported with a compound's id go to it; the rest fall into
// 250 m grid cells. Pupil counts come only from the households.
func ExampleAggregator() {
	units := []data.Unit{{ID: "garden-court", Loc: orb.Point{116.40, 39.91}, Pupils: [2]int{99, 99}}}
	agg := geo.NewAggregator(units, false, 250)
	households := []data.Household{
		{UnitID: "garden-court", Loc: orb.Point{116.4001, 39.9101}, Primary: 1, Junior: 1},
		{UnitID: "garden-court", Primary: 2, Migrant: true},
		{Loc: orb.Point{116.45, 39.95}, Primary: 1},
		{Loc: orb.Point{116.4501, 39.9501}, Junior: 2, Migrant: true},
	}
	for _, h := range households {
		if err := agg.Add(h); err != nil {
			panic(err)
		}
	}
	for _, u := range agg.Units() {
		fmt.Printf("%s: pupils %v, migrants %v, households %d\n", u.ID, u.Pupils, u.Migrants, u.Households)
	}
	// Output:
	// garden-court: pupils [3 1], migrants [2 0], households 2
	// cell_17_17: pupils [1 2], migrants [0 2], households 2
}
