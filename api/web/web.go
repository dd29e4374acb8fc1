// Package web owns catchment's embedded map pages: the planner map
// (index.html), the mobile parent page (parent.html), their scripts and
// styles, and the vendored Leaflet (static/vendor/leaflet, with its
// licence). Everything is compiled into the binary with go:embed, so the
// pages work offline; no CDN and no base-map tiles are needed.
package web

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

//go:embed index.html parent.html static
var files embed.FS

// FS returns the embedded files (index.html, parent.html, static/...).
func FS() fs.FS { return files }

// Page returns a handler serving the named embedded HTML page.
func Page(name string) echo.HandlerFunc {
	return func(c echo.Context) error {
		b, err := files.ReadFile(name)
		if err != nil {
			return echo.ErrNotFound
		}
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.Blob(http.StatusOK, "text/html; charset=utf-8", b)
	}
}

// Static returns a handler for GET /static/* serving embedded assets.
// Paths are cleaned; directories and missing files are 404.
func Static() echo.HandlerFunc {
	return func(c echo.Context) error {
		p := path.Clean("/" + c.Param("*"))
		if strings.Contains(p, "..") {
			return echo.ErrNotFound
		}
		name := "static" + p
		b, err := files.ReadFile(name)
		if err != nil {
			return echo.ErrNotFound
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		if path.Base(name) == "LICENSE" {
			ct = "text/plain; charset=utf-8"
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		return c.Blob(http.StatusOK, ct, b)
	}
}
