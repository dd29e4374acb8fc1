package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
)

// The read-only OGC API – Features (Part 1: Core, GeoJSON) endpoints, so
// that QGIS and other GIS clients can add zones and schools as layers
// with the base URL http://HOST/api/v1.

var conformanceClasses = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

func baseURL(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host + apiPrefix
}

func (s *Server) landing(c echo.Context) error {
	b := baseURL(c)
	return c.JSON(http.StatusOK, map[string]any{
		"title":       "catchment",
		"description": "Nearest-school enrolment zones (就近划片入学): zones per stage and schools of the published plan.",
		"links": []link{
			{b, "self", mimeJSON, "this document"},
			{b + "/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API definition"},
			{b + "/conformance", "conformance", mimeJSON, "OGC API conformance classes"},
			{b + "/collections", "data", mimeJSON, "zones and schools"},
		},
	})
}

func (s *Server) conformance(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"conformsTo": conformanceClasses})
}

func (s *Server) collectionJSON(c echo.Context, col *collection, planar bool) map[string]any {
	b := baseURL(c) + "/collections/" + col.ID
	out := map[string]any{
		"id": col.ID, "title": col.Title, "description": col.Description,
		"itemType": "feature",
		"links": []link{
			{b, "self", mimeJSON, col.Title},
			{b + "/items", "items", mimeGeoJSON, col.Title + " (GeoJSON)"},
		},
	}
	if col.HasExtent && !planar {
		e := col.Extent
		out["extent"] = map[string]any{"spatial": map[string]any{
			"bbox": [][4]float64{{e.Min[0], e.Min[1], e.Max[0], e.Max[1]}},
			"crs":  "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
		}}
	}
	return out
}

func (s *Server) collections(c echo.Context) error {
	st := s.published.Load()
	cols := []map[string]any{}
	if st != nil {
		for _, col := range st.collections {
			cols = append(cols, s.collectionJSON(c, col, st.snap.Planar))
		}
	}
	b := baseURL(c) + "/collections"
	return c.JSON(http.StatusOK, map[string]any{
		"links":       []link{{Href: b, Rel: "self", Type: mimeJSON}},
		"collections": cols,
	})
}

func (s *Server) publishedCollection(c echo.Context) (*state, *collection, error) {
	st := s.published.Load()
	if st == nil {
		return nil, nil, errf(http.StatusServiceUnavailable, CodeNotReady, "no plan published yet")
	}
	col := st.collection(c.Param("id"))
	if col == nil {
		return nil, nil, errf(http.StatusNotFound, CodeNotFound, "no such collection")
	}
	return st, col, nil
}

func (s *Server) collectionInfo(c echo.Context) error {
	st, col, err := s.publishedCollection(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.collectionJSON(c, col, st.snap.Planar))
}

// Limits of /items paging.
const (
	defaultItemLimit = 100
	maxItemLimit     = 10000
)

// collectionItems serves a page of features, filtered by bbox, as GeoJSON.
func (s *Server) collectionItems(c echo.Context) error {
	_, col, err := s.publishedCollection(c)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", defaultItemLimit, 1, maxItemLimit)
	if err != nil {
		return err
	}
	offset, err := intParam(c, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	var bbox orb.Bound
	hasBBox := false
	if v := c.QueryParam("bbox"); v != "" {
		if bbox, err = parseBBox(v); err != nil {
			return errf(http.StatusBadRequest, CodeBadRequest, err.Error())
		}
		hasBBox = true
	}
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	matched, returned := 0, 0
	for _, f := range col.feats {
		if hasBBox && !f.bound.Intersects(bbox) {
			continue
		}
		matched++
		if matched <= offset || returned >= limit {
			continue
		}
		if returned > 0 {
			buf.WriteByte(',')
		}
		buf.Write(f.json)
		returned++
	}
	base := baseURL(c) + "/collections/" + col.ID + "/items"
	q := c.Request().URL.Query()
	q.Set("limit", strconv.Itoa(limit))
	links := []link{{Href: base + "?" + q.Encode(), Rel: "self", Type: mimeGeoJSON}}
	if offset+returned < matched {
		q.Set("offset", strconv.Itoa(offset+returned))
		links = append(links, link{Href: base + "?" + q.Encode(), Rel: "next", Type: mimeGeoJSON})
	}
	fmt.Fprintf(&buf, `],"numberMatched":%d,"numberReturned":%d,"links":[`, matched, returned)
	for i, l := range links {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{"href":`)
		buf.Write(appendJSONString(nil, l.Href))
		buf.WriteString(`,"rel":`)
		buf.Write(appendJSONString(nil, l.Rel))
		buf.WriteString(`,"type":"application/geo+json"}`)
	}
	buf.WriteString("]}")
	return c.Blob(http.StatusOK, mimeGeoJSON, buf.Bytes())
}

// parseBBox parses an OGC bbox "minx,miny,maxx,maxy" of finite numbers
// with min ≤ max.
func parseBBox(s string) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, fmt.Errorf("bbox must be minx,miny,maxx,maxy")
	}
	var v [4]float64
	for i, p := range parts {
		f, err := parseCoord(strings.TrimSpace(p))
		if err != nil {
			return orb.Bound{}, fmt.Errorf("bbox value %d is not a finite number", i+1)
		}
		v[i] = f
	}
	if v[0] > v[2] || v[1] > v[3] {
		return orb.Bound{}, fmt.Errorf("bbox minimum exceeds maximum")
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}
