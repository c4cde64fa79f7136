package worker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server/jobs"
)

// flakyQueue answers Complete with errs in turn (nil once they run out)
// and Get with job.
type flakyQueue struct {
	jobs.Queue
	mu    sync.Mutex
	errs  []error
	calls int
	job   jobs.Job
}

func (q *flakyQueue) Complete(context.Context, *jobs.Delivery, []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls++
	if len(q.errs) == 0 {
		return nil
	}
	err := q.errs[0]
	if len(q.errs) > 1 {
		q.errs = q.errs[1:]
	}
	return err
}

func (q *flakyQueue) Get(context.Context, string, jobs.ID) (jobs.Job, error) { return q.job, nil }

var errDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

// TestStoreRetries: the worker keeps a finished proof while the storage is
// away and stores it when the storage answers; it gives up after StoreFor,
// at once when the lease is lost, and counts an earlier try whose reply
// was lost as stored.
func TestStoreRetries(t *testing.T) {
	defer func(b, m time.Duration) { storeBackoff, storeBackoffMax = b, m }(storeBackoff, storeBackoffMax)
	storeBackoff, storeBackoffMax = time.Millisecond, 4*time.Millisecond
	d := &jobs.Delivery{JobID: "job", Owner: "acme"}
	for _, tc := range []struct {
		name      string
		errs      []error
		job       jobs.Status
		storeFor  time.Duration
		wantErr   error // nil: stored
		wantCalls int   // 0: any number above one
	}{
		{"storage comes back", []error{errDown, errDown, errDown, nil}, "", time.Minute, nil, 4},
		{"storage stays away", []error{errDown}, "", 50 * time.Millisecond, errDown, 0},
		{"lease lost", []error{jobs.ErrLeaseLost}, "", time.Minute, jobs.ErrLeaseLost, 1},
		{"reply lost, then lease gone", []error{errDown, jobs.ErrLeaseLost}, jobs.StatusDone, time.Minute, nil, 2},
		{"lease lost to another worker", []error{errDown, jobs.ErrLeaseLost}, jobs.StatusProving, time.Minute, jobs.ErrLeaseLost, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &flakyQueue{errs: tc.errs, job: jobs.Job{Status: tc.job}}
			w := &Worker{Name: "w", Queue: q, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), StoreFor: tc.storeFor}
			began := time.Now()
			err := w.store(d, OutcomeDone, []byte("{}"))
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("store = %v; want %v", err, tc.wantErr)
			}
			if tc.wantCalls > 0 && q.calls != tc.wantCalls {
				t.Errorf("%d tries; want %d", q.calls, tc.wantCalls)
			}
			if tc.wantCalls == 0 && q.calls < 2 {
				t.Errorf("%d tries; want several", q.calls)
			}
			if took := time.Since(began); took > tc.storeFor+time.Second {
				t.Errorf("store took %s; want at most StoreFor (%s)", took, tc.storeFor)
			}
		})
	}
}
