package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/web"
)

// TestConsolePages: the router serves the lender console and the auditor
// view, and the scripts and stylesheet they load, under the web app's
// security headers; the pages take no id.
func TestConsolePages(t *testing.T) {
	t.Parallel()
	s := start(t, setup{})
	app, err := web.Load()
	if err != nil {
		t.Fatal(err)
	}
	get := func(method, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		s.srv.Handler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec
	}
	for path, want := range map[string]string{
		"/lender":                    "<h1>Lender console</h1>",
		"/auditor":                   "<h1>Auditor view</h1>",
		app.AssetURL("lender.js"):    "/v1/challenges",
		app.AssetURL("auditor.js"):   "/v1/circuits",
		app.AssetURL("console.js"):   "sessionStorage",
		app.AssetURL("console.css"):  "table.breakdown",
		app.AssetURL("lender.html"):  "",
		app.AssetURL("auditor.html"): "",
	} {
		rec := get(http.MethodGet, path)
		if want == "" { // pages are not assets
			if rec.Code != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, rec.Code)
			}
			continue
		}
		h := rec.Header()
		if rec.Code != http.StatusOK || h.Get("Content-Security-Policy") != web.CSP || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s: %d %v, want a body with %q", path, rec.Code, h, want)
		}
		if head := get(http.MethodHead, path); head.Code != http.StatusOK || head.Body.Len() != 0 {
			t.Errorf("HEAD %s: %d, %d bytes", path, head.Code, head.Body.Len())
		}
	}
	// The pages load their scripts from this origin only, at the asset
	// set's version, and no script is inline.
	for _, page := range []string{"/lender", "/auditor"} {
		body := get(http.MethodGet, page).Body.String()
		if !strings.Contains(body, `src="`+app.AssetURL(strings.TrimPrefix(page, "/")+".js")+`"`) || strings.Contains(body, "<script>") {
			t.Errorf("%s does not load its own versioned script alone:\n%s", page, body)
		}
	}
	for _, p := range []string{"/lender/x", "/auditor/x", "/lender/"} {
		if rec := get(http.MethodGet, p); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}
	if rec := get(http.MethodPost, "/lender"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /lender: %d, want 405", rec.Code)
	}
}
