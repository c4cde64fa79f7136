package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// batch makes n challenges, then submits n proof jobs at once and waits for
// all of them: jobs/s over the whole batch (first submission to last job
// done) and the percentiles of each job's submit-to-done time.
func batch(args []string) error {
	fs := flag.NewFlagSet("batch", flag.ExitOnError)
	parse := clientFlags(fs)
	n := fs.Int("n", 40, "jobs in the batch")
	c, err := parse(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	challenges := make([]string, *n)
	for i := range challenges {
		if challenges[i], err = c.challenge(ctx); err != nil {
			return err
		}
	}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      []error
		wg        sync.WaitGroup
	)
	gate := make(chan struct{})
	for _, ch := range challenges {
		wg.Go(func() {
			<-gate
			start := time.Now()
			id, err := c.submit(ctx, ch)
			if err == nil {
				_, err = c.wait(ctx, id)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			latencies = append(latencies, time.Since(start))
		})
	}
	began := time.Now()
	close(gate)
	wg.Wait()
	wall := time.Since(began)
	for _, err := range errs {
		fmt.Fprintln(os.Stderr, "service:", err)
	}
	slices.Sort(latencies)
	fmt.Printf("jobs=%d done=%d wall_s=%.2f jobs_per_s=%.2f p50_ms=%.0f p95_ms=%.0f max_ms=%.0f\n", *n, len(latencies),
		wall.Seconds(), float64(len(latencies))/wall.Seconds(),
		ms(percentile(latencies, 0.50)), ms(percentile(latencies, 0.95)), ms(percentile(latencies, 1)))
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d jobs did not end done", len(errs), *n)
	}
	return nil
}

// replay proves one challenge through the first server, then sends n
// verifications of its attestation at once, alternating between the two
// servers (each with its own lender key for the same lender), and counts
// the answers. Replay protection holds when exactly one succeeds and the
// rest are refused with challenge_used.
func replay(args []string) error {
	fs := flag.NewFlagSet("replay", flag.ExitOnError)
	parse := clientFlags(fs)
	url2 := fs.String("url2", "", "the second server")
	lender2 := fs.String("lender-key2", "", "the same lender's API key on the second server")
	n := fs.Int("n", 50, "concurrent verifications")
	c, err := parse(args)
	if err != nil {
		return err
	}
	if *url2 == "" || *lender2 == "" {
		return errors.New("-url2 and -lender-key2 are required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	j, err := c.prove(ctx)
	if err != nil {
		return err
	}
	servers := []struct{ url, key string }{{c.url, c.lender}, {strings.TrimSuffix(*url2, "/"), *lender2}}
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range *n {
		s := servers[i%2]
		wg.Go(func() {
			<-gate
			other := *c
			other.url = s.url
			var body struct{ Error struct{ Code string } }
			err := other.call(ctx, s.key, http.MethodPost, "/v1/verifications",
				map[string]json.RawMessage{"attestation": j.Attestation}, http.StatusOK, &body)
			key := fmt.Sprintf("ok_%c", "ab"[i%2])
			if err != nil {
				key = "other"
				if strings.Contains(err.Error(), `"challenge_used"`) {
					key = "challenge_used"
				}
			}
			mu.Lock()
			counts[key]++
			mu.Unlock()
		})
	}
	close(gate)
	wg.Wait()
	ok := counts["ok_a"] + counts["ok_b"]
	fmt.Printf("verifications=%d ok=%d ok_on_a=%d ok_on_b=%d challenge_used=%d other=%d\n",
		*n, ok, counts["ok_a"], counts["ok_b"], counts["challenge_used"], counts["other"])
	if ok != 1 || counts["challenge_used"] != *n-1 {
		return errors.New("replay protection did not hold across the two servers")
	}
	return nil
}
