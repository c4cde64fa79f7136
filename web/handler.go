package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ServeHTTP serves "/" (the landing page), "/{page}" and "/{page}/{id}"
// (a page, with the id left to its script), and AssetPrefix+version+"/"+name.
// Anything else is 404; only GET and HEAD are served.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	// A page's URL holds a challenge id, which is a capability.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		fail(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
		return
	}
	f, immutable := a.route(r.URL.Path)
	if f == nil {
		fail(w, http.StatusNotFound, "not_found", "not found")
		return
	}
	if immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", f.etag)
	if f.gz != nil {
		h.Add("Vary", "Accept-Encoding")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && etagMatch(match, f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

// route finds the file a path names and whether it is an immutable asset.
func (a *App) route(p string) (*file, bool) {
	if p == "/" {
		return a.pages["index"], false
	}
	if rest, ok := strings.CutPrefix(p, AssetPrefix); ok {
		v, name, ok := strings.Cut(rest, "/")
		if !ok || v != a.version {
			return nil, false
		}
		return a.assets[name], true
	}
	page, id, hasID := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if page == "index" || (hasID && !validID(id)) {
		return nil, false
	}
	return a.pages[page], false
}

// validID reports whether id may be a challenge id: 1 to 128 characters
// of [A-Za-z0-9_-].
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// acceptsGzip reports whether an Accept-Encoding value accepts gzip.
func acceptsGzip(v string) bool {
	for part := range strings.SplitSeq(v, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// etagMatch reports whether an If-None-Match value names etag.
func etagMatch(v, etag string) bool {
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}

// fail answers as the API does: {"error":{"code","message"}}.
func fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`+"\n", code, msg)
}
