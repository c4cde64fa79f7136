package server

import (
	"github.com/labstack/echo/v4"

	"github.com/tacit-zk/tacit/web"
)

// webRoute names the web app's routes, which are pages rather than API
// operations: Routes (the OpenAPI contract test) leaves them out.
const webRoute = "web"

// mountWeb serves the web app (package web): the landing page, each page
// by name, and the assets. Pages that take an id (/present/{id}) get it
// from their own URL.
func (s *Server) mountWeb(e *echo.Echo) error {
	app, err := web.Load()
	if err != nil {
		return err
	}
	h := echo.WrapHandler(app)
	for _, p := range []string{"/", "/present/:id", "/lender", "/auditor", web.AssetPrefix + "*"} {
		e.GET(p, h).Name = webRoute
		e.HEAD(p, h).Name = webRoute
	}
	return nil
}
