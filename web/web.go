package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
)

// static holds the committed pages and assets; build holds what `make
// wasm` writes (the prover), possibly nothing but its README.
var (
	//go:embed static
	static embed.FS
	//go:embed build
	build embed.FS
)

// ProverFile is the WebAssembly prover's asset name.
const ProverFile = "tacit.wasm"

// AssetPrefix is the path under which assets are served, followed by the
// asset set's version and the asset's name.
const AssetPrefix = "/assets/"

// CSP is the Content-Security-Policy of every response: scripts, workers,
// styles, fetches and WebAssembly from this origin only, no inline script
// or style, no frames, no plugins.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
	"style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// file is one servable file, with its gzip form if it has one.
type file struct {
	body  []byte
	gz    []byte
	ctype string
	etag  string
}

// App is the loaded web app.
type App struct {
	version string
	pages   map[string]*file // by page name: "index", "present", ...
	assets  map[string]*file // by file name
	prover  bool
}

// Version is a digest of the whole asset set; asset URLs carry it, so an
// asset's URL names its content and may be cached for good.
func (a *App) Version() string { return a.version }

// HasProver reports whether the binary embeds the browser prover.
func (a *App) HasProver() bool { return a.prover }

// Pages lists the page names ("index", "present", ...).
func (a *App) Pages() []string {
	var out []string
	for name := range a.pages {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// AssetURL is the path an asset is served at.
func (a *App) AssetURL(name string) string { return AssetPrefix + a.version + "/" + name }

// Load returns the web app, loaded once per process.
var Load = sync.OnceValues(load)

func load() (*App, error) {
	raw := map[string][]byte{}
	built := map[string]bool{} // the files make wrote, served as they are
	for _, fsys := range []struct {
		fs  embed.FS
		dir string
	}{{static, "static"}, {build, "build"}} {
		entries, err := fs.ReadDir(fsys.fs, fsys.dir)
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() || e.Name() == "README.md" {
				continue
			}
			data, err := fs.ReadFile(fsys.fs, fsys.dir+"/"+e.Name())
			if err != nil {
				return nil, fmt.Errorf("web: %w", err)
			}
			if _, dup := raw[e.Name()]; dup {
				return nil, fmt.Errorf("web: %s is both in static and in build", e.Name())
			}
			raw[e.Name()] = data
			built[e.Name()] = fsys.dir == "build"
		}
	}
	a := &App{pages: map[string]*file{}, assets: map[string]*file{}}
	_, a.prover = raw[ProverFile]
	a.version = version(raw)
	for name, data := range raw {
		if strings.HasSuffix(name, ".gz") {
			continue
		}
		ctype, text := contentType(name)
		if text && !built[name] {
			// Point every asset reference at this version's URLs.
			data = bytes.ReplaceAll(data, []byte(AssetPrefix), []byte(AssetPrefix+a.version+"/"))
		}
		f := &file{body: data, ctype: ctype, gz: raw[name+".gz"]}
		if strings.HasSuffix(name, ".html") {
			prover := "absent"
			if a.prover {
				prover = "present"
			}
			f.body = bytes.ReplaceAll(f.body, []byte(`data-prover=""`), []byte(`data-prover="`+prover+`"`))
		}
		if f.gz == nil && text {
			f.gz = gzipped(f.body)
		}
		sum := sha256.Sum256(f.body)
		f.etag = `"` + hex.EncodeToString(sum[:16]) + `"`
		if page, ok := strings.CutSuffix(name, ".html"); ok {
			a.pages[page] = f
		} else {
			a.assets[name] = f
		}
	}
	if a.pages["index"] == nil {
		return nil, fmt.Errorf("web: no index.html")
	}
	return a, nil
}

// version digests every file's name and content.
func version(raw map[string][]byte) string {
	h := sha256.New()
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		sum := sha256.Sum256(raw[name])
		fmt.Fprintf(h, "%s %x\n", name, sum)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// contentType returns a file's Content-Type and whether it is text that
// may reference assets.
func contentType(name string) (string, bool) {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8", true
	case ".css":
		return "text/css; charset=utf-8", true
	case ".js":
		return "text/javascript; charset=utf-8", true
	case ".svg":
		return "image/svg+xml", true
	case ".wasm":
		return "application/wasm", false
	case ".png":
		return "image/png", false
	case ".json":
		return "application/json", true
	}
	return "application/octet-stream", false
}

func gzipped(data []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level
	w.Write(data)
	w.Close()
	if buf.Len() >= len(data) {
		return nil
	}
	return buf.Bytes()
}
