package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	qr "github.com/piglig/go-qr"

	"github.com/tacit-zk/tacit/server/challenges"
	"github.com/tacit-zk/tacit/server/internal/ids"
)

// maxQRText bounds what a QR code may hold: a presentation URL is the
// public URL, "/present/" and a 22-character id, well under this.
const maxQRText = 512

// qrQuietZone is the blank margin around the code, in modules (ISO/IEC
// 18004 asks for 4).
const qrQuietZone = 4

var errQRTooLong = errors.New("server: qr: text too long")

// qrSVG draws text as a QR code (error correction level M) in a
// self-contained SVG: one path of dark modules on a white square, no script,
// no external reference, sized by its viewBox so that the page scales it.
func qrSVG(text string) ([]byte, error) {
	if len(text) == 0 || len(text) > maxQRText {
		return nil, errQRTooLong
	}
	code, err := qr.EncodeText(text, qr.Medium)
	if err != nil {
		return nil, fmt.Errorf("server: qr: %w", err)
	}
	n := code.Size()
	side := n + 2*qrQuietZone
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, side, side)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, side, side)
	for y := range n {
		for x := 0; x < n; x++ {
			if !code.Module(x, y) {
				continue
			}
			// A run of dark modules on a row is one rectangle.
			run := 1
			for x+run < n && code.Module(x+run, y) {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+qrQuietZone, y+qrQuietZone, run, run)
			x += run - 1
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}

// challengeQR is GET /v1/challenges/{id}/qr: the lender's own challenge's
// presentation URL as a QR code (SVG), to show the business on a screen or
// on paper. Another lender's challenge, or one past its retention, is
// not_found, as in GET /v1/challenges/{id}.
func (s *Server) challengeQR(c echo.Context) error {
	rec, err := s.ownChallenge(c)
	if err != nil {
		return err
	}
	svg, err := qrSVG(s.presentationURL(rec.Challenge.ID))
	if err != nil {
		return err
	}
	// The URL is the business's capability: no cache keeps it.
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "image/svg+xml", svg)
}

// ownChallenge is the record of the challenge the path's {id} names, if
// the calling lender made it and it is within its retention; otherwise
// errNotFound, whether it never existed or is another lender's.
func (s *Server) ownChallenge(c echo.Context) (challenges.Record, error) {
	id := c.Param("id")
	if !ids.Valid(id) {
		return challenges.Record{}, errNotFound
	}
	rec, err := s.cfg.Challenges.Record(c.Request().Context(), id)
	if errors.Is(err, challenges.ErrNotFound) || err == nil && rec.Challenge.Lender != principal(c).Name {
		return challenges.Record{}, errNotFound
	}
	return rec, err
}
