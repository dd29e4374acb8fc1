package api_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"catchment/allocation"
	"catchment/api"
)

// BenchmarkLookupHandler measures the look-up handler in process (routing,
// middleware, parsing, encoding) over the fake locator.
func BenchmarkLookupHandler(b *testing.B) {
	eng := newFakeEngine()
	srv, err := api.New(api.Config{Engine: eng, Token: testToken, LookupRate: 1e9})
	if err != nil {
		b.Fatal(err)
	}
	snap, _ := eng.Solve(context.Background(), "demo", allocation.DefaultPolicy(), nil)
	if err := srv.Publish(snap); err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	req := httptest.NewRequest("GET", "/api/v1/lookup?lon=117.005&lat=35.005&crs=wgs84", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
