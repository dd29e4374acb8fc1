package allocation

import (
	"fmt"
	"math/rand/v2"

	"github.com/paulmach/orb"

	"catchment/data"
)

// randomCity builds a planar test city: nSchools schools offering both
// stages and nUnits point units in a side×side metre square, seats totalling
// slack × pupils per stage (rounded per school).
func randomCity(seed uint64, nSchools, nUnits int, side, slack float64) *data.Dataset {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	ds := &data.Dataset{Planar: true}
	var pupils [data.NumStages]int
	for i := range nUnits {
		u := data.Unit{ID: fmt.Sprintf("u%d", i), Name: fmt.Sprintf("unit %d", i),
			Loc: orb.Point{r.Float64() * side, r.Float64() * side}}
		u.Pupils[data.Primary] = 1 + r.IntN(40)
		u.Pupils[data.Junior] = r.IntN(20)
		u.Migrants[data.Primary] = r.IntN(u.Pupils[data.Primary] + 1)
		if r.IntN(3) == 0 {
			u.Area = data.Rural
		}
		for st := range data.NumStages {
			pupils[st] += u.Pupils[st]
		}
		ds.Units = append(ds.Units, u)
	}
	w := make([]float64, nSchools)
	var wsum float64
	for i := range w {
		w[i] = 0.5 + r.Float64()
		wsum += w[i]
	}
	for i := range nSchools {
		s := data.School{ID: fmt.Sprintf("s%d", i), Name: fmt.Sprintf("school %d", i),
			Loc: orb.Point{r.Float64() * side, r.Float64() * side}}
		for st := range data.NumStages {
			s.Seats[st] = int(slack * float64(pupils[st]) * w[i] / wsum)
		}
		ds.Schools = append(ds.Schools, s)
	}
	return ds
}
