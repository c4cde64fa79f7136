package web_test

// The browser tests' harness: a real tacit server with development keys,
// a demo issuer and registry (package devenv), a recorder of every request
// it serves, and headless Debian chromium driven by chromedp. The console
// pages' tests use it too.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/devenv"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
	"github.com/tacit-zk/tacit/web"
)

// browserEnv, set by `make browser` (and so by `make test`), turns a
// missing chromium or a binary without the browser prover into failures.
const browserEnv = "TACIT_BROWSER"

// ArtefactDir is where screenshots and the recorded traffic go (git
// ignores it).
const ArtefactDir = "testdata/artefacts"

// needBrowser returns chromium's path, or skips (fails under make).
func needBrowser(t testing.TB) string {
	t.Helper()
	required := os.Getenv(browserEnv) == "1"
	if !required {
		t.Skipf("browser tests run under `make browser` (%s=1)", browserEnv)
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is missing: run `make chromium` (Debian's chromium package): %v", err)
	}
	app, err := web.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !app.HasProver() {
		t.Fatal("this test binary has no browser prover: run `make wasm` first (`make browser` does)")
	}
	return path
}

// stack is a running tacit server with everything a browser test needs.
type stack struct {
	URL       string
	LenderKey string
	// Issuers are the demo issuers' secrets by file name (devenv.IssuerFile,
	// devenv.Bank2File, devenv.TaxFile); Registry holds them in sets.
	Issuers  map[string]*credential.IssuerSecret
	Registry *registry.Registry
	Rec      *recorder
}

// startStack starts a server on memory storage with development keys for
// every circuit (set up once per test binary).
func startStack(t testing.TB) *stack {
	t.Helper()
	dev := devDir(t)
	store, err := server.MemoryStorage(jobs.DefaultConfig(), ratelimit.Config{Limit: 1 << 20, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	book := auth.NewBook()
	var out bytes.Buffer
	env, err := devenv.Setup(context.Background(), devenv.Config{
		Dir: dev, Keys: filepath.Join(dev, "keys"), Auth: book, Issuers: store.Issuers, Registry: true, Out: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	box, err := sealed.New(bytes.Repeat([]byte{7}, sealed.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{Issuers: map[string]*credential.IssuerSecret{}, Registry: env.Registry, Rec: &recorder{}}
	for _, name := range []string{devenv.IssuerFile, devenv.Bank2File, devenv.TaxFile} {
		if s.Issuers[name], err = devenv.Issuer(filepath.Join(dev, name)); err != nil {
			t.Fatal(err)
		}
	}
	m := regexp.MustCompile(`demo lender key: (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatal("devenv printed no lender key")
	}
	s.LenderKey = m[1]
	ts := httptest.NewUnstartedServer(nil)
	cfg := server.Config{
		Keys: filepath.Join(dev, "keys"), Auth: book, Queue: store.Queue, Challenges: store.Challenges,
		Issuers: store.Issuers, Limiter: store.Limiter, Box: box, Registry: env.Registry, Development: true,
	}
	configure(&cfg, "http://"+ts.Listener.Addr().String())
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = s.Rec.wrap(srv.Handler())
	ts.Start()
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

// configure sets what the server needs to know of its own address.
func configure(cfg *server.Config, public string) { cfg.PublicURL = public }

var (
	devOnce sync.Once
	devPath string
	devErr  error
)

// devDir is one development directory per test binary: its keys take
// half a minute to set up.
func devDir(t testing.TB) string {
	devOnce.Do(func() { devPath, devErr = os.MkdirTemp("", "tacit-web-dev-") })
	if devErr != nil {
		t.Fatal(devErr)
	}
	return devPath
}

// recorded is one request the server received.
type recorded struct {
	Method, URL string
	Header      http.Header
	Body        []byte
	// Sent is the bytes the server wrote in the response body (compressed
	// if it was).
	Sent int64
}

// recorder keeps every request the server receives, whole.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		cw := &countingWriter{ResponseWriter: w}
		next.ServeHTTP(cw, req)
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{Method: req.Method, URL: req.URL.String(), Header: req.Header.Clone(), Body: body, Sent: cw.n})
		r.mu.Unlock()
	})
}

// Take returns the requests recorded so far and forgets them.
func (r *recorder) Take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// api calls the server's API with the lender's key.
func (s *stack) api(t testing.TB, method, path string, body any) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.LenderKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return out
}

// traffic is what chromium's network events said about a page's requests.
type traffic struct {
	mu       sync.Mutex
	requests []network.Request
	encoded  map[network.RequestID]float64 // bytes on the wire, per request
	console  []string                      // console errors and exceptions
}

// Encoded is the bytes received on the wire so far.
func (tr *traffic) Encoded() float64 {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var n float64
	for _, v := range tr.encoded {
		n += v
	}
	return n
}

// Console returns the console errors seen so far.
func (tr *traffic) Console() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.console...)
}

// Requests returns the requests seen so far.
func (tr *traffic) Requests() []network.Request {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]network.Request(nil), tr.requests...)
}

// newBrowser starts headless chromium with a fresh profile and returns a
// tab's context and its recorded traffic.
func newBrowser(t testing.TB, width int) (context.Context, *traffic) {
	t.Helper()
	path := needBrowser(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	tr := &traffic{encoded: map[network.RequestID]float64{}}
	// The first call starts chromium; it must not run under a timeout.
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{MaxPostDataSize: ptr(int64(1 << 20))}); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			tr.requests = append(tr.requests, *e.Request)
		case *network.EventLoadingFinished:
			tr.encoded[e.RequestID] = e.EncodedDataLength
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if x := e.ExceptionDetails.Exception; x != nil {
				msg += " " + x.Description
			}
			tr.console = append(tr.console, msg)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				tr.console = append(tr.console, string(e.Entry.Source)+": "+e.Entry.Text+" "+e.Entry.URL)
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				tr.console = append(tr.console, strings.Join(parts, " "))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ctx, tr
}

func ptr[T any](v T) *T { return &v }

// screenshot saves the whole page at width under ArtefactDir.
func screenshot(t testing.TB, ctx context.Context, name string, width int) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900), chromedp.Sleep(150*time.Millisecond)); err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(ArtefactDir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(ArtefactDir, fmt.Sprintf("%s-%d.png", name, width))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	t.Logf("screenshot: %s", abs)
}

// textOf returns an element's text.
func textOf(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}
