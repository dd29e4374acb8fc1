package cells

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func BenchmarkBuild50k(b *testing.B) {
	units := randomCity(50000, 25000, 40, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Build(units, false, nil, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDissolve50k(b *testing.B) {
	units := randomCity(50000, 25000, 40, 1)
	ts, err := Build(units, false, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	labels := blockLabels(units, 1000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := ts.Dissolve(labels, 1000); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLocate50k(b *testing.B) {
	units := randomCity(50000, 25000, 40, 1)
	ts, err := Build(units, false, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = at((r.Float64()*2-1)*20000, (r.Float64()*2-1)*20000)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ts.Locate(pts[i&4095])
		i++
	}
}
