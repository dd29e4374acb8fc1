package e2e_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkLookupDemoCity measures the look-up handler in process on a
// solved 100,000-pupil demo city (real tessellation and
// allocation.Lookup) at random points over the city's extent.
func BenchmarkLookupDemoCity(b *testing.B) {
	s := newStack(b, nil)
	city := demoCity(b, 100_000)
	s.importAndSolve(b, "demo", city)
	h := s.srv.Handler()
	minx, miny, maxx, maxy := 180.0, 90.0, -180.0, -90.0
	for _, u := range city.Dataset.Units {
		minx, miny = min(minx, u.Loc[0]), min(miny, u.Loc[1])
		maxx, maxy = max(maxx, u.Loc[0]), max(maxy, u.Loc[1])
	}
	rng := rand.New(rand.NewPCG(1, 1))
	reqs := make([]*http.Request, 4096)
	for i := range reqs {
		reqs[i] = httptest.NewRequest("GET", fmt.Sprintf("/api/v1/lookup?lon=%.6f&lat=%.6f&crs=wgs84",
			minx+rng.Float64()*(maxx-minx), miny+rng.Float64()*(maxy-miny)), nil)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, reqs[i%len(reqs)])
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
		i++
	}
}
