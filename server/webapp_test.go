package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/web"
)

// TestWebApp: the router serves the web app's pages and assets with its
// security headers, beside an API that still answers JSON errors; an
// unknown path is the API's JSON 404.
func TestWebApp(t *testing.T) {
	t.Parallel()
	s := start(t, setup{})
	app, err := web.Load()
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		s.srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	for _, p := range []string{"/", "/present/some-challenge-id", app.AssetURL("style.css"), app.AssetURL("present.js")} {
		rec := get(p)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Security-Policy") != web.CSP || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d %v", p, rec.Code, rec.Header())
		}
	}
	for _, p := range []string{"/nope", "/present/", "/present/a/b"} {
		rec := get(p)
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"not_found"`) {
			t.Errorf("GET %s: %d %s, want the API's JSON 404", p, rec.Code, rec.Body)
		}
	}
	if rec := get("/v1/circuits"); rec.Code != http.StatusUnauthorized {
		t.Errorf("GET /v1/circuits without a key: %d", rec.Code)
	}
}
