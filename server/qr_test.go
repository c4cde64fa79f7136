package server_test

import (
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	qr "github.com/piglig/go-qr"
)

// TestChallengeQR: GET /v1/challenges/{id}/qr draws the challenge's
// presentationUrl, which a QR decoder reads back; only the lender who made
// the challenge gets it.
func TestChallengeQR(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  setup
	}{{"memory", setup{}}, {"redis", setup{redis: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, tc.cfg)
			r := s.call(bankA, http.MethodPost, "/v1/challenges", map[string]any{"statement": "no-default", "params": map[string]any{"window": 24}})
			r.expect(t, http.StatusCreated, "")
			ch := decode[struct{ ID, PresentationURL string }](t, r)
			if ch.PresentationURL == "" {
				t.Fatalf("no presentationUrl: %s", r.body)
			}
			path := "/v1/challenges/" + ch.ID + "/qr"

			r = s.call(bankA, http.MethodGet, path, nil)
			r.expect(t, http.StatusOK, "")
			if ct := r.header.Get("Content-Type"); ct != "image/svg+xml" {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			img := rasterize(t, r.body)
			got, err := qr.Decode(img)
			if err != nil {
				t.Fatalf("decoding the QR code: %v\n%s", err, r.body)
			}
			if got != ch.PresentationURL {
				t.Fatalf("QR code holds %q, want %q", got, ch.PresentationURL)
			}

			s.call(bankB, http.MethodGet, path, nil).expect(t, http.StatusNotFound, "not_found")
			s.call(acme, http.MethodGet, path, nil).expect(t, http.StatusForbidden, "forbidden")
			s.call("", http.MethodGet, path, nil).expect(t, http.StatusUnauthorized, "unauthenticated")
			for _, id := range []string{"AAAAAAAAAAAAAAAAAAAAAA", "not-an-id", ch.ID + "A"} {
				s.call(bankA, http.MethodGet, "/v1/challenges/"+id+"/qr", nil).expect(t, http.StatusNotFound, "not_found")
			}
			s.call(bankA, http.MethodPost, path, nil).expect(t, http.StatusMethodNotAllowed, "method_not_allowed")
		})
	}
}

// rasterize draws the service's QR SVG (a white square and one path of
// "Mx yhNv1h-Nz" runs, viewBox in modules) at 4 pixels a module, refusing
// anything else in the drawing.
func rasterize(t *testing.T, svg []byte) image.Image {
	t.Helper()
	var doc struct {
		XMLName xml.Name `xml:"http://www.w3.org/2000/svg svg"`
		ViewBox string   `xml:"viewBox,attr"`
		Rect    []struct {
			Fill string `xml:"fill,attr"`
		} `xml:"rect"`
		Path []struct {
			Fill string `xml:"fill,attr"`
			D    string `xml:"d,attr"`
		} `xml:"path"`
		Other []struct {
			XMLName xml.Name
		} `xml:",any"`
	}
	if err := xml.Unmarshal(svg, &doc); err != nil {
		t.Fatalf("not an SVG: %v", err)
	}
	var side int
	if _, err := fmt.Sscanf(doc.ViewBox, "0 0 %d %d", &side, &side); err != nil || side < 21+8 || side > 177+8 {
		t.Fatalf("viewBox %q", doc.ViewBox)
	}
	if len(doc.Rect) != 1 || doc.Rect[0].Fill != "#fff" || len(doc.Path) != 1 || doc.Path[0].Fill != "#000" || len(doc.Other) != 0 {
		t.Fatalf("unexpected drawing: %s", svg)
	}
	const scale = 4
	img := image.NewGray(image.Rect(0, 0, side*scale, side*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	runs := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	d := doc.Path[0].D
	all := runs.FindAllStringSubmatchIndex(d, -1)
	covered := 0
	for _, m := range all {
		n := func(i int) int { v, _ := strconv.Atoi(d[m[2*i]:m[2*i+1]]); return v }
		x, y, w, back := n(1), n(2), n(3), n(4)
		if w != back || x < 4 || y < 4 || x+w > side-4 || y >= side-4 {
			t.Fatalf("run %q outside the code or the quiet zone", d[m[0]:m[1]])
		}
		for px := x * scale; px < (x+w)*scale; px++ {
			for py := y * scale; py < (y+1)*scale; py++ {
				img.SetGray(px, py, color.Gray{})
			}
		}
		covered += m[1] - m[0]
	}
	if covered != len(d) || len(all) == 0 {
		t.Fatalf("path holds more than runs of modules: %q", d)
	}
	return img
}
