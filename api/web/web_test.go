package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestPagesReferenceEmbeddedAssets checks that every /static/ asset the
// pages load is embedded, and that no page loads anything from another
// host (the pages must work offline, without a CDN).
func TestPagesReferenceEmbeddedAssets(t *testing.T) {
	ref := regexp.MustCompile(`(?:src|href)="([^"]+)"`)
	for _, page := range []string{"index.html", "parent.html"} {
		b, err := fs.ReadFile(FS(), page)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			u := m[1]
			switch {
			case strings.HasPrefix(u, "/static/"):
				if _, err := fs.Stat(FS(), strings.TrimPrefix(u, "/")); err != nil {
					t.Errorf("%s loads %s, which is not embedded", page, u)
				}
				n++
			case strings.Contains(u, "://") || strings.HasPrefix(u, "//"):
				t.Errorf("%s loads %s from another host", page, u)
			}
		}
		if n < 3 {
			t.Errorf("%s references only %d embedded assets", page, n)
		}
	}
	if _, err := fs.Stat(FS(), "static/vendor/leaflet/LICENSE"); err != nil {
		t.Error("Leaflet's licence is not shipped with it")
	}
}
