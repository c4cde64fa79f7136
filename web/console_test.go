package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	qr "github.com/piglig/go-qr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/server/devenv"
)

// TestBrowserConsole walks the flow as a loan officer sees it: the lender
// signs in to the console, creates a request in its form, reads the link
// from the QR code the console shows, and the business answers it on its
// page, proving in its browser; the console then shows the verdict on its
// own, and the attestation to download. A credential that does not satisfy
// the statement is refused on the business's page and sends nothing, so the
// console still shows its request waiting. A three-credential policy goes
// the same way as the first request. Then the auditor view shows the
// circuits, their costs and the development-setup warning.
func TestBrowserConsole(t *testing.T) {
	s := startStack(t)
	lender, ltr := newBrowser(t, 1280)
	ctx, cancel := context.WithTimeout(lender, 8*time.Minute)
	defer cancel()

	asOf := credential.MonthOf(time.Now())
	ok := func(int) uint64 { return 125000 }
	good := newBusiness(t, "console-good")
	good.credential(t, s.Issuers[devenv.IssuerFile], credential.KindPaymentHistory, history(asOf, 24, ok, nil))
	bad := newBusiness(t, "console-defaulted") // a default 3 months ago
	bad.credential(t, s.Issuers[devenv.IssuerFile], credential.KindPaymentHistory, history(asOf, 24, ok, map[int]credential.Status{21: credential.StatusDefault}))

	do(t, ctx, "sign in",
		chromedp.Navigate(s.URL+"/lender"),
		chromedp.WaitVisible(chromedp.ID("apikey")),
		chromedp.SendKeys(chromedp.ID("apikey"), s.LenderKey),
		chromedp.Click(chromedp.CSS("#signin button")),
		chromedp.WaitVisible(chromedp.ID("ask")),
		chromedp.WaitReady(chromedp.CSS(`#statement option[value="no-default"]`)),
	)
	// The key is kept for this tab only, never where another tab or a
	// later visit finds it.
	if stored := eval[string](t, ctx, `sessionStorage.getItem("tacit.lender.apiKey") + "|" + localStorage.length + "|" + document.cookie`); stored != s.LenderKey+"|0|" {
		t.Fatalf("key storage: %q", stored)
	}

	link := createRequest(t, ctx, s)
	answer(t, s, link, good, true)
	id := link[strings.LastIndex(link, "/")+1:]
	entry := `#challenges li[data-id="` + id + `"]`
	// The console polls on its own (with backoff): no click on Refresh.
	do(t, ctx, "the console shows the verdict", chromedp.WaitVisible(chromedp.CSS(entry+`[data-state="verified"]`)))
	if v := textOf(t, ctx, entry); !strings.Contains(v, "Verified") || !strings.Contains(v, "Yes.") || !strings.Contains(v, "Pseudonym") {
		t.Fatalf("verified entry reads %q", v)
	}
	// The archived attestation downloads as a JSON file, the one the
	// service kept.
	downloads := t.TempDir()
	if _, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "download the attestation", chromedp.Click(chromedp.CSS(entry+" .actions button")))
	saved := waitFile(t, filepath.Join(downloads, "attestation-"+id+".json"))
	kept := s.api(t, http.MethodGet, "/v1/challenges/"+id, nil)["attestation"]
	var got any
	if err := json.Unmarshal(saved, &got); err != nil || !sameJSON(got, kept) {
		t.Fatalf("downloaded attestation %s (%v), want the archived one", saved, err)
	}
	for _, w := range []int{390, 1280} {
		screenshot(t, ctx, "lender", w)
	}

	// A credential with a default in the window: the business's page
	// refuses to prove and sends nothing; the request stays pending.
	link = createRequest(t, ctx, s)
	answer(t, s, link, bad, false)
	id = link[strings.LastIndex(link, "/")+1:]
	do(t, ctx, "refresh", chromedp.Click(chromedp.ID("refresh")), chromedp.Sleep(time.Second))
	if st := eval[string](t, ctx, `document.querySelector('#challenges li[data-id="`+id+`"]').dataset.state`); st != "pending" {
		t.Fatalf("after a refused proof the console shows %q, want pending", st)
	}
	if st := s.api(t, http.MethodGet, "/v1/challenges/"+id, nil)["state"]; st != "pending" {
		t.Fatalf("the service says %v, want pending", st)
	}

	// A policy the service refuses: the console shows the service's
	// message, naming the field, and marks the policy box.
	do(t, ctx, "a bad policy",
		chromedp.Click(chromedp.ID("kind-policy")),
		chromedp.WaitVisible(chromedp.ID("policy")),
		chromedp.SetValue(chromedp.ID("policy"), `{"version": 1, "id": "x", "credentials": [], "rules": []}`),
		chromedp.Click(chromedp.ID("create")),
		chromedp.WaitVisible(chromedp.CSS(`#policy[aria-invalid="true"]`)),
	)
	if msg := textOf(t, ctx, "#ask-status"); !strings.Contains(msg, "The service refused the request") || !strings.Contains(msg, "credentials") {
		t.Fatalf("a refused policy reads %q", msg)
	}

	// A three-credential policy asked in the console's form: the business
	// answers with its three issuers' credentials, proving in its browser,
	// and the console shows the verdict.
	three := newBusiness(t, "console-policy")
	three.credential(t, s.Issuers[devenv.IssuerFile], credential.KindPaymentHistory, history(asOf, 48, ok, nil))
	three.credential(t, s.Issuers[devenv.Bank2File], credential.KindPaymentHistory, history(asOf, 30, ok, map[int]credential.Status{2: credential.StatusLate60}))
	three.credential(t, s.Issuers[devenv.TaxFile], credential.KindRevenue, history(asOf, 24, func(i int) uint64 { return uint64(5_400_000 + 977*i) }, nil))
	eval[bool](t, ctx, `document.getElementById("handover").hidden = true`)
	do(t, ctx, "a policy request",
		chromedp.SetValue(chromedp.ID("policy"), string(examplePolicy(t))),
		chromedp.Click(chromedp.ID("create")),
		chromedp.WaitVisible(chromedp.CSS("#handover svg")),
	)
	link = eval[string](t, ctx, `document.getElementById("handover-link").href`)
	answer(t, s, link, three, true)
	id = link[strings.LastIndex(link, "/")+1:]
	entry = `#challenges li[data-id="` + id + `"]`
	do(t, ctx, "the console shows the policy's verdict", chromedp.WaitVisible(chromedp.CSS(entry+`[data-state="verified"]`)))
	if v := textOf(t, ctx, entry); !strings.Contains(v, "Verified") || !strings.Contains(v, "Yes.") {
		t.Fatalf("verified policy entry reads %q", v)
	}

	auditorView(t, ctx, s)

	for _, r := range ltr.Requests() {
		if strings.Contains(r.URL, s.LenderKey) {
			t.Errorf("the API key is in a URL: %s", r.URL)
		}
	}
	// Chromium logs every 4xx answer; the refused policy's 400 is the one
	// expected.
	for _, c := range ltr.Console() {
		if !strings.Contains(c, "status of 400") || !strings.HasSuffix(c, "/v1/challenges") {
			t.Errorf("console error: %q", c)
		}
	}
}

// createRequest fills the console's form for no-default over 12 months
// and returns the link the QR code holds, which must be the link shown.
func createRequest(t *testing.T, ctx context.Context, s *stack) string {
	t.Helper()
	// The hand-over panel of an earlier request goes, so that the wait
	// below is for this one's.
	eval[bool](t, ctx, `document.getElementById("handover").hidden = true`)
	do(t, ctx, "create a request",
		chromedp.EmulateViewport(1280, 900),
		chromedp.SetValue(chromedp.ID("statement"), "no-default"),
		chromedp.SetValue(chromedp.ID("window"), "12"),
		chromedp.Click(chromedp.ID("create")),
		chromedp.WaitVisible(chromedp.CSS("#handover svg")),
	)
	link := eval[string](t, ctx, `document.getElementById("handover-link").href`)
	if !strings.HasPrefix(link, s.URL+"/present/") {
		t.Fatalf("link %q is not a presentation page of %s", link, s.URL)
	}
	// Read the QR code as a phone would: from its picture.
	shot, err := chromedp.Run(ctx, chromedp.ScreenshotScale(chromedp.CSS("#handover svg"), 2))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	read, err := qr.Decode(img)
	if err != nil || read != link {
		t.Fatalf("the QR code reads %q (%v), want %q", read, err, link)
	}
	return link
}

// answer opens link in the business's own browser and adds its files.
// If ok, it proves, sends the answer and waits for the verdict; else it
// checks that the page refuses and sends nothing.
func answer(t *testing.T, s *stack, link string, b *business, ok bool) {
	t.Helper()
	ctx, _ := newBrowser(t, 1280)
	p := page{t: t, ctx: ctx}
	s.Rec.Take()
	p.open(link, b)
	if ok {
		p.prove()
		p.send()
		return
	}
	p.waitFor("the refusal", `!document.getElementById("refusal").hidden`, 30*time.Second)
	for _, r := range s.Rec.Take() {
		if r.Method == http.MethodPost {
			t.Fatalf("the business's page sent %s %s after refusing", r.Method, r.URL)
		}
	}
}

// auditorView signs in to the auditor view (any of the service's keys
// reads the circuits) and checks it shows what GET /v1/circuits says.
func auditorView(t *testing.T, ctx context.Context, s *stack) {
	t.Helper()
	do(t, ctx, "open the auditor view",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(s.URL+"/auditor"),
		chromedp.WaitVisible(chromedp.ID("apikey")),
		chromedp.SendKeys(chromedp.ID("apikey"), s.LenderKey),
		chromedp.Click(chromedp.CSS("#signin button")),
		chromedp.WaitVisible(chromedp.CSS("section.circuit")),
	)
	var circuits []struct {
		ID          string
		Constraints int
		Breakdown   []struct{ Name string }
	}
	getJSON(t, s, "/v1/circuits", &circuits)
	if len(circuits) < 2 {
		t.Fatalf("the service has %d circuits, want the no-default and policy circuits", len(circuits))
	}
	for _, c := range circuits {
		sec := `section.circuit[data-circuit="` + c.ID + `"]`
		text := textOf(t, ctx, sec)
		want := []string{c.ID, fmt.Sprintf("%d,%03d R1CS constraints", c.Constraints/1000, c.Constraints%1000), "Warning: development keys."}
		for _, b := range c.Breakdown {
			want = append(want, b.Name)
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the auditor view does not say %q", c.ID, w)
			}
		}
		if rows := eval[int](t, ctx, `document.querySelectorAll('`+sec+` table.breakdown tbody tr').length`); rows != len(c.Breakdown) || rows == 0 {
			t.Errorf("%s: %d rows in the chart, want %d", c.ID, rows, len(c.Breakdown))
		}
	}
	for _, w := range []int{390, 1280} {
		screenshot(t, ctx, "auditor", w)
	}
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	t.Logf("%s: %s", time.Now().Format(time.TimeOnly), what)
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func getJSON(t *testing.T, s *stack, path string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.LenderKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
}

// waitFile waits up to 10 s for a download to land.
func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		data, err := os.ReadFile(path)
		if err == nil && len(data) > 0 && json.Valid(data) {
			return data
		}
		if time.Now().After(deadline) {
			t.Fatalf("no download at %s: %v", path, err)
		}
	}
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return len(x) > 2 && bytes.Equal(x, y)
}
