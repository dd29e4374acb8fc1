package roads

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// delawarePBF locates the real .osm.pbf extract (© OpenStreetMap
// contributors, ODbL) shipped in the osm module's testdata, which the Go
// module cache holds whenever this package builds.
func delawarePBF(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		gopath := os.Getenv("GOPATH")
		if gopath == "" {
			home, _ := os.UserHomeDir()
			gopath = filepath.Join(home, "go")
		}
		cache = filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod")
	}
	p := filepath.Join(cache, "github.com", "paulmach", "osm@v0.8.0", "testdata", "delaware-latest.osm.pbf")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no .osm.pbf sample in the module cache: %v", err)
	}
	return p
}

func TestReadPBF(t *testing.T) {
	if testing.Short() {
		t.Skip("8 MB PBF import skipped in -short mode")
	}
	g, err := ReadFile(context.Background(), delawarePBF(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := g.Stats()
	if g.NumNodes() < 100000 || st.WalkableWays < 10000 || st.CrossingNodes == 0 {
		t.Fatalf("implausible Delaware walking graph: %v, %+v", g, st)
	}
	nw, err := NewNetwork(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Two points in Wilmington, about 1.2 km apart.
	a, b := [2]float64{-75.5466, 39.7459}, [2]float64{-75.5540, 39.7380}
	w, s := nw.Meters(a, b), geodesic(a, b)
	if !(w >= s && w < 3*s) {
		t.Errorf("walking %v m for a straight %v m", w, s)
	}
	t.Logf("%v; Wilmington walk %.0f m, straight %.0f m", g, w, s)
}
