package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/web"
)

func serve(t *testing.T, method, path string, header map[string]string) *http.Response {
	t.Helper()
	app, err := web.Load()
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	rd := resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		z, err := gzip.NewReader(rd)
		if err != nil {
			t.Fatal(err)
		}
		rd = z
	}
	data, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestPages: each page is served with the security headers, revalidated on
// every visit, and points at this asset version's URLs.
func TestPages(t *testing.T) {
	app, _ := web.Load()
	for _, tc := range []struct{ path, want string }{
		{"/", "Credit answers without the records"},
		{"/present/abc_DEF-123", `id="credentials"`},
	} {
		resp := serve(t, http.MethodGet, tc.path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tc.path, resp.StatusCode)
		}
		h := resp.Header
		if h.Get("Content-Security-Policy") != web.CSP || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: security headers %v", tc.path, h)
		}
		if h.Get("Cache-Control") != "no-cache" || h.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: Cache-Control %q, Content-Type %q", tc.path, h.Get("Cache-Control"), h.Get("Content-Type"))
		}
		b := body(t, resp)
		if !strings.Contains(b, tc.want) {
			t.Errorf("%s: no %q", tc.path, tc.want)
		}
		if !strings.Contains(b, app.AssetURL("style.css")) {
			t.Errorf("%s: the stylesheet is not at its versioned URL %s", tc.path, app.AssetURL("style.css"))
		}
		if strings.Contains(b, "<script>") || strings.Contains(b, " style=") || strings.Contains(b, "http://") || strings.Contains(b, "https://") {
			t.Errorf("%s: inline script or style, or a URL of another origin", tc.path)
		}
	}
}

// TestAssets: assets are immutable at their versioned URL, gzipped for a
// client that accepts it, answered 304 to a matching ETag, and 404 at any
// other version; unknown paths, bad ids and other methods are refused.
func TestAssets(t *testing.T) {
	app, _ := web.Load()
	url := app.AssetURL("style.css")
	plain := serve(t, http.MethodGet, url, nil)
	if plain.StatusCode != http.StatusOK || plain.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("plain: %d %v", plain.StatusCode, plain.Header)
	}
	css := body(t, plain)
	gz := serve(t, http.MethodGet, url, map[string]string{"Accept-Encoding": "br, gzip"})
	if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip: %v", gz.Header)
	}
	if body(t, gz) != css {
		t.Fatal("the gzip body differs")
	}
	if r := serve(t, http.MethodGet, url, map[string]string{"Accept-Encoding": "gzip;q=0"}); r.Header.Get("Content-Encoding") != "" {
		t.Fatal("gzip;q=0 got gzip")
	}
	if r := serve(t, http.MethodGet, url, map[string]string{"If-None-Match": plain.Header.Get("ETag")}); r.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", r.StatusCode)
	}
	if r := serve(t, http.MethodHead, url, nil); r.StatusCode != http.StatusOK || body(t, r) != "" {
		t.Fatalf("HEAD: %d", r.StatusCode)
	}
	for _, p := range []string{"/assets/0000000000000000/style.css", "/assets/style.css", app.AssetURL("nope.js"), "/nope", "/index", "/present/a%2Fb", "/present/" + strings.Repeat("a", 129)} {
		if r := serve(t, http.MethodGet, p, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, r.StatusCode)
		}
	}
	if r := serve(t, http.MethodPost, "/", nil); r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d", r.StatusCode)
	}
}

// TestProverAsset: the business page says whether this binary has the
// browser prover, and the prover is served as application/wasm.
func TestProverAsset(t *testing.T) {
	app, _ := web.Load()
	b := body(t, serve(t, http.MethodGet, "/present/x", nil))
	want := `data-prover="absent"`
	if app.HasProver() {
		want = `data-prover="present"`
		r := serve(t, http.MethodGet, app.AssetURL(web.ProverFile), map[string]string{"Accept-Encoding": "gzip"})
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/wasm" || r.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("prover: %d %v", r.StatusCode, r.Header)
		}
	}
	if !strings.Contains(b, want) {
		t.Fatalf("the business page does not say %s", want)
	}
}
