package cells

import (
	"fmt"
	"math"
	"math/rand/v2"

	"catchment/data"

	"github.com/paulmach/orb"
)

// Test cities in WGS-84 around Beijing.
const (
	cityLon = 116.4
	cityLat = 39.9
	mPerDeg = earthRadius * math.Pi / 180
)

// metre offsets to degrees around the city centre.
func at(dx, dy float64) orb.Point {
	return orb.Point{
		cityLon + dx/(mPerDeg*math.Cos(cityLat*math.Pi/180)),
		cityLat + dy/mPerDeg,
	}
}

func square(dx, dy, side float64) orb.Polygon {
	return orb.Polygon{orb.Ring{at(dx, dy), at(dx+side, dy), at(dx+side, dy+side), at(dx, dy+side), at(dx, dy)}}
}

// randomCity returns about n units: a core of square compounds (side 80 m on
// a 100 m pitch, some missing) holding nPoly of them, and n−nPoly point
// villages scattered over a square of side km kilometres.
func randomCity(n, nPoly int, km float64, seed uint64) []data.Unit {
	r := rand.New(rand.NewPCG(seed, 7))
	var units []data.Unit
	k := int(math.Ceil(math.Sqrt(float64(nPoly) * 1.1)))
	for i := 0; i < k && len(units) < nPoly; i++ {
		for j := 0; j < k && len(units) < nPoly; j++ {
			if r.Float64() < 0.09 {
				continue
			}
			x, y := float64(i-k/2)*100, float64(j-k/2)*100
			sq := square(x, y, 80)
			units = append(units, data.Unit{ID: fmt.Sprintf("c%d_%d", i, j), Loc: at(x+40, y+40), Geom: sq})
		}
	}
	half := km * 500
	for len(units) < n {
		p := at((r.Float64()*2-1)*half, (r.Float64()*2-1)*half)
		units = append(units, data.Unit{ID: fmt.Sprintf("v%d", len(units)), Loc: p})
	}
	return units
}

// blockLabels zones units into about nz compact blocks by a coarse grid over
// their locations.
func blockLabels(units []data.Unit, nz int) []int32 {
	k := int(math.Sqrt(float64(nz)))
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, u := range units {
		minX, maxX = math.Min(minX, u.Loc[0]), math.Max(maxX, u.Loc[0])
		minY, maxY = math.Min(minY, u.Loc[1]), math.Max(maxY, u.Loc[1])
	}
	labels := make([]int32, len(units))
	for i, u := range units {
		cx := min(int((u.Loc[0]-minX)/(maxX-minX+1e-12)*float64(k)), k-1)
		cy := min(int((u.Loc[1]-minY)/(maxY-minY+1e-12)*float64(k)), k-1)
		labels[i] = int32(cy*k + cx)
	}
	return labels
}
