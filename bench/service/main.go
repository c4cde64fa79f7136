package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "attest":
		err = attest(os.Args[2:])
	case "jobs":
		err = jobs(os.Args[2:])
	case "batch":
		err = batch(os.Args[2:])
	case "replay":
		err = replay(os.Args[2:])
	case "vegeta":
		err = vegeta(os.Stdin, os.Stdout)
	case "median":
		err = median(os.Stdin, os.Stdout)
	case "freeport":
		err = freePort()
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: service attest|jobs|batch|replay|vegeta|median|freeport [flags] (see doc.go)")
	os.Exit(2)
}

// client is a lender and a business of one server, with the business's
// credential and holder secret.
type client struct {
	url              string
	lender, business string // API keys
	credential       json.RawMessage
	holderSecret     string
	poll             time.Duration
	http             *http.Client
}

// clientFlags registers the client's flags on fs and returns a function
// that parses args and makes the client.
func clientFlags(fs *flag.FlagSet) func(args []string) (*client, error) {
	url := fs.String("url", "http://127.0.0.1:8080", "the server")
	lender := fs.String("lender-key", "", "a lender's API key")
	business := fs.String("business-key", "", "a business's API key")
	cred := fs.String("credential", "", "the business's credential file")
	holder := fs.String("holder", "", "the business's holder secret file")
	poll := fs.Duration("poll", 10*time.Millisecond, "how often a job is polled")
	return func(args []string) (*client, error) {
		fs.Parse(args)
		c := &client{url: strings.TrimSuffix(*url, "/"), lender: *lender, business: *business, poll: *poll,
			http: &http.Client{Timeout: 30 * time.Second}}
		if c.lender == "" || c.business == "" {
			return nil, errors.New("-lender-key and -business-key are required")
		}
		var err error
		if c.credential, err = os.ReadFile(*cred); err != nil {
			return nil, err
		}
		secret, err := os.ReadFile(*holder)
		if err != nil {
			return nil, err
		}
		c.holderSecret = strings.TrimSpace(string(secret))
		return c, nil
	}
}

// call sends body as JSON and decodes a reply with status want into out.
func (c *client) call(ctx context.Context, key, method, path string, body any, want int, out any) error {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
	}
	return json.Unmarshal(data, out)
}

type job struct {
	ID          string          `json:"id"`
	Status      string          `json:"status"`
	Attestation json.RawMessage `json:"attestation"`
	Reason      string          `json:"reason"`
}

// challenge creates a no-default challenge over 24 months.
func (c *client) challenge(ctx context.Context) (string, error) {
	var ch struct{ ID string }
	err := c.call(ctx, c.lender, http.MethodPost, "/v1/challenges",
		map[string]any{"statement": "no-default", "params": map[string]int{"window": 24}}, http.StatusCreated, &ch)
	return ch.ID, err
}

// submit queues a proof job for a challenge.
func (c *client) submit(ctx context.Context, challengeID string) (string, error) {
	var j job
	err := c.call(ctx, c.business, http.MethodPost, "/v1/proofs", map[string]any{
		"challengeId": challengeID, "credential": c.credential, "holderSecret": c.holderSecret,
	}, http.StatusAccepted, &j)
	return j.ID, err
}

// wait polls a job until it is done or failed.
func (c *client) wait(ctx context.Context, id string) (job, error) {
	for {
		var j job
		if err := c.call(ctx, c.business, http.MethodGet, "/v1/proofs/"+id, nil, http.StatusOK, &j); err != nil {
			return j, err
		}
		switch j.Status {
		case "done":
			return j, nil
		case "failed":
			return j, fmt.Errorf("job %s failed: %s", id, j.Reason)
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-time.After(c.poll):
		}
	}
}

// prove has the lender challenge the business, and the business prove it
// through a job; it returns the job once done.
func (c *client) prove(ctx context.Context) (job, error) {
	ch, err := c.challenge(ctx)
	if err != nil {
		return job{}, err
	}
	id, err := c.submit(ctx, ch)
	if err != nil {
		return job{}, err
	}
	return c.wait(ctx, id)
}

func attest(args []string) error {
	fs := flag.NewFlagSet("attest", flag.ExitOnError)
	parse := clientFlags(fs)
	out := fs.String("out", "", "where to write the auditor request body")
	c, err := parse(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	j, err := c.prove(ctx)
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]json.RawMessage{"attestation": j.Attestation})
	if err != nil {
		return err
	}
	return os.WriteFile(*out, body, 0o644)
}

// jobs submits n jobs, one every interval, and reports the time from
// submitting each to seeing it done. The lender's challenge is made just
// before and is not part of the time.
func jobs(args []string) error {
	fs := flag.NewFlagSet("jobs", flag.ExitOnError)
	parse := clientFlags(fs)
	n := fs.Int("n", 30, "jobs to submit")
	interval := fs.Duration("interval", time.Second, "time between submissions")
	c, err := parse(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*n)**interval+5*time.Minute)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      []error
		wg        sync.WaitGroup
	)
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	for i := range *n {
		if i > 0 {
			<-tick.C
		}
		wg.Go(func() {
			d, err := c.timeJob(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			latencies = append(latencies, d)
		})
	}
	wg.Wait()
	for _, err := range errs {
		fmt.Fprintln(os.Stderr, "service:", err)
	}
	slices.Sort(latencies)
	fmt.Printf("jobs=%d done=%d p50_ms=%.0f p95_ms=%.0f max_ms=%.0f\n", *n, len(latencies),
		ms(percentile(latencies, 0.50)), ms(percentile(latencies, 0.95)), ms(percentile(latencies, 1)))
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d jobs did not end done", len(errs), *n)
	}
	return nil
}

func (c *client) timeJob(ctx context.Context) (time.Duration, error) {
	ch, err := c.challenge(ctx)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	id, err := c.submit(ctx, ch)
	if err != nil {
		return 0, err
	}
	if _, err := c.wait(ctx, id); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// vegeta turns a `vegeta report -type=json` into one key=value line.
func vegeta(r io.Reader, w io.Writer) error {
	var rep struct {
		Latencies struct {
			P50 float64 `json:"50th"`
			P90 float64 `json:"90th"`
			P99 float64 `json:"99th"`
			Max float64 `json:"max"`
		} `json:"latencies"`
		Requests   int            `json:"requests"`
		Rate       float64        `json:"rate"`
		Throughput float64        `json:"throughput"`
		Success    float64        `json:"success"`
		Codes      map[string]int `json:"status_codes"`
	}
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return err
	}
	l := rep.Latencies
	_, err := fmt.Fprintf(w, "requests=%d rate=%.1f throughput=%.1f success=%.4f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
		rep.Requests, rep.Rate, rep.Throughput, rep.Success, l.P50/1e6, l.P90/1e6, l.P99/1e6, l.Max/1e6)
	return err
}

// median reads key=value lines and prints each key's median, in the order
// the keys first appear.
func median(r io.Reader, w io.Writer) error {
	var keys []string
	values := map[string][]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		for _, f := range strings.Fields(sc.Text()) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				continue
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			if _, seen := values[k]; !seen {
				keys = append(keys, k)
			}
			values[k] = append(values[k], x)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	var out []string
	for _, k := range keys {
		v := values[k]
		slices.Sort(v)
		m := v[len(v)/2]
		if len(v)%2 == 0 {
			m = (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		out = append(out, k+"="+strconv.FormatFloat(m, 'f', -1, 64))
	}
	_, err := fmt.Fprintln(w, strings.Join(out, " "))
	return err
}

func freePort() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Println(l.Addr().(*net.TCPAddr).Port)
	return nil
}
