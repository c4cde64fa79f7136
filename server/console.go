package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tacit-zk/tacit/web"
)

// consolePages are the lender console and the auditor view
// (web/static/lender.html and auditor.html), served by the web app like
// every page, outside the API contract.
var consolePages = []string{"/lender", "/auditor"}

// mountConsole serves the console pages.
func (s *Server) mountConsole(e *echo.Echo) error {
	app, err := web.Load()
	if err != nil {
		return err
	}
	h := echo.WrapHandler(app)
	for _, p := range consolePages {
		for _, m := range []string{http.MethodGet, http.MethodHead} {
			e.Add(m, p, h).Name = webRoute
		}
	}
	return nil
}
