package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDoc is the OpenAPI 3 description of every route; a test checks
// that it lists exactly the routes the server registers.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the OpenAPI 3 document (do not modify the slice).
func OpenAPI() []byte { return openAPIDoc }

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/vnd.oai.openapi+json;version=3.0", openAPIDoc)
}
