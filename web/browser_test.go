package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserLanding: the landing page loads in chromium under its
// Content-Security-Policy with no console error, at phone and desktop
// width.
func TestBrowserLanding(t *testing.T) {
	s := startStack(t)
	ctx, tr := newBrowser(t, 1280)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	if h := textOf(t, ctx, "h1"); !strings.Contains(h, "Credit answers") {
		t.Fatalf("h1 = %q", h)
	}
	for _, w := range []int{390, 1280} {
		screenshot(t, ctx, "landing", w)
	}
	if c := tr.Console(); len(c) > 0 {
		t.Fatalf("console errors: %q", c)
	}
}
