package web_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/server/devenv"
)

// business is one business's files, written where the browser uploads
// them from, and every private value they hold.
type business struct {
	layout  int // the credentials' layout; 0: credential.LayoutV2
	holder  credential.HolderSecret
	files   []string // credential files, in the request's order
	secret  string   // holder secret file
	private []secret
}

// secret is one private value in the forms it could travel in.
type secret struct {
	what  string
	forms []*regexp.Regexp
}

func newBusiness(t testing.TB, label string) *business {
	dir := t.TempDir()
	b := &business{holder: fixture.Holder(label), secret: filepath.Join(dir, "holder.secret")}
	if err := os.WriteFile(b.secret, []byte(b.holder.Hex()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret, subject := b.holder.Element(), b.holder.Subject().Element()
	b.field("holder secret", secret.Bytes())
	b.field("subject commitment", subject.Bytes())
	return b
}

// field adds a 32-byte private value: hex, base64 (std and URL) and decimal.
func (b *business) field(what string, v [32]byte) {
	b.add(what, v[:], new(big.Int).SetBytes(v[:]).String())
}

// add adds a private value by its bytes and its decimal.
func (b *business) add(what string, raw []byte, decimal string) {
	s := secret{what: what}
	for _, f := range []string{hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw), base64.RawURLEncoding.EncodeToString(raw)} {
		s.forms = append(s.forms, regexp.MustCompile(`(?i)`+regexp.QuoteMeta(f)))
	}
	if decimal != "" {
		s.forms = append(s.forms, regexp.MustCompile(`\b`+decimal+`\b`))
	}
	b.private = append(b.private, s)
}

// credential signs h for the business and writes it as the next file.
func (b *business) credential(t testing.TB, issuer *credential.IssuerSecret, kind credential.Kind, h credential.History) {
	layout := b.layout
	if layout == 0 {
		layout = credential.LayoutV2
	}
	c, err := credential.Sign(issuer, credential.Terms{
		Layout: layout, Kind: kind, Subject: b.holder.Subject(), IssuedAt: credential.DayOf(time.Now().AddDate(0, 0, -1)), ExpiresAt: credential.DayOf(time.Now().AddDate(1, 0, 0)),
	}, h)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(filepath.Dir(b.secret), fmt.Sprintf("credential-%d.json", len(b.files)+1))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	b.files = append(b.files, path)
	b.add(fmt.Sprintf("signature of credential %d", len(b.files)), c.Signature[:], "")
	for i, m := range h.Months {
		var amount [32]byte
		new(big.Int).SetUint64(m.Amount).FillBytes(amount[:])
		b.field(fmt.Sprintf("amount of month %d of credential %d", i, len(b.files)), amount)
		s := secret{what: fmt.Sprintf("status of month %d of credential %d", i, len(b.files))}
		st, _ := json.Marshal(map[string]any{"status": m.Status})
		s.forms = append(s.forms, regexp.MustCompile(regexp.QuoteMeta(strings.Trim(string(st), "{}"))))
		b.private = append(b.private, s)
	}
	months, _ := json.Marshal(h.Months)
	b.private = append(b.private, secret{what: "the records", forms: []*regexp.Regexp{regexp.MustCompile(regexp.QuoteMeta(string(months[1 : len(months)-1])))}})
}

// history is n months ending the month before asOf, with amount(i) and
// the given statuses.
func history(asOf credential.Month, n int, amount func(i int) uint64, statuses map[int]credential.Status) credential.History {
	h := credential.History{PeriodStart: credential.Month(int(asOf) - n), Months: make([]credential.Record, n)}
	for i := range h.Months {
		h.Months[i] = credential.Record{Status: statuses[i], Amount: amount(i)}
	}
	return h
}

// leaks returns each private value found in any request the page made:
// URLs, headers and bodies, as the server received them and as chromium
// reported them.
func (b *business) leaks(reqs []recorded, tr *traffic) []string {
	var texts []string
	for _, r := range reqs {
		h, _ := json.Marshal(r.Header)
		texts = append(texts, r.Method+" "+r.URL+"\n"+string(h)+"\n"+string(r.Body))
	}
	for _, r := range tr.Requests() {
		h, _ := json.Marshal(r.Headers)
		var post strings.Builder
		for _, e := range r.PostDataEntries {
			post.Write(e.Bytes)
		}
		texts = append(texts, r.Method+" "+r.URL+r.URLFragment+"\n"+string(h)+"\n"+post.String())
	}
	var out []string
	for _, s := range b.private {
		for _, f := range s.forms {
			for _, text := range texts {
				if f.MatchString(text) {
					out = append(out, fmt.Sprintf("%s (%s) in %.80q", s.what, f, text))
				}
			}
		}
	}
	return out
}

// examplePolicy is the README's worked policy (three credentials, four
// rules).
func examplePolicy(t testing.TB) json.RawMessage {
	doc, err := os.ReadFile("../examples/policy/policy.json")
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// page drives the business page in one tab.
type page struct {
	t   testing.TB
	ctx context.Context
}

func (p page) do(what string, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		status, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById("status").textContent`))
		p.t.Fatalf("%s: %v (status: %q)", what, err, status)
	}
}

// waitFor waits until the JavaScript expression is true.
func (p page) waitFor(what, expr string, timeout time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout))); err != nil {
		status, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.getElementById("status").textContent`))
		p.t.Fatalf("%s: %v (status: %q)", what, err, status)
	}
}

// open opens a presentation URL and adds the business's files.
func (p page) open(url string, b *business) {
	p.t.Helper()
	p.do("opening "+url, 30*time.Second, chromedp.Navigate(url))
	p.waitFor("the files step", `!document.getElementById("files").hidden`, 60*time.Second)
	for _, f := range b.files {
		p.do("adding "+f, 10*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#credentials"), []string{f}))
	}
	p.do("adding the holder secret", 10*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#holder"), []string{b.secret}))
}

// prove makes the proof and returns how long it took from the click.
func (p page) prove() time.Duration {
	p.t.Helper()
	p.waitFor("the files' check", `!document.getElementById("prove-button").disabled`, 30*time.Second)
	start := time.Now()
	p.do("clicking prove", 5*time.Second, chromedp.Click(chromedp.CSS("#prove-button")))
	p.waitFor("the proof", `!document.getElementById("review").hidden`, 3*time.Minute)
	return time.Since(start)
}

// send confirms and waits for the verdict.
func (p page) send() string {
	p.t.Helper()
	p.do("clicking send", 5*time.Second, chromedp.Click(chromedp.CSS("#send-button")))
	p.waitFor("the verdict", `!document.getElementById("verdict").hidden`, 30*time.Second)
	return textOf(p.t, p.ctx, "#verdict-body")
}

// challenge creates a challenge as the lender and returns its id and
// presentation URL.
func (s *stack) challenge(t testing.TB, body any) (string, string) {
	t.Helper()
	ch := s.api(t, "POST", "/v1/challenges", body)
	id, _ := ch["id"].(string)
	url, _ := ch["presentationUrl"].(string)
	if id == "" || !strings.HasPrefix(url, s.URL+"/present/") {
		t.Fatalf("challenge %v: no id or presentationUrl under %s", ch, s.URL)
	}
	return id, url
}

// TestBrowserPresent walks the business page in headless chromium: a
// lender's no-default challenge, then a three-credential policy, each
// proven in the browser, confirmed, sent and verified; then a credential
// that does not satisfy the statement, refused on the page with the rule
// named and nothing sent. No request the page makes holds a private value.
func TestBrowserPresent(t *testing.T) {
	s := startStack(t)
	ctx, tr := newBrowser(t, 1280)
	p := page{t: t, ctx: ctx}
	asOf := credential.MonthOf(time.Now())
	ok := func(i int) uint64 { return uint64(100000 + 1731*i) }

	t.Run("no-default", func(t *testing.T) {
		p.t = t
		b := newBusiness(t, "web-no-default")
		b.credential(t, s.Issuers[devenv.IssuerFile], credential.KindPaymentHistory, history(asOf, 36, ok, map[int]credential.Status{3: credential.StatusLate30}))
		id, url := s.challenge(t, map[string]any{"statement": "no-default", "params": map[string]any{"window": 24}})
		s.Rec.Take()
		p.open(url, b)
		for _, w := range []int{390, 1280} {
			screenshot(t, ctx, "present-ready", w)
		}
		took := p.prove()
		t.Logf("no-default/v2 proven in the browser in %v (keys downloaded)", took.Round(time.Millisecond))
		for _, w := range []int{390, 1280} {
			screenshot(t, ctx, "present-review", w)
		}
		if v := p.send(); !strings.Contains(v, "Sent and verified") {
			t.Fatalf("verdict: %q", v)
		}
		for _, w := range []int{390, 1280} {
			screenshot(t, ctx, "present-verified", w)
		}
		if st := s.api(t, "GET", "/v1/challenges/"+id, nil); st["state"] != "verified" {
			t.Fatalf("the lender sees %v", st)
		}
		checkTraffic(t, b, s.Rec.Take(), tr, 1)
	})

	t.Run("policy", func(t *testing.T) {
		p.t = t
		b := newBusiness(t, "web-policy")
		b.credential(t, s.Issuers[devenv.IssuerFile], credential.KindPaymentHistory, history(asOf, 48, ok, nil))
		b.credential(t, s.Issuers[devenv.Bank2File], credential.KindPaymentHistory, history(asOf, 30, ok, map[int]credential.Status{2: credential.StatusLate60}))
		b.credential(t, s.Issuers[devenv.TaxFile], credential.KindRevenue, history(asOf, 24, func(i int) uint64 { return uint64(5_400_000 + 977*i) }, nil))
		id, url := s.challenge(t, map[string]any{"policy": examplePolicy(t), "asOf": asOf.String()})
		s.Rec.Take()
		p.open(url, b)
		took := p.prove()
		t.Logf("policy/v2 proven in the browser in %v (keys downloaded)", took.Round(time.Millisecond))
		for _, w := range []int{390, 1280} {
			screenshot(t, ctx, "present-policy-review", w)
		}
		if v := p.send(); !strings.Contains(v, "Sent and verified") {
			t.Fatalf("verdict: %q", v)
		}
		if st := s.api(t, "GET", "/v1/challenges/"+id, nil); st["state"] != "verified" {
			t.Fatalf("the lender sees %v", st)
		}
		checkTraffic(t, b, s.Rec.Take(), tr, 1)
	})

	t.Run("unsatisfied", func(t *testing.T) {
		p.t = t
		b := newBusiness(t, "web-default")
		b.credential(t, s.Issuers[devenv.IssuerFile], credential.KindPaymentHistory, history(asOf, 36, ok, map[int]credential.Status{30: credential.StatusDefault}))
		id, url := s.challenge(t, map[string]any{"statement": "no-default", "params": map[string]any{"window": 24}})
		s.Rec.Take()
		p.open(url, b)
		p.waitFor("the refusal", `!document.getElementById("refusal").hidden`, 30*time.Second)
		refusal := textOf(t, ctx, "#refusal")
		if !strings.Contains(refusal, "default") || !strings.Contains(refusal, "Nothing was sent") {
			t.Fatalf("the refusal does not name the rule: %q", refusal)
		}
		if on, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("prove-button").disabled`)); !on {
			t.Fatal("the prove button is enabled after a refusal")
		}
		for _, w := range []int{390, 1280} {
			screenshot(t, ctx, "present-refused", w)
		}
		if st := s.api(t, "GET", "/v1/challenges/"+id, nil); st["state"] != "pending" {
			t.Fatalf("the lender sees %v after a refusal on the page", st)
		}
		checkTraffic(t, b, s.Rec.Take(), tr, 0)
	})
	if c := tr.Console(); len(c) > 0 {
		t.Errorf("console errors: %q", c)
	}
}

// checkTraffic asserts that the page sent posts answers and no private
// value anywhere.
func checkTraffic(t testing.TB, b *business, reqs []recorded, tr *traffic, posts int) {
	t.Helper()
	n := 0
	for _, r := range reqs {
		if r.Method != "GET" && r.Method != "HEAD" {
			n++
			if !strings.HasSuffix(r.URL, "/response") {
				t.Errorf("the page sent %s %s", r.Method, r.URL)
			}
		}
	}
	if n != posts {
		t.Errorf("the page sent %d answers, want %d", n, posts)
	}
	if len(reqs) == 0 {
		t.Fatal("no request recorded")
	}
	leaks := b.leaks(reqs, tr)
	for _, l := range leaks {
		t.Errorf("leak: %s", l)
	}
	t.Logf("traffic: %d requests of the business page recorded, %d answer(s) sent, %d leaks", len(reqs), n, len(leaks))
}
